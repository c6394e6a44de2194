//! The postmortem's text as a CRDT document (yrs, the Rust port of Yjs): one text named
//! `body`, positions counted in UTF-16 code units (what a browser's selection uses). The
//! server keeps the document as a stored state plus the updates made since; these are the
//! pure operations on those bytes.

use yrs::updates::decoder::Decode;
use yrs::{ClientID, Doc, GetString, OffsetKind, Options, ReadTxn, StateVector, Text, Transact, Update};

/// The name of the document's one text.
pub const BODY: &str = "body";

/// The client id the server writes a new document's first text as (browsers take random
/// ids from 2 up).
pub const SERVER_CLIENT: u64 = 1;

/// Why stored or sent bytes are not a document update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadUpdate(pub String);

fn doc(client: u64) -> Doc {
    Doc::with_options(Options { client_id: ClientID::new(client), offset_kind: OffsetKind::Utf16, ..Options::default() })
}

/// The state of a new document holding `text`.
pub fn new_state(text: &str) -> Vec<u8> {
    let d = doc(SERVER_CLIENT);
    let body = d.get_or_insert_text(BODY);
    {
        let mut txn = d.transact_mut();
        body.insert(&mut txn, 0, text);
    }
    let txn = d.transact();
    txn.encode_state_as_update_v1(&StateVector::default())
}

/// A document made of `state` and then `updates`, in order.
pub fn load<'a>(state: &'a [u8], updates: impl IntoIterator<Item = &'a [u8]>) -> Result<Doc, BadUpdate> {
    let d = doc(SERVER_CLIENT);
    d.get_or_insert_text(BODY);
    {
        let mut txn = d.transact_mut();
        for bytes in std::iter::once(state).chain(updates) {
            let u = Update::decode_v1(bytes).map_err(|e| BadUpdate(format!("not a document update: {e}")))?;
            txn.apply_update(u).map_err(|e| BadUpdate(format!("the update does not apply: {e}")))?;
        }
    }
    Ok(d)
}

/// The document's whole state, as one update.
pub fn state(d: &Doc) -> Vec<u8> {
    d.transact().encode_state_as_update_v1(&StateVector::default())
}

/// The document's text.
pub fn text(d: &Doc) -> String {
    let body = d.get_or_insert_text(BODY);
    let txn = d.transact();
    body.get_string(&txn)
}

/// The one replacement that turns `old` into `new`: where it starts, how much of `old` it
/// removes and what it inserts, in UTF-16 code units (the common start and end stay).
pub fn diff(old: &str, new: &str) -> (u32, u32, String) {
    let prefix: usize = old.chars().zip(new.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a.len_utf8()).sum();
    let (old_rest, new_rest) = (&old[prefix..], &new[prefix..]);
    let suffix: usize = old_rest.chars().rev().zip(new_rest.chars().rev()).take_while(|(a, b)| a == b).map(|(a, _)| a.len_utf8()).sum();
    let removed = &old_rest[..old_rest.len() - suffix];
    let inserted = &new_rest[..new_rest.len() - suffix];
    (utf16_len(&old[..prefix]), utf16_len(removed), inserted.to_string())
}

fn utf16_len(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}

/// The byte index in `s` of UTF-16 position `at` (a position inside a character, or past the
/// end, gives the next character boundary).
pub fn byte_index(s: &str, at: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in s.char_indices() {
        if units >= at {
            return i;
        }
        units += c.len_utf16() as u32;
    }
    s.len()
}

/// The update that turns `base` into a document whose text is `text`, written by `client`
/// (an id no one else writes as). Applied to a document that has moved on since `base`, it
/// merges: the others' edits stay.
pub fn update_to(base: &Doc, text: &str, client: u64) -> Vec<u8> {
    let mine = doc(client);
    let body = mine.get_or_insert_text(BODY);
    {
        let state = base.transact().encode_state_as_update_v1(&StateVector::default());
        let mut txn = mine.transact_mut();
        // a state this module encoded itself
        if let Ok(u) = Update::decode_v1(&state) {
            let _ = txn.apply_update(u);
        }
    }
    let before = mine.transact().state_vector();
    let old = body.get_string(&mine.transact());
    let (at, removed, inserted) = diff(&old, text);
    {
        let mut txn = mine.transact_mut();
        if removed > 0 {
            body.remove_range(&mut txn, at, removed);
        }
        if !inserted.is_empty() {
            body.insert(&mut txn, at, &inserted);
        }
    }
    let txn = mine.transact();
    txn.encode_diff_v1(&before)
}

/// Why an update sent by a browser was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a document update at all.
    Malformed(String),
    /// It writes as another client than the one that sent it.
    ForeignClient(u64),
    /// It builds on edits this document does not have yet: the sender should resync.
    NotReady,
}

