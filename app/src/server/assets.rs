//! The browser's files, read once at start-up and served from memory.
//!
//! - The site's own files (`pkg/klaxon.css`, `pkg/status.js`: the style sheet and the public
//!   pages' script) under content-hashed names (`klaxon.3f9a…e1.css`).
//! - The internal app (`pkg/app/<build>/`: `klaxon.js`, its WASM, the loader of the WASM's
//!   lazily loaded chunks and the chunks) as a set: the loader finds the app's script and the
//!   chunks by relative names, so the whole set is served under its build's folder, the build
//!   id being a hash of all its files. `pkg/app/current` names the build pages load; earlier
//!   builds still in the folder stay served, so a page opened before a deploy can still fetch
//!   the chunks it was built with.
//!
//! Either way a name's bytes never change, so browsers and proxies keep them for a year and a
//! new build is a new address. The gzip and brotli copies are made at build time
//! (`scripts/lib.sh`); one that is missing or older than its file is made here with gzip,
//! never per request.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use super::chunk_map;

/// One file, ready to send.
#[derive(Debug)]
pub struct Asset {
    /// The name it is served under: `stem.<hash>.ext`.
    pub hashed: String,
    pub content_type: &'static str,
    /// A strong tag: the content hash.
    pub etag: String,
    pub identity: Bytes,
    pub gzip: Bytes,
    /// Empty when the build made no brotli copy.
    pub brotli: Bytes,
}

/// What a request for `/pkg/{name}` finds.
pub struct Found {
    pub asset: Arc<Asset>,
    /// Asked for by its hashed name: the bytes behind that name never change.
    pub immutable: bool,
}

/// Every file of the site's `pkg/` folder, by plain and by hashed name.
#[derive(Debug, Default)]
pub struct Assets {
    by_plain: HashMap<String, Arc<Asset>>,
    /// Hashed names, and `app/<build>/<file>` for every build's files.
    by_hashed: HashMap<String, Arc<Asset>>,
    /// The build of the app that pages load.
    app: Option<String>,
    /// The files each lazily loaded part of that build needs, by part (see
    /// [`Assets::part_files`]).
    parts: HashMap<String, Vec<String>>,
}

/// The folder of the app's builds, and the file in it that names the current one.
pub const APP_DIR: &str = "app";
pub const CURRENT: &str = "current";

/// The files a page links to.
pub const APP_JS: &str = "klaxon.js";
pub const APP_WASM: &str = "klaxon.wasm";
pub const STYLE: &str = "klaxon.css";
/// The public pages' own small script (local times and live updates, no WASM).
pub const PUBLIC_JS: &str = "status.js";
/// The loader of the app's lazily loaded chunks, in each build's folder.
pub const CHUNK_LOADER: &str = "__wasm_split.js";

impl Assets {
    /// Reads `dir` (the site's `pkg/`); a missing folder gives no assets (pages then name
    /// the plain files, and the server warns at start-up).
    pub fn load(dir: &Path) -> Assets {
        let mut assets = Assets::default();
        for (name, asset) in read_folder(dir) {
            assets.insert(name, asset);
        }
        let apps = dir.join(APP_DIR);
        let builds = std::fs::read_dir(&apps).into_iter().flatten().filter_map(|e| e.ok()).filter(|e| e.path().is_dir());
        for build in builds.filter_map(|e| e.file_name().into_string().ok()) {
            for (name, mut asset) in read_folder(&apps.join(&build)) {
                asset.hashed = format!("{APP_DIR}/{build}/{name}");
                assets.by_hashed.insert(asset.hashed.clone(), Arc::new(asset));
            }
        }
        let current = std::fs::read_to_string(apps.join(CURRENT)).map(|s| s.trim().to_string());
        assets.app = current.ok().filter(|b| assets.by_hashed.contains_key(&format!("{APP_DIR}/{b}/{APP_WASM}")));
        if let Some(build) = &assets.app {
            let loader = assets.by_hashed.get(&format!("{APP_DIR}/{build}/{CHUNK_LOADER}"));
            let parts = loader.and_then(|l| std::str::from_utf8(&l.identity).ok()).map(chunk_map::parse).unwrap_or_default();
            let url = |stem: &String| format!("/pkg/{APP_DIR}/{build}/{stem}.wasm");
            assets.parts = parts.into_iter().map(|(key, stems)| (chunk_map::part_name(&key).to_string(), stems.iter().map(url).collect())).collect();
        }
        assets
    }

