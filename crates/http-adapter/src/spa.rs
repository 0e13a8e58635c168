//! Serving the built single-page app: files from the static directory, `index.html` for
//! app routes (a missing file with an extension is a 404), long-lived caching for hashed
//! assets, `no-store` for `index.html` (its address may carry `?token=`), and a
//! Content-Security-Policy that allows the app's own scripts only and limits who may
//! embed it (`frame-ancestors`).

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

use crate::HttpSettings;
use crate::precompressed::is_hashed_asset;

/// `frame-ancestors` from the allowed parent origins, `'self'` when there are none.
pub fn frame_ancestors(origins: &[String]) -> String {
    if origins.is_empty() {
        "frame-ancestors 'self'".to_owned()
    } else {
        format!("frame-ancestors 'self' {}", origins.join(" "))
    }
}

/// The app's policy: its own files only, WebAssembly compiled from them, the inline
/// scripts of `index.html` (Trunk's loader) by their hash, no plugins, no `<base>`, and
/// embedding by the allowed parents only.
pub fn content_security_policy(origins: &[String], index_html: &str) -> String {
    let hashes: String = inline_scripts(index_html)
        .map(|script| format!(" 'sha256-{}'", BASE64.encode(Sha256::digest(script))))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; object-src 'none'; base-uri 'none'; form-action 'self'; {}",
        frame_ancestors(origins)
    )
}

/// The text of each `<script>` without a `src`, exactly as the browser hashes it.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, rest) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        let (body, _) = rest.split_once("</script>")?;
        Some(body)
    })
}

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>客户控制台</title></head>
<body><h1>客户控制台 Customer Portal</h1>
<p>前端尚未构建。The app is not built: run <code>just build</code>, or use the JSON API under <code>/api</code> (see <a href="/api/openapi.json">/api/openapi.json</a>).</p>
</body></html>"#;

pub fn configure(settings: HttpSettings) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let dir = settings.static_dir;
        let index = dir.join("index.html");
        let html = std::fs::read_to_string(&index).ok();
        let csp = content_security_policy(
            &settings.allowed_parent_origins,
            html.as_deref().unwrap_or_default(),
        );
        let headers = DefaultHeaders::new()
            .add((header::CONTENT_SECURITY_POLICY, csp))
            .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .add((header::REFERRER_POLICY, "no-referrer"));
        if html.is_some() {
            let precompressed = web::Data::from(crate::precompressed::Precompressed::of(&dir));
            cfg.service(
                web::scope("")
                    .app_data(precompressed)
                    // Hashed assets at brotli's best, compressed once (see `precompressed`).
                    .wrap(actix_web::middleware::from_fn(crate::precompressed::serve))
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
                                    // A file the build does not have is missing, not an app route.
                                    if names_a_file(req.path()) {
                                        let res = HttpResponse::NotFound()
                                            .content_type("text/plain; charset=utf-8")
                                            .body("not found");
                                        return Ok(ServiceResponse::new(req, res));
                                    }
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
                            .insert_header((header::CACHE_CONTROL, "no-store"))
                            .body(NOT_BUILT)
                    })),
            );
        }
    }
}

/// Hashed assets (Trunk names them `name-<hash>.ext`) never change: cache them for a
/// year. `index.html` is never stored (its address may carry `?token=`, and it names the
/// current assets); everything else is revalidated on every load.
async fn cache_policy(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let hashed = is_hashed_asset(req.path());
    let mut res = next.call(req).await?;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let value = if hashed && res.status().is_success() {
        "public, max-age=31536000, immutable"
    } else if html {
        "no-store"
    } else {
        "no-cache"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    Ok(res)
}

/// Whether the last segment of a path has an extension (`/app.js`, `/favicon.ico`); app
/// routes (`/usage`, `/invoices/INV202512001`) have none.
fn names_a_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
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
    fn the_policy_allows_the_inline_loader_by_its_hash_and_nothing_else_inline() {
        let html = r#"<html><head><script type="module">import init from '/a.js';</script>
<script src="/b.js"></script></head><body></body></html>"#;
        let csp = content_security_policy(&["https://wb.example.com".into()], html);
        // printf "import init from '/a.js';" | openssl dgst -sha256 -binary | base64
        let hash = BASE64.encode(Sha256::digest("import init from '/a.js';"));
        assert_eq!(
            csp,
            format!(
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self' https://wb.example.com"
            )
        );
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn a_path_with_an_extension_names_a_file() {
        assert!(names_a_file("/missing.js"));
        assert!(names_a_file("/assets/logo.png"));
        assert!(!names_a_file("/usage"));
        assert!(!names_a_file("/invoices/INV202512001"));
        assert!(!names_a_file("/"));
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
