//! Pages' data: read on the server while the page renders, written into the page as JSON and
//! read back by the browser when it hydrates ([`blocking`]).
//!
//! Everything the browser decodes from JSON (server functions' answers, these, live events)
//! is read from bytes by one reader, so each type's decoder is compiled into the WASM once,
//! not once per kind of reader: Leptos's default codec reads resources from `&str`, a second
//! reader type, which doubled the decoders of every type a page loads.

use std::future::Future;

use leptos::prelude::Resource;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// JSON, decoded from bytes (as server functions' answers are).
pub struct Json;

impl<T: Serialize> codee::Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> codee::Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, serde_json::Error> {
        decode(val)
    }
}

/// Reads a JSON text as every decoder in the browser does.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_slice(text.as_bytes())
}

/// A page's data: the page is sent once it has loaded (its `<title>` and status code depend
/// on it), then the browser reads it from the page instead of asking again.
#[track_caller]
pub fn blocking<T, S, Fut>(source: impl Fn() -> S + Send + Sync + 'static, fetcher: impl Fn(S) -> Fut + Send + Sync + 'static) -> Resource<T, Json>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use codee::{Decoder, Encoder};

    #[test]
    fn what_is_written_into_the_page_reads_back() {
        let value: Result<Vec<(i64, String)>, String> = Ok(vec![(1, "Checkout \"down\" ✓ 漢字".into())]);
        let text = <Json as Encoder<_>>::encode(&value).unwrap();
        let back: Result<Vec<(i64, String)>, String> = <Json as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(back, value);
        assert!(<Json as Decoder<Vec<i64>>>::decode("[1,").is_err(), "a cut text is an error");
    }
}