    /// The addresses of the files a lazily loaded part of the app needs (`app::routes`),
    /// its own chunk first; none for a part the current build does not have.
    pub fn part_files(&self, part: &str) -> &[String] {
        self.parts.get(part).map_or(&[], Vec::as_slice)
    }

    /// The build of the app pages load, if the site has one.
    pub fn app_build(&self) -> Option<&str> {
        self.app.as_deref()
    }

    fn insert(&mut self, plain: String, asset: Asset) {
        let asset = Arc::new(asset);
        self.by_hashed.insert(asset.hashed.clone(), asset.clone());
        self.by_plain.insert(plain, asset);
    }

    /// The address a page uses for `plain`: `/pkg/klaxon.<hash>.css` for the site's own
    /// files, `/pkg/app/<build>/klaxon.wasm` for the current app's.
    pub fn url(&self, plain: &str) -> String {
        if let Some(a) = self.by_plain.get(plain) {
            return format!("/pkg/{}", a.hashed);
        }
        match &self.app {
            Some(build) if self.by_hashed.contains_key(&format!("{APP_DIR}/{build}/{plain}")) => format!("/pkg/{APP_DIR}/{build}/{plain}"),
            _ => format!("/pkg/{plain}"),
        }
    }

    /// The file served as `/pkg/{name}`, by hashed name or, revalidated each time, plain.
    pub fn find(&self, name: &str) -> Option<Found> {
        if let Some(a) = self.by_hashed.get(name) {
            return Some(Found { asset: a.clone(), immutable: true });
        }
        self.by_plain.get(name).map(|a| Found { asset: a.clone(), immutable: false })
    }

    /// The site's own files under their hashed names (for a static export of the public
    /// pages, which never load the app).
    pub fn all(&self) -> impl Iterator<Item = &Arc<Asset>> {
        self.by_plain.values()
    }
}

/// The files of `dir` by name, in order, without the compressed copies (read with them); one
/// that cannot be read is left out, with a warning.
fn read_folder(dir: &Path) -> Vec<(String, Asset)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    let mut names: Vec<String> = entries.filter_map(|e| e.ok()).filter(|e| e.path().is_file()).filter_map(|e| e.file_name().into_string().ok()).collect();
    names.retain(|n| !n.ends_with(".gz") && !n.ends_with(".br"));
    names.sort();
    let read_one = |name: String| match read(dir, &name) {
        Ok(asset) => Some((name, asset)),
        Err(e) => {
            tracing::warn!(file = %dir.join(&name).display(), error = %e, "cannot read a site file");
            None
        }
    };
    names.into_iter().filter_map(read_one).collect()
}

fn read(dir: &Path, name: &str) -> std::io::Result<Asset> {
    let path = dir.join(name);
    let identity = Bytes::from(std::fs::read(&path)?);
    let digest = Sha256::digest(&identity);
    let hash: String = digest.iter().take(10).map(|b| format!("{b:02x}")).collect();
    let hashed = match name.split_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    };
    let modified = std::fs::metadata(&path)?.modified().ok();
    // a precompressed copy counts only when it is at least as new as the file
    let copy = |ext: &str| -> Option<Bytes> {
        let p = dir.join(format!("{name}.{ext}"));
        let m = std::fs::metadata(&p).ok()?;
        if let (Some(file), Ok(copy)) = (modified, m.modified()) {
            if copy < file {
                return None;
            }
        }
        std::fs::read(&p).ok().map(Bytes::from)
    };
    let gzip = match copy("gz") {
        Some(g) => g,
        None => gzip(&identity)?,
    };
    let brotli = copy("br").unwrap_or_default();
    Ok(Asset { hashed, content_type: content_type(name), etag: format!("\"{hash}\""), identity, gzip, brotli })
}