/// Checks an update that `client` sent and applies it to `d`: it must decode, insert only as
/// `client`, and build only on what `d` has. True when it changed the document (false: a
/// resend, nothing new). On a refusal `d` may hold part of it: load it again.
pub fn integrate(d: &Doc, client: u64, bytes: &[u8]) -> Result<bool, Refusal> {
    // the engine trusts an update's text to be UTF-8: checked first
    super::wire::check_update(bytes).map_err(Refusal::Malformed)?;
    let update = Update::decode_v1(bytes).map_err(|e| Refusal::Malformed(e.to_string()))?;
    if let Some(other) = update.insertions(true).client_ids().map(|c| c.get()).find(|c| *c != client) {
        return Err(Refusal::ForeignClient(other));
    }
    let before = d.transact().state_vector();
    if update.state_vector_lower().iter().any(|(c, clock)| before.get(c) < *clock) {
        return Err(Refusal::NotReady);
    }
    let mut txn = d.transact_mut_with("remote");
    txn.apply_update(update).map_err(|e| Refusal::Malformed(e.to_string()))?;
    if txn.has_missing_updates() {
        return Err(Refusal::NotReady);
    }
    // what this transaction inserted or deleted (not the whole text compared: keystrokes on a
    // long document stay cheap)
    Ok(!txn.insert_set().is_empty() || !txn.delete_set().is_empty())
}

/// [`integrate`], then a check that the document still stores as itself: an update whose
/// positions contradict each other (origins no editor could have seen together) can merge
/// into a text that its own stored state would not load back as. Refused, it is not stored.
pub fn integrate_checked(d: &Doc, client: u64, bytes: &[u8]) -> Result<bool, Refusal> {
    let changed = integrate(d, client, bytes)?;
    if changed && text_of(&state(d), []).ok().as_deref() != Some(text(d).as_str()) {
        return Err(Refusal::Malformed("its positions contradict each other".into()));
    }
    Ok(changed)
}

/// What `d` has that a replica at `state_vector` (v1-encoded) lacks, as one update.
pub fn missing(d: &Doc, state_vector: &[u8]) -> Result<Vec<u8>, Refusal> {
    let sv = StateVector::decode_v1(state_vector).map_err(|e| Refusal::Malformed(e.to_string()))?;
    Ok(d.transact().encode_diff_v1(&sv))
}

