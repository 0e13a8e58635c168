//! Serving the built single-page app: files from the static directory, `index.html` for
//! app routes, long-lived caching for hashed assets, `no-cache` for `index.html`, and the
//! `frame-ancestors` policy that limits who may embed the app.

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{HttpResponse, web};

use crate::HttpSettings;

/// `frame-ancestors` from the allowed parent origins, `'self'` when there are none.
pub fn frame_ancestors(origins: &[String]) -> String {
    if origins.is_empty() {
        "frame-ancestors 'self'".to_owned()
    } else {
        format!("frame-ancestors 'self' {}", origins.join(" "))
    }
}

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>客户控制台</title></head>
<body><h1>客户控制台 Customer Portal</h1>
<p>前端尚未构建。The app is not built: run <code>just build</code>, or use the JSON API under <code>/api</code> (see <a href="/api/openapi.json">/api/openapi.json</a>).</p>
</body></html>"#;

pub fn configure(settings: HttpSettings) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let csp = frame_ancestors(&settings.allowed_parent_origins);
        let headers = DefaultHeaders::new()
            .add((header::CONTENT_SECURITY_POLICY, csp))
            .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .add((header::REFERRER_POLICY, "no-referrer"));
        let dir = settings.static_dir;
        let index = dir.join("index.html");
        if index.is_file() {
            cfg.service(
                web::scope("")
                    .wrap(headers)
                    .wrap(actix_web::middleware::from_fn(cache_policy))
                    // gzip, brotli or zstd as the browser accepts: the wasm shrinks about 3×.
                    .wrap(Compress::default())
                    .service(
                        Files::new("/", dir)
                            .index_file("index.html")
                            .use_etag(true)
                            .default_handler(fn_service(move |req: ServiceRequest| {
                                let index = index.clone();
                                async move {
                                    let (req, _) = req.into_parts();
                                    let file = NamedFile::open_async(&index).await?;
                                    let res = file.into_response(&req);
                                    Ok(ServiceResponse::new(req, res))
                                }
                            })),
                    ),
            );
        } else {
            cfg.service(
                web::scope("")
                    .wrap(headers)
                    .default_service(web::to(|| async {
                        HttpResponse::Ok()
                            .content_type("text/html; charset=utf-8")
                            .insert_header((header::CACHE_CONTROL, "no-cache"))
                            .body(NOT_BUILT)
                    })),
            );
        }
    }
}

/// Hashed assets (Trunk names them `name-<hash>.ext`) never change: cache them for a
/// year. Everything else, `index.html` above all, is revalidated on every load.
async fn cache_policy(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let hashed = is_hashed_asset(req.path());
    let mut res = next.call(req).await?;
    let value = if hashed && res.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    Ok(res)
}

/// Trunk names its outputs `name-<hash>.ext` and the wasm `name-<hash>_bg.wasm`; the hash
/// is a 64-bit number in hex, without leading zeros (so 8 to 16 digits in practice).
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (8..=16).contains(&hash.len()) && hash.chars().all(|c| c.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_ancestors_lists_the_allowed_parents() {
        assert_eq!(frame_ancestors(&[]), "frame-ancestors 'self'");
        assert_eq!(
            frame_ancestors(&[
                "https://wb.example.com".into(),
                "http://localhost:9000".into()
            ]),
            "frame-ancestors 'self' https://wb.example.com http://localhost:9000"
        );
    }

    #[test]
    fn only_trunk_hashed_names_are_immutable() {
        assert!(is_hashed_asset("/portal-frontend-3f2a9c0d1e2b4a5c_bg.wasm"));
        assert!(is_hashed_asset("/portal-frontend-3f2a9c0d1e2b4a5c.js"));
        // A hash with leading zeros is printed shorter.
        assert!(is_hashed_asset("/style-f2a9c0d1e2b4a5c.css"));
        assert!(is_hashed_asset("/app-0123456789abcdef.js"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/usage"));
        assert!(!is_hashed_asset("/my-app.js"));
        assert!(!is_hashed_asset("/my-cafe.js"));
        assert!(!is_hashed_asset("/logo_bg.wasm"));
    }
}
