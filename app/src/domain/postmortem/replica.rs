//! A browser's replica of a postmortem's text: the yrs document it edits, what the person
//! typed turned into document updates, others' updates merged in with the caret kept where
//! it was, undo and redo of one's own edits only, and the updates not yet taken by the server
//! (kept on the device until they are). Pure: the page binds it to a textarea.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use yrs::sync::Clock;
use yrs::undo::{Options as UndoOptions, UndoManager};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Assoc, ClientID, Doc, GetString, IndexedSequence, OffsetKind, Options, ReadTxn, StateVector, Text, TextRef, Transact, Update};

use super::doc::{diff, BadUpdate, BODY};

/// Where a textarea's selection is: its start and end, in UTF-16 code units.
pub type Selection = (u32, u32);

/// Edits typed within this many milliseconds of each other undo together.
pub const UNDO_GROUP_MS: u64 = 500;

/// What origin remote updates are applied with (not one the undo manager tracks).
const REMOTE: &str = "remote";

pub struct Replica {
    doc: Doc,
    body: TextRef,
    undo: UndoManager<()>,
}

impl Replica {
    /// An empty replica writing as `client` (a random id from 2 up, this page's own);
    /// `clock` gives milliseconds, to group typing into undo steps.
    pub fn new(client: u64, clock: Arc<dyn Clock>) -> Self {
        let doc = Doc::with_options(Options { client_id: ClientID::new(client), offset_kind: OffsetKind::Utf16, ..Options::default() });
        let body = doc.get_or_insert_text(BODY);
        let mut undo = UndoManager::with_options(UndoOptions {
            capture_timeout_millis: UNDO_GROUP_MS,
            tracked_origins: Default::default(),
            capture_transaction: None,
            timestamp: clock,
            init_undo_stack: vec![],
            init_redo_stack: vec![],
        });
        undo.expand_scope(&doc, &body);
        Replica { doc, body, undo }
    }

    pub fn client(&self) -> u64 {
        self.doc.client_id().get()
    }

    pub fn text(&self) -> String {
        self.body.get_string(&self.doc.transact())
    }

    /// The replica's state vector (v1), to ask the server for what it lacks.
    pub fn state_vector(&self) -> Vec<u8> {
        self.doc.transact().state_vector().encode_v1()
    }

    /// Whether updates arrived before what they build on (the replica should catch up).
    pub fn waiting(&self) -> bool {
        self.doc.transact().has_missing_updates()
    }

    /// Makes the text `new` (what the textarea holds after the person typed); the update to
    /// send, or none if nothing changed.
    pub fn edit_to(&self, new: &str) -> Option<Vec<u8>> {
        let (at, removed, inserted) = diff(&self.text(), new);
        self.splice(at, removed, &inserted)
    }

    /// Removes `removed` UTF-16 units at `at` and inserts `inserted` there; the update to send
    /// (only what this edit did), or none if nothing changed.
    pub fn splice(&self, at: u32, removed: u32, inserted: &str) -> Option<Vec<u8>> {
        if removed == 0 && inserted.is_empty() {
            return None;
        }
        let mut txn = self.doc.transact_mut();
        if removed > 0 {
            self.body.remove_range(&mut txn, at, removed);
        }
        if !inserted.is_empty() {
            self.body.insert(&mut txn, at, inserted);
        }
        // this transaction's own insertions and deletions (a diff from the state vector would
        // carry every deletion the document ever had)
        Some(txn.encode_update_v1())
    }

    /// Merges an update from elsewhere (the server, another person): applied in any order, a
    /// replica waits for what an update builds on. `selection` is the caret before; the caret
    /// where the same text now is.
    pub fn merge(&self, bytes: &[u8], selection: Selection) -> Result<Selection, BadUpdate> {
        let update = Update::decode_v1(bytes).map_err(|e| BadUpdate(format!("not a document update: {e}")))?;
        let (start, end) = {
            let txn = self.doc.transact();
            (self.body.sticky_index(&txn, selection.0, Assoc::Before), self.body.sticky_index(&txn, selection.1, Assoc::Before))
        };
        {
            let mut txn = self.doc.transact_mut_with(REMOTE);
            txn.apply_update(update).map_err(|e| BadUpdate(format!("the update does not apply: {e}")))?;
        }
        let txn = self.doc.transact();
        let len = self.body.len(&txn);
        let at = |s: Option<yrs::StickyIndex>, fallback: u32| s.and_then(|s| s.get_offset(&txn)).map(|o| o.index).unwrap_or(fallback.min(len));
        let start = at(start, selection.0);
        Ok((start, at(end, selection.1).max(start)))
    }