fn gzip(bytes: &[u8]) -> std::io::Result<Bytes> {
    let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::best());
    gz.write_all(bytes)?;
    Ok(Bytes::from(gz.finish()?))
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &[u8])]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("klaxon-assets-{}-{}", std::process::id(), rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        dir
    }

    #[test]
    fn names_carry_the_content_hash_and_plain_names_still_resolve() {
        let dir = folder(&[("klaxon.js", b"export default 1;"), ("klaxon.wasm", b"\0asm")]);
        let assets = Assets::load(&dir);
        let url = assets.url(APP_JS);
        assert!(url.starts_with("/pkg/klaxon.") && url.ends_with(".js") && url.len() == "/pkg/klaxon..js".len() + 20, "{url}");
        let hashed = url.trim_start_matches("/pkg/");
        assert!(assets.find(hashed).unwrap().immutable);
        let plain = assets.find("klaxon.js").unwrap();
        assert!(!plain.immutable);
        assert_eq!(plain.asset.hashed, hashed);
        assert_eq!(plain.asset.content_type, "text/javascript; charset=utf-8");
        // a file that is not there keeps its plain address
        assert_eq!(assets.url("nothing.js"), "/pkg/nothing.js");
        assert!(assets.find("klaxon.0000000000.js").is_none());
    }

    #[test]
    fn the_app_is_served_as_a_set_from_its_build_folder_and_earlier_builds_stay() {
        let dir = folder(&[("klaxon.css", b"body{}")]);
        for (build, wasm) in [("b1", &b"\0asm-old"[..]), ("b2", b"\0asm-new")] {
            let d = dir.join(APP_DIR).join(build);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(APP_JS), b"import './__wasm_split.js';").unwrap();
            std::fs::write(d.join(APP_WASM), wasm).unwrap();
            std::fs::write(d.join("split_a.wasm"), build).unwrap();
            let loader = "export const __wasm_split_load_a_7 = wrapAsyncCb(makeLoad(() => {\n    const src = fetch(new URL(\"./split_a_7.wasm\", import.meta.url));\n}\n, [__chunk_3]));\n";
            std::fs::write(d.join(CHUNK_LOADER), loader).unwrap();
        }
        // no build named yet: pages name the plain files (and hydrate from nothing)
        assert_eq!(Assets::load(&dir).url(APP_WASM), "/pkg/klaxon.wasm");
        std::fs::write(dir.join(APP_DIR).join(CURRENT), "b2\n").unwrap();
        let assets = Assets::load(&dir);
        assert_eq!(assets.app_build(), Some("b2"));
        assert_eq!(assets.url(APP_JS), "/pkg/app/b2/klaxon.js");
        assert_eq!(assets.url(APP_WASM), "/pkg/app/b2/klaxon.wasm");
        assert!(assets.url(STYLE).starts_with("/pkg/klaxon."), "the site's own files keep their hashed names");
        // a lazily loaded part's files, from the current build's loader, for preloads
        assert_eq!(assets.part_files("a"), ["/pkg/app/b2/split_a_7.wasm", "/pkg/app/b2/chunk_3.wasm"]);
        assert!(assets.part_files("b").is_empty());
        // every file of every build, by its folder, for good
        let chunk = assets.find("app/b1/split_a.wasm").unwrap();
        assert!(chunk.immutable);
        assert_eq!(&chunk.asset.identity[..], b"b1");
        assert_eq!(&assets.find("app/b2/klaxon.wasm").unwrap().asset.identity[..], b"\0asm-new");
        assert!(assets.find("app/b3/klaxon.wasm").is_none());
        assert!(assets.find("app/b2/../b1/klaxon.wasm").is_none());
        // a static export of the public pages carries only the site's own files
        assert_eq!(assets.all().count(), 1);
        // a current build that is not there is none
        std::fs::write(dir.join(APP_DIR).join(CURRENT), "b9").unwrap();
        assert_eq!(Assets::load(&dir).app_build(), None);
    }

    #[test]
    fn other_content_is_another_name() {
        let a = Assets::load(&folder(&[("klaxon.css", b"body{color:red}")]));
        let b = Assets::load(&folder(&[("klaxon.css", b"body{color:blue}")]));
        let again = Assets::load(&folder(&[("klaxon.css", b"body{color:red}")]));
        assert_ne!(a.url(STYLE), b.url(STYLE));
        assert_eq!(a.url(STYLE), again.url(STYLE));
    }

    #[test]
    fn precompressed_copies_are_used_and_gzip_is_made_when_missing() {
        let dir = folder(&[("klaxon.css", b"body{color:red}"), ("klaxon.css.br", b"BROTLI")]);
        let assets = Assets::load(&dir);
        let css = assets.find("klaxon.css").unwrap().asset;
        assert_eq!(&css.brotli[..], b"BROTLI");
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&css.gzip[..]), &mut out).unwrap();
        assert_eq!(out, "body{color:red}");
        // the copies themselves are not served as files of their own
        assert!(assets.find("klaxon.css.br").is_none());
    }

    #[test]
    fn a_copy_older_than_its_file_is_not_used() {
        let dir = folder(&[("klaxon.css.br", b"OLD")]);
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.join("klaxon.css"), b"body{}").unwrap();
        let assets = Assets::load(&dir);
        assert!(assets.find("klaxon.css").unwrap().asset.brotli.is_empty());
    }
}
