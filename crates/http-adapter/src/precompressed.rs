//! The app's hashed assets (wasm, js, css) compressed once with brotli at its best
//! quality (and gzip -9 for browsers without brotli), so the first load carries the
//! smallest bytes a browser can decode. Quality 11
//! takes a few seconds for the wasm, far too slow per response (the `Compress` middleware
//! uses a fast level): it runs once per static directory on a thread of its own when the
//! server starts, and until it is done the assets go out compressed per response as
//! before. The files never change while the server runs (their names carry their hash).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::{HttpResponse, web};

/// Brotli's best quality and its largest window for files of this size.
const QUALITY: u32 = 11;
const WINDOW: u32 = 22;

/// One compressed asset.
pub struct Asset {
    /// Brotli, quality 11.
    pub body: web::Bytes,
    /// Gzip, level 9.
    pub gzip: web::Bytes,
    pub content_type: &'static str,
}

/// The compressed assets of one static directory, once ready.
#[derive(Default)]
pub struct Precompressed {
    assets: OnceLock<HashMap<String, Asset>>,
}

impl Precompressed {
    /// The assets of `dir`, compressing on a thread of their own the first time a
    /// directory is asked for (each server worker configures the app; one compression).
    pub fn of(dir: &Path) -> Arc<Self> {
        static DIRS: OnceLock<Mutex<HashMap<PathBuf, Arc<Precompressed>>>> = OnceLock::new();
        let dirs = DIRS.get_or_init(Mutex::default);
        let mut dirs = match dirs.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(found) = dirs.get(dir) {
            return found.clone();
        }
        let this = Arc::new(Self::default());
        dirs.insert(dir.to_owned(), this.clone());
        let (filling, dir) = (this.clone(), dir.to_owned());
        let started = std::thread::Builder::new()
            .name("precompress".into())
            .spawn(move || {
                let assets = compress_dir(&dir);
                tracing::info!(assets = assets.len(), "app assets compressed (brotli 11)");
                let _ = filling.assets.set(assets);
            });
        if let Err(error) = started {
            tracing::warn!(%error, "app assets are compressed per response");
        }
        this
    }

    /// The compressed asset at `path` (`/name-hash.wasm`), once ready.
    pub fn get(&self, path: &str) -> Option<&Asset> {
        self.assets.get()?.get(path.trim_start_matches('/'))
    }
}

/// The hashed assets directly in `dir`, compressed, by file name.
pub fn compress_dir(dir: &Path) -> HashMap<String, Asset> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return HashMap::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let content_type = content_type(&name)?;
            if !is_hashed_asset(&name) {
                return None;
            }
            let raw = std::fs::read(entry.path()).ok()?;
            Some((
                name,
                Asset {
                    body: web::Bytes::from(compress(&raw).ok()?),
                    gzip: web::Bytes::from(gzip(&raw).ok()?),
                    content_type,
                },
            ))
        })
        .collect()
}

/// Trunk names its outputs `name-<hash>.ext` and the wasm `name-<hash>_bg.wasm`; the hash
/// is a 64-bit number in hex, without leading zeros (so 8 to 16 digits in practice).
pub(crate) fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (8..=16).contains(&hash.len()) && hash.chars().all(|c| c.is_ascii_hexdigit())
    })
}

fn content_type(name: &str) -> Option<&'static str> {
    match name.rsplit_once('.')?.1 {
        "wasm" => Some("application/wasm"),
        "js" => Some("text/javascript"),
        "css" => Some("text/css"),
        _ => None,
    }
}

/// `raw` compressed with brotli at quality 11.
pub fn compress(raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len() / 3);
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, QUALITY, WINDOW);
        writer.write_all(raw)?;
        writer.flush()?;
    }
    Ok(out)
}

/// `raw` compressed with gzip at level 9.
pub fn gzip(raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut writer = flate2::write::GzEncoder::new(
        Vec::with_capacity(raw.len() / 3),
        flate2::Compression::best(),
    );
    writer.write_all(raw)?;
    writer.finish()
}

/// Whether the request's `Accept-Encoding` takes `coding` (not at `q=0`).
fn accepts(req: &ServiceRequest, coding: &str) -> bool {
    let Some(accepted) = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    accepted.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let named = parts
            .next()
            .is_some_and(|name| name.eq_ignore_ascii_case(coding));
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        named && !refused
    })
}

/// Answers a `GET` of a compressed asset from memory when the browser takes brotli, else
/// gzip (the `Compress` middleware leaves a response with its `Content-Encoding` as it
/// is); everything else goes on to the files.
pub async fn serve(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let compressed = req
        .app_data::<web::Data<Precompressed>>()
        .filter(|_| req.method() == Method::GET && !req.headers().contains_key(header::RANGE))
        .and_then(|assets| {
            let asset = assets.get(req.path())?;
            let (coding, body) = if accepts(&req, "br") {
                ("br", &asset.body)
            } else if accepts(&req, "gzip") {
                ("gzip", &asset.gzip)
            } else {
                return None;
            };
            Some(
                HttpResponse::Ok()
                    .content_type(asset.content_type)
                    .insert_header((header::CONTENT_ENCODING, coding))
                    .insert_header((header::VARY, "accept-encoding"))
                    .body(body.clone()),
            )
        });
    match compressed {
        Some(res) => Ok(req.into_response(res)),
        None => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::io::Read;

    #[test]
    fn hashed_assets_are_compressed_and_read_back_whole() {
        let dir = std::env::temp_dir().join(format!("precompressed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let wasm: Vec<u8> = (0..200_000_u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.join("portal-frontend-1a2b3c4d5e6f7a8b_bg.wasm"), &wasm).unwrap();
        std::fs::write(
            dir.join("style-0123456789abcdef.css"),
            b"body { margin: 0 }",
        )
        .unwrap();
        std::fs::write(dir.join("index.html"), b"<html></html>").unwrap();
        std::fs::write(dir.join("notes-0123456789abcdef.txt"), b"not an asset").unwrap();
        let assets = compress_dir(&dir);
        let mut names: Vec<&str> = assets.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "portal-frontend-1a2b3c4d5e6f7a8b_bg.wasm",
                "style-0123456789abcdef.css"
            ]
        );
        let asset = &assets["portal-frontend-1a2b3c4d5e6f7a8b_bg.wasm"];
        assert_eq!(asset.content_type, "application/wasm");
        assert!(
            asset.body.len() < wasm.len() / 10,
            "{} bytes",
            asset.body.len()
        );
        let mut back = Vec::new();
        brotli::Decompressor::new(&asset.body[..], 4096)
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, wasm);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&asset.gzip[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, wasm, "the gzip copy too");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