    /// Where a caret at `at` is, as a position that follows the text (sticky, v1 bytes): what
    /// others are told, to show it in their copy.
    pub fn anchor(&self, at: u32) -> Option<Vec<u8>> {
        let txn = self.doc.transact();
        let len = self.body.len(&txn);
        // with the character after it; at the end, with the one before
        let assoc = if at < len { Assoc::After } else { Assoc::Before };
        self.body.sticky_index(&txn, at.min(len), assoc).map(|s| s.encode_v1())
    }

    /// Where another replica's `anchor` is in this one's text now; none if it is not an
    /// anchor in this text, or names text this replica does not have yet.
    pub fn place(&self, anchor: &[u8]) -> Option<u32> {
        let sticky = yrs::StickyIndex::decode_v1(anchor).ok()?;
        let txn = self.doc.transact();
        let at = sticky.get_offset(&txn)?;
        let body = yrs::branch::BranchPtr::from(AsRef::<yrs::branch::Branch>::as_ref(&self.body));
        (at.branch == body).then(|| at.index.min(self.body.len(&txn)))
    }

    /// Undoes this replica's last group of edits (never others'): the update to send and where
    /// the caret goes, or none if there is nothing to undo.
    pub fn undo(&mut self) -> Option<(Vec<u8>, u32)> {
        self.step(true)
    }

    pub fn redo(&mut self) -> Option<(Vec<u8>, u32)> {
        self.step(false)
    }

    fn step(&mut self, undo: bool) -> Option<(Vec<u8>, u32)> {
        let before_text = self.text();
        let before = self.doc.transact().state_vector();
        let changed = if undo { self.undo.undo_blocking() } else { self.undo.redo_blocking() };
        if !changed {
            return None;
        }
        let after = self.text();
        // the caret goes where the text changed
        let (at, _, inserted) = diff(&before_text, &after);
        let caret = at + inserted.encode_utf16().count() as u32;
        Some((self.doc.transact().encode_diff_v1(&before), caret))
    }

    /// Ends the current undo group (the next edit undoes on its own).
    pub fn end_undo_group(&mut self) {
        self.undo.reset();
    }
}

/// The updates a replica made that the server has not taken yet, oldest first. They are kept
/// on the device (as one merged update) until the server has them, so that a browser that is
/// offline, or closed, loses nothing.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outbox {
    pending: Vec<Vec<u8>>,
}

