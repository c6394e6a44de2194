//! Which files each lazily loaded part of the app needs, read from the splitter's loader
//! (`__wasm_split.js`): the part's own chunk and the chunks it shares with other parts. The
//! server names them as preloads of a page that uses that part (`app::routes`), so a browser
//! fetches them beside the main module instead of after it.

use std::collections::HashMap;

/// What the splitter's loader exports for each part: `__wasm_split_load_<key>`, where the
/// key is the lazy function's name as the server knows it.
const EXPORT: &str = "export const __wasm_split_load_";

/// The files (without `.wasm`) of each part, by the lazy function's key, in the order the
/// loader fetches them: the part's own chunk, then those it shares. A loader this cannot read
/// gives what it could read (a part it cannot read is left out: no preload, still loaded).
pub fn parse(loader: &str) -> HashMap<String, Vec<String>> {
    let mut parts = HashMap::new();
    let mut rest = loader;
    while let Some(at) = rest.find(EXPORT) {
        rest = &rest[at + EXPORT.len()..];
        let Some(key) = rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().filter(|k| !k.is_empty()) else { continue };
        // this part's definition runs to the next export
        let body = &rest[..rest.find(EXPORT).unwrap_or(rest.len())];
        let Some(own) = quoted_wasm(body) else { continue };
        let mut files = vec![own];
        // the chunks it waits for: `[__chunk_7, __chunk_8]` after its own fetch
        if let Some(list) = body.rfind('[').map(|i| &body[i + 1..]).and_then(|l| l.split(']').next()) {
            files.extend(list.split(',').map(str::trim).filter_map(|d| d.strip_prefix("__")).filter(|d| valid(d)).map(str::to_string));
        }
        parts.insert(key.to_string(), files);
    }
    parts
}

/// The part a loader's key names: the lazy function's name without the number the build
/// appends (`response_1569…` is the part `response`).
pub fn part_name(key: &str) -> &str {
    match key.rsplit_once('_') {
        Some((name, number)) if !name.is_empty() && !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => key,
    }
}

/// The stem of the first `"./<stem>.wasm"` in `text`.
fn quoted_wasm(text: &str) -> Option<String> {
    let start = text.find("\"./")? + 3;
    let stem = text[start..].split(".wasm\"").next()?;
    valid(stem).then(|| stem.to_string())
}

/// A file stem the server may name in a page: letters, digits and underscores only.
fn valid(stem: &str) -> bool {
    !stem.is_empty() && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loader as `wasm-split-cli` 0.2.4 writes it (two parts, two shared chunks).
    const LOADER: &str = r#"import { initSync } from "./klaxon.js";
/* admin_42, oncall_42 */
const __chunk_5 = makeLoad(() => {
    const src = fetch(new URL("./chunk_5.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* admin_42, oncall_42, response_42 */
const __chunk_7 = makeLoad(() => {
    const src = fetch(new URL("./chunk_7.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
export const __wasm_split_load_response_42 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_response_42.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_7]));
export const __wasm_split_load_oncall_42 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_oncall_42.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_5, __chunk_7]));
export const __wasm_split_load_solo_42 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_solo_42.wasm", import.meta.url));
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []));
"#;

    #[test]
    fn each_part_needs_its_chunk_and_the_chunks_it_shares() {
        let parts = parse(LOADER);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts["response_42"], ["split_response_42", "chunk_7"]);
        assert_eq!(parts["oncall_42"], ["split_oncall_42", "chunk_5", "chunk_7"]);
        assert_eq!(parts["solo_42"], ["split_solo_42"]);
    }

    #[test]
    fn a_key_names_its_part() {
        assert_eq!(part_name("response_15690285353113581689"), "response");
        assert_eq!(part_name("oncall_pages_42"), "oncall_pages");
        assert_eq!(part_name("oncall_pages"), "oncall_pages", "no number: the key is the name");
        assert_eq!(part_name("_42"), "_42");
    }

    #[test]
    fn what_cannot_be_read_is_left_out() {
        assert!(parse("").is_empty());
        assert!(parse("export const __wasm_split_load_x = 1;").is_empty(), "no file of its own");
        let odd = parse(r#"export const __wasm_split_load_x = f("./a\"b.wasm", [__chunk_1, __y"z]);"#);
        assert!(odd.is_empty(), "a name that is not a plain stem is never put in a page: {odd:?}");
        let cut = &LOADER[..LOADER.find("split_oncall_42.wasm").unwrap()];
        assert_eq!(parse(cut).len(), 1, "a cut loader gives the parts it holds whole");
    }
}