/// The text of `state` and then `updates`.
pub fn text_of<'a>(state: &'a [u8], updates: impl IntoIterator<Item = &'a [u8]>) -> Result<String, BadUpdate> {
    load(state, updates).map(|d| text(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_document_holds_its_text_in_any_script() {
        let t = "# Postmortem: 決済 down 🔥\n\n| a | b |\n";
        assert_eq!(text_of(&new_state(t), []).unwrap(), t);
    }

    #[test]
    fn updates_apply_on_top_of_the_state() {
        let state = new_state("Hello");
        let d = load(&state, []).unwrap();
        let mut updates = vec![];
        let body = d.get_or_insert_text(BODY);
        let before = d.transact().state_vector();
        {
            let mut txn = d.transact_mut();
            // UTF-16 positions: after "Hello"
            body.insert(&mut txn, 5, " 🌍 world");
        }
        updates.push(d.transact().encode_diff_v1(&before));
        assert_eq!(text_of(&state, updates.iter().map(|u| u.as_slice())).unwrap(), "Hello 🌍 world");
    }

    #[test]
    fn diff_counts_utf16_and_keeps_common_ends() {
        assert_eq!(diff("abc", "abc"), (3, 0, String::new()));
        assert_eq!(diff("abXc", "abYc"), (2, 1, "Y".into()));
        assert_eq!(diff("🔥 ok", "🔥 not ok"), (3, 0, "not ".into()));
        assert_eq!(diff("aaa", "aa"), (2, 1, String::new()));
        assert_eq!(diff("", "決済"), (0, 0, "決済".into()));
    }

    #[test]
    fn utf16_positions_map_to_byte_indexes() {
        let s = "a🔥決b";
        assert_eq!([0, 1, 2, 3, 4, 5, 9].map(|at| byte_index(s, at)), [0, 1, 5, 5, 8, 9, 9]);
    }

    #[test]
    fn two_saves_from_the_same_text_merge() {
        let base_state = new_state("Root cause: unknown.\nLessons: none.\n");
        let base = load(&base_state, []).unwrap();
        let a = update_to(&base, "Root cause: a config push.\nLessons: none.\n", 2);
        let b = update_to(&base, "Root cause: unknown.\nLessons: canary first.\n", 3);
        let merged = text_of(&base_state, [a.as_slice(), b.as_slice()]).unwrap();
        assert_eq!(merged, "Root cause: a config push.\nLessons: canary first.\n");
        assert_eq!(text_of(&base_state, [b.as_slice(), a.as_slice()]).unwrap(), merged, "in either order");
    }

    proptest::proptest! {
        #[test]
        fn a_save_gives_exactly_the_text_saved(old in "[a-c🔥é\n ]{0,12}", new in "[a-c🔥é\n ]{0,12}") {
            let state = new_state(&old);
            let base = load(&state, []).unwrap();
            let u = update_to(&base, &new, 7);
            proptest::prop_assert_eq!(text_of(&state, [u.as_slice()]).unwrap(), new);
        }

        #[test]
        fn concurrent_saves_converge_whatever_the_order(
            old in "[a-d ]{0,10}", x in "[a-d ]{0,10}", y in "[a-d ]{0,10}", z in "[a-d ]{0,10}",
        ) {
            let state = new_state(&old);
            let base = load(&state, []).unwrap();
            let ux = update_to(&base, &x, 11);
            let uy = update_to(&base, &y, 12);
            // z is written after x arrived
            let after_x = load(&state, [ux.as_slice()]).unwrap();
            let uz = update_to(&after_x, &z, 13);
            let one = text_of(&state, [ux.as_slice(), uy.as_slice(), uz.as_slice()]).unwrap();
            let two = text_of(&state, [uy.as_slice(), ux.as_slice(), uz.as_slice()]).unwrap();
            proptest::prop_assert_eq!(one, two);
        }
    }

    /// A browser's replica: the server's document, then its own edits as `client`.
    fn replica(state: &[u8], client: u64) -> Doc {
        let d = doc(client);
        d.get_or_insert_text(BODY);
        d.transact_mut().apply_update(Update::decode_v1(state).unwrap()).unwrap();
        d
    }

    fn type_at(d: &Doc, at: u32, s: &str) -> Vec<u8> {
        let before = d.transact().state_vector();
        let body = d.get_or_insert_text(BODY);
        body.insert(&mut d.transact_mut(), at, s);
        d.transact().encode_diff_v1(&before)
    }

    #[test]
    fn a_browsers_updates_are_checked_then_merged() {
        let state = new_state("Summary: ");
        let server = load(&state, []).unwrap();
        let ben = replica(&state, 20);
        let first = type_at(&ben, 9, "the gateway");
        let second = type_at(&ben, 20, " timed out");
        // out of order: refused until the first arrives
        assert_eq!(integrate(&server, 20, &second), Err(Refusal::NotReady));
        let server = load(&state, []).unwrap();
        assert_eq!(integrate(&server, 20, &first), Ok(true));
        assert_eq!(integrate(&server, 20, &second), Ok(true));
        assert_eq!(integrate(&server, 20, &second), Ok(false), "a resend changes nothing");
        assert_eq!(text(&server), "Summary: the gateway timed out");
        // sent as someone else
        let cleo = replica(&state, 30);
        let hers = type_at(&cleo, 0, "# ");
        assert_eq!(integrate(&server, 20, &hers), Err(Refusal::ForeignClient(30)));
        assert!(matches!(integrate(&server, 30, b"\x00\xff\xff\xff\xff"), Err(Refusal::Malformed(_))));
        // her replica catches up from its state vector, and converges
        let sv = yrs::updates::encoder::Encode::encode_v1(&cleo.transact().state_vector());
        let catch_up = missing(&server, &sv).unwrap();
        cleo.transact_mut().apply_update(Update::decode_v1(&catch_up).unwrap()).unwrap();
        assert_eq!(text(&cleo), "# Summary: the gateway timed out");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// A browser's update with bytes changed, added or cut: refused (or a panic, which the
        /// server catches), or applied, and then the document still stores and loads as itself.
        #[test]
        fn mutated_updates_never_corrupt_the_document(edits in proptest::collection::vec((0usize..400, proptest::prelude::any::<u8>(), 0u8..3), 1..6)) {
            let state = new_state("Summary: the gateway 🔥 timed out.\n");
            let ben = replica(&state, 20);
            let mut bad = type_at(&ben, 9, "決済 ");
            for (at, byte, how) in edits {
                let at = at % (bad.len() + 1);
                match how {
                    0 if at < bad.len() => bad[at] = byte,
                    1 => bad.insert(at, byte),
                    _ => bad.truncate(at),
                }
            }
            let server = load(&state, []).unwrap();
            let taken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| integrate_checked(&server, 20, &bad)));
            if let Ok(Ok(_)) = taken {
                // taken: the log (stored state, then the update) and a fold of it read the same
                proptest::prop_assert_eq!(text_of(&state, [bad.as_slice()]).unwrap(), text(&server));
                proptest::prop_assert_eq!(text_of(&super::state(&server), []).unwrap(), text(&server));
            }
        }
    }

    #[test]
    fn garbage_is_refused_not_a_panic() {
        assert!(text_of(b"\xff\xff\xff", []).is_err());
        assert!(text_of(&new_state("x"), [&b"\x01\x02"[..]]).is_err());
    }
}