impl Outbox {
    pub fn push(&mut self, update: Vec<u8>) {
        self.pending.push(update);
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Everything pending as one update (what to send), with how many it holds (what to drop
    /// once the server has it).
    pub fn batch(&self) -> Option<(usize, Vec<u8>)> {
        match self.pending.len() {
            0 => None,
            1 => Some((1, self.pending[0].clone())),
            n => Some((n, yrs::merge_updates_v1(&self.pending).ok()?)),
        }
    }

    /// The server has the first `n`.
    pub fn sent(&mut self, n: usize) {
        self.pending.drain(..n.min(self.pending.len()));
    }

    /// As kept on the device: the pending updates merged into one, base64.
    pub fn stored(&self) -> Option<String> {
        self.batch().map(|(_, u)| BASE64.encode(u))
    }

    /// An outbox as [`Outbox::stored`] kept it; none if the device's copy is not one.
    pub fn from_stored(s: &str) -> Option<Outbox> {
        let bytes = BASE64.decode(s.trim()).ok()?;
        super::wire::check_update(&bytes).ok()?;
        Update::decode_v1(&bytes).ok()?;
        Some(Outbox { pending: vec![bytes] })
    }
}

/// A state vector (v1) that says "nothing": what a new replica asks the server from.
pub fn empty_state_vector() -> Vec<u8> {
    StateVector::default().encode_v1()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::super::doc::{self, Refusal};
    use super::*;

    fn clock() -> (Arc<AtomicU64>, Arc<dyn Clock>) {
        let now = Arc::new(AtomicU64::new(1_000));
        let n = now.clone();
        (now, Arc::new(move || n.load(Ordering::SeqCst)))
    }

    /// A replica that has the server's document.
    fn joined(server: &Doc, client: u64) -> Replica {
        let r = Replica::new(client, clock().1);
        let all = doc::missing(server, &empty_state_vector()).unwrap();
        r.merge(&all, (0, 0)).unwrap();
        r
    }

    fn insert(r: &Replica, at: usize, s: &str) -> Vec<u8> {
        let mut t: Vec<char> = r.text().chars().collect();
        let at = at.min(t.len());
        t.splice(at..at, s.chars());
        r.edit_to(&t.iter().collect::<String>()).unwrap()
    }

    fn utf16(s: &str) -> u32 {
        s.encode_utf16().count() as u32
    }

    #[test]
    fn typing_becomes_updates_the_server_takes() {
        let server = doc::load(&doc::new_state("## Summary\n"), []).unwrap();
        let ben = joined(&server, 40);
        let u = ben.edit_to("## Summary\nThe gateway 🔥 timed out.\n").unwrap();
        assert_eq!(ben.edit_to("## Summary\nThe gateway 🔥 timed out.\n"), None, "no change, no update");
        assert_eq!(doc::integrate(&server, 40, &u), Ok(true));
        assert_eq!(doc::text(&server), "## Summary\nThe gateway 🔥 timed out.\n");
    }

    #[test]
    fn the_caret_stays_on_its_text_when_others_write_before_it() {
        let server = doc::load(&doc::new_state("abc 決済 def"), []).unwrap();
        let ben = joined(&server, 41);
        let cleo = joined(&server, 42);
        // Ben's caret is just before "def"
        let caret = utf16("abc 決済 ");
        let hers = insert(&cleo, 0, "🔥🔥 ");
        let (s, e) = ben.merge(&hers, (caret, caret)).unwrap();
        assert_eq!(ben.text(), "🔥🔥 abc 決済 def");
        assert_eq!((s, e), (caret + utf16("🔥🔥 "), caret + utf16("🔥🔥 ")));
        // a selection around "決済" keeps around it when text is removed before it
        let sel = (utf16("🔥🔥 abc "), utf16("🔥🔥 abc 決済"));
        let cut = cleo.edit_to("abc 決済 def").unwrap();
        assert_eq!(ben.merge(&cut, sel).unwrap(), (utf16("abc "), utf16("abc 決済")));
        // after the caret: it stays put
        let tail = insert(&cleo, 100, "!");
        assert_eq!(ben.merge(&tail, (2, 2)).unwrap(), (2, 2));
    }

    #[test]
    fn undo_takes_back_only_ones_own_edits() {
        let server = doc::load(&doc::new_state("Root cause: "), []).unwrap();
        let (now, c) = clock();
        let mut ben = Replica::new(43, c);
        ben.merge(&doc::missing(&server, &empty_state_vector()).unwrap(), (0, 0)).unwrap();
        let cleo = joined(&server, 44);
        let mine = ben.edit_to("Root cause: a config push.").unwrap();
        now.fetch_add(UNDO_GROUP_MS + 1, Ordering::SeqCst);
        let hers = insert(&cleo, 0, "# ");
        ben.merge(&hers, (0, 0)).unwrap();
        let (undo, caret) = ben.undo().unwrap();
        assert_eq!(ben.text(), "# Root cause: ");
        assert_eq!(caret, utf16("# Root cause: "));
        // the undo is an update like any other: the server and Cleo converge on it
        for u in [&mine, &undo] {
            doc::integrate(&server, 43, u).unwrap();
        }
        doc::integrate(&server, 44, &hers).unwrap();
        assert_eq!(doc::text(&server), "# Root cause: ");
        let (redo, _) = ben.redo().unwrap();
        assert_eq!(ben.text(), "# Root cause: a config push.");
        doc::integrate(&server, 43, &redo).unwrap();
        assert_eq!(doc::text(&server), "# Root cause: a config push.");
        assert!(ben.redo().is_none(), "nothing more to redo");
    }

    #[test]
    fn a_caret_shown_to_others_follows_the_text() {
        let server = doc::load(&doc::new_state("Root cause: 決済 pool"), []).unwrap();
        let ben = joined(&server, 47);
        let cleo = joined(&server, 48);
        // Ben's caret before "pool"
        let anchor = ben.anchor(utf16("Root cause: 決済 ")).unwrap();
        assert_eq!(cleo.place(&anchor), Some(utf16("Root cause: 決済 ")));
        // Cleo writes before it: in her copy, his caret moves with the text
        cleo.edit_to("# Root cause: 決済 pool").unwrap();
        assert_eq!(cleo.place(&anchor), Some(utf16("# Root cause: 決済 ")));
        // at the very end, and junk
        let end = ben.anchor(1_000).unwrap();
        assert_eq!(cleo.place(&end), Some(utf16("# Root cause: 決済 pool")));
        assert_eq!(cleo.place(b"\xff\x01"), None);
        assert_eq!(cleo.place(&[]), None);
        // text Cleo does not have yet
        ben.edit_to("Root cause: 決済 pool exhausted").unwrap();
        let ahead = ben.anchor(utf16("Root cause: 決済 pool ex")).unwrap();
        assert_eq!(cleo.place(&ahead), None);
    }

    #[test]
    fn typing_close_together_undoes_as_one_step() {
        let (now, c) = clock();
        let mut r = Replica::new(45, c);
        r.edit_to("a").unwrap();
        now.fetch_add(100, Ordering::SeqCst);
        r.edit_to("ab").unwrap();
        now.fetch_add(UNDO_GROUP_MS + 1, Ordering::SeqCst);
        r.edit_to("ab c").unwrap();
        r.undo().unwrap();
        assert_eq!(r.text(), "ab");
        r.undo().unwrap();
        assert_eq!(r.text(), "");
        assert!(r.undo().is_none());
    }

    #[test]
    fn the_outbox_sends_what_is_pending_as_one_update_and_survives_the_device() {
        let server = doc::load(&doc::new_state(""), []).unwrap();
        let r = joined(&server, 46);
        let mut out = Outbox::default();
        for s in ["a", "ab", "abc"] {
            out.push(r.edit_to(s).unwrap());
        }
        let kept = Outbox::from_stored(&out.stored().unwrap()).unwrap();
        let (n, batch) = out.batch().unwrap();
        assert_eq!(n, 3);
        out.sent(2);
        assert_eq!(out.len(), 1);
        let (_, restored) = kept.batch().unwrap();
        assert_eq!(doc::integrate(&server, 46, &restored), Ok(true));
        assert_eq!(doc::integrate(&server, 46, &batch), Ok(false), "the same edits again change nothing");
        assert_eq!(doc::text(&server), "abc");
        assert_eq!(Outbox::from_stored("not base64!"), None);
        assert_eq!(Outbox::from_stored("/////w=="), None, "base64, but not an update");
    }

    /// One step of a random editing session.
    #[derive(Debug, Clone)]
    enum Step {
        /// Replica `r` types `s` at `at` (a char position, clamped).
        Type {
            r: usize,
            at: usize,
            s: String,
        },
        /// Replica `r` deletes `n` chars from `at`.
        Delete {
            r: usize,
            at: usize,
            n: usize,
        },
        Undo {
            r: usize,
        },
        /// Replica `r` goes offline (its edits wait in its outbox) or comes back.
        Toggle {
            r: usize,
        },
        /// Replica `r` sends its outbox (if online) and catches up from its state vector.
        Sync {
            r: usize,
        },
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            4 => (0..3usize, 0..40usize, "[a-c🔥決 ]{1,4}").prop_map(|(r, at, s)| Step::Type { r, at, s }),
            2 => (0..3usize, 0..40usize, 1..4usize).prop_map(|(r, at, n)| Step::Delete { r, at, n }),
            1 => (0..3usize).prop_map(|r| Step::Undo { r }),
            1 => (0..3usize).prop_map(|r| Step::Toggle { r }),
            3 => (0..3usize).prop_map(|r| Step::Sync { r }),
        ]
    }

    struct Peer {
        replica: Replica,
        outbox: Outbox,
        online: bool,
    }

    impl Peer {
        fn sync(&mut self, server: &Doc) {
            if !self.online {
                return;
            }
            if let Some((n, batch)) = self.outbox.batch() {
                match doc::integrate(server, self.replica.client(), &batch) {
                    Ok(_) => self.outbox.sent(n),
                    Err(Refusal::NotReady) => {}
                    Err(e) => panic!("refused: {e:?}"),
                }
            }
            let missing = doc::missing(server, &self.replica.state_vector()).unwrap();
            self.replica.merge(&missing, (0, 0)).unwrap();
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn replicas_editing_at_once_and_offline_converge(start in "[a-c ]{0,12}", steps in proptest::collection::vec(step(), 1..60)) {
            let server = doc::load(&doc::new_state(&start), []).unwrap();
            let mut peers: Vec<Peer> = (0..3).map(|i| Peer { replica: joined(&server, 100 + i), outbox: Outbox::default(), online: true }).collect();
            for s in steps {
                match s {
                    Step::Type { r, at, s } => {
                        let u = insert(&peers[r].replica, at, &s);
                        peers[r].outbox.push(u);
                    }
                    Step::Delete { r, at, n } => {
                        let t: Vec<char> = peers[r].replica.text().chars().collect();
                        let at = at.min(t.len());
                        let end = (at + n).min(t.len());
                        let kept: String = t[..at].iter().chain(&t[end..]).collect();
                        if let Some(u) = peers[r].replica.edit_to(&kept) {
                            peers[r].outbox.push(u);
                        }
                    }
                    Step::Undo { r } => {
                        peers[r].replica.end_undo_group();
                        if let Some((u, _)) = peers[r].replica.undo() {
                            peers[r].outbox.push(u);
                        }
                    }
                    Step::Toggle { r } => peers[r].online = !peers[r].online,
                    Step::Sync { r } => peers[r].sync(&server),
                }
            }
            for p in &mut peers {
                p.online = true;
                p.sync(&server);
            }
            for p in &mut peers {
                p.sync(&server);
                proptest::prop_assert!(p.outbox.is_empty());
                proptest::prop_assert_eq!(p.replica.text(), doc::text(&server));
            }
        }
    }
}
