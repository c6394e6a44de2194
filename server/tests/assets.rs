//! The browser's files: served from memory under content-hashed names with a year's
//! immutable caching, precompressed copies as the client takes them, entity tags; the public
//! pages load only their small script, the internal pages the app's WASM.

mod common;

use std::sync::Arc;

use app::on_both_backends;
use app::server::assets::Assets;
use app::server::db::Backend;
use common::TestApp;

/// A site folder with the four files a build makes, and brotli copies of two of them.
fn site() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "klaxon-site-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in [
        ("klaxon.js", &b"export default async function init() {}"[..]),
        ("klaxon.wasm", b"\0asm\x01\0\0\0-the-app"),
        ("klaxon.css", b"body { margin: 0 }"),
        ("status.js", b"document.body.dataset.hydrated = 'true';"),
    ] {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(10));
    std::fs::write(dir.join("klaxon.wasm.br"), b"BROTLI-WASM").unwrap();
    std::fs::write(dir.join("status.js.br"), b"BROTLI-STATUS").unwrap();
    dir
}

async fn start(b: Backend) -> TestApp {
    let dir = site();
    TestApp::start_with(b, move |s| s.assets = Arc::new(Assets::load(&dir))).await
}

/// The `/pkg/…` addresses a page names.
fn pkg_urls(html: &str) -> Vec<String> {
    html.split('"').filter(|s| s.starts_with("/pkg/")).map(str::to_string).collect()
}

async fn pages_name_hashed_files_and_public_pages_skip_the_app(b: Backend) {
    let app = start(b).await;
    let status = reqwest::get(app.url("/status")).await.unwrap().text().await.unwrap();
    let urls = pkg_urls(&status);
    let css = app.state.assets.url("klaxon.css");
    let public_js = app.state.assets.url("status.js");
    assert_ne!(css, "/pkg/klaxon.css", "the name carries the content hash");
    assert!(urls.contains(&css) && urls.contains(&public_js), "{urls:?}");
    assert!(!urls.iter().any(|u| u.contains("klaxon.") && (u.ends_with(".js") || u.ends_with(".wasm"))), "the public page loads no app code: {urls:?}");

    // an internal page hydrates with the app, by hashed names
    let login = reqwest::get(app.url("/login")).await.unwrap().text().await.unwrap();
    for f in ["klaxon.js", "klaxon.wasm", "klaxon.css"] {
        let url = app.state.assets.url(f);
        assert!(login.contains(&url), "/login names {url}");
    }
    assert!(!login.contains(&public_js));
}

async fn hashed_files_are_immutable_and_precompressed(b: Backend) {
    let app = start(b).await;
    let c = reqwest::Client::new();
    let wasm = app.state.assets.url("klaxon.wasm");

    let r = c.get(app.url(&wasm)).header("accept-encoding", "gzip, deflate, br").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(r.headers()["content-type"], "application/wasm");
    assert_eq!(r.headers()["content-encoding"], "br");
    assert_eq!(r.headers()["vary"], "Accept-Encoding");
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(&r.bytes().await.unwrap()[..], b"BROTLI-WASM", "the build's brotli copy, as made");

    // gzip for a client without brotli, the bytes as they are for one without either
    let r = c.get(app.url(&wasm)).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&r.bytes().await.unwrap()[..]), &mut plain).unwrap();
    assert_eq!(plain, b"\0asm\x01\0\0\0-the-app");
    let r = c.get(app.url(&wasm)).send().await.unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(&r.bytes().await.unwrap()[..], b"\0asm\x01\0\0\0-the-app");

    // revalidation
    let r = c.get(app.url(&wasm)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"], etag.as_str());

    // the plain name still works, revalidated every time; unknown names are 404
    let r = c.get(app.url("/pkg/klaxon.wasm")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "public, no-cache");
    assert_eq!(r.headers()["etag"], etag.as_str());
    assert_eq!(c.get(app.url("/pkg/klaxon.0123456789abcdef0123.wasm")).send().await.unwrap().status(), 404);
    assert_eq!(c.get(app.url("/pkg/klaxon.wasm.br")).send().await.unwrap().status(), 404);
    // HEAD answers the headers alone
    let r = c.head(app.url(&wasm)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], etag.as_str());
}

on_both_backends!(pages_name_hashed_files_and_public_pages_skip_the_app, hashed_files_are_immutable_and_precompressed);
