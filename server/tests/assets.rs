//! The browser's files: served from memory under content-hashed names with a year's
//! immutable caching, precompressed copies as the client takes them, entity tags; the public
//! pages load only their small script, the internal pages the app's WASM.

mod common;

use std::sync::Arc;

use app::on_both_backends;
use app::server::assets::Assets;
use app::server::db::Backend;
use common::TestApp;

/// A site folder as a build makes it: the style sheet and the public pages' script, the app
/// (script, WASM, a chunk) in its build's folder, and brotli copies of two files.
fn site() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "klaxon-site-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let build = dir.join("app").join("b1");
    std::fs::create_dir_all(&build).unwrap();
    for (name, bytes) in [
        ("app/b1/klaxon.js", &b"export default async function init() {}"[..]),
        ("app/b1/klaxon.wasm", b"\0asm\x01\0\0\0-the-app"),
        ("app/b1/split_incidents.wasm", b"\0asm\x01\0\0\0-a-page"),
        // the loader of the lazily loaded parts: the public pages' app views are in `admin`
        ("app/b1/__wasm_split.js", b"export const __wasm_split_load_admin_1 = w(m(() => { fetch(new URL(\"./split_admin_1.wasm\")) }, []));"),
        ("app/current", b"b1\n"),
        ("klaxon.css", b"body { margin: 0 }"),
        ("status.js", b"document.body.dataset.hydrated = 'true';"),
    ] {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(10));
    std::fs::write(build.join("klaxon.wasm.br"), b"BROTLI-WASM").unwrap();
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
    assert!(!urls.iter().any(|u| u.contains("/app/") || u.ends_with(".wasm")), "the public page loads no app code: {urls:?}");

    // an internal page hydrates with the current build of the app, from its folder
    let login = reqwest::get(app.url("/login")).await.unwrap().text().await.unwrap();
    assert_eq!(app.state.assets.url("klaxon.js"), "/pkg/app/b1/klaxon.js");
    for f in ["klaxon.js", "klaxon.wasm", "klaxon.css"] {
        let url = app.state.assets.url(f);
        assert!(login.contains(&url), "/login names {url}");
    }
    assert!(!login.contains(&public_js));

    // a public page rendered past the page cache (a path it does not keep) names no app
    // file as a preload either
    assert_eq!(app.state.assets.part_files("admin"), ["/pkg/app/b1/split_admin_1.wasm"]);
    for path in ["/status", "/status/history/latest", "/status/incidents/nothing"] {
        let r = reqwest::get(app.url(path)).await.unwrap();
        let links: Vec<_> = r.headers().get_all("link").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        assert!(links.iter().all(|l| !l.contains("/pkg/app/")), "{path}: {links:?}");
    }
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

    // a page's chunk, from the same folder (the loader asks for it by a relative name)
    let r = c.get(app.url("/pkg/app/b1/split_incidents.wasm")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(&r.bytes().await.unwrap()[..], b"\0asm\x01\0\0\0-a-page");

    // the site's own files by their plain names still work, revalidated every time
    let css = app.state.assets.url("klaxon.css");
    let css_tag = c.get(app.url(&css)).send().await.unwrap().headers()["etag"].clone();
    let r = c.get(app.url("/pkg/klaxon.css")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "public, no-cache");
    assert_eq!(r.headers()["etag"], css_tag);
    // unknown names, compressed copies, other builds and the build marker are 404
    for bad in ["/pkg/klaxon.0123456789abcdef0123.css", "/pkg/app/b1/klaxon.wasm.br", "/pkg/app/b2/klaxon.wasm", "/pkg/app/current"] {
        assert_eq!(c.get(app.url(bad)).send().await.unwrap().status(), 404, "{bad}");
    }
    // HEAD answers the headers alone
    let r = c.head(app.url(&wasm)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], etag.as_str());
}

on_both_backends!(pages_name_hashed_files_and_public_pages_skip_the_app, hashed_files_are_immutable_and_precompressed);
