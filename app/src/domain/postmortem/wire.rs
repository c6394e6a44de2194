//! A strict check of a document update's bytes (yrs v1 encoding) before the engine decodes
//! them. The engine trusts the text inside an update to be UTF-8 (it does not check, and
//! invalid text is undefined behaviour), so an update from a browser is walked here first:
//! only what a postmortem's one text is made of may appear (text, deleted runs, garbage-
//! collected and skipped ranges, inside the root text named `body`), every string must be
//! UTF-8, every length must fit in what is left, and nothing may follow the delete set.

use super::doc::BODY;

const GC: u8 = 0;
const SKIP: u8 = 10;
const DELETED: u8 = 1;
const STRING: u8 = 4;
const HAS_ORIGIN: u8 = 0b1000_0000;
const HAS_RIGHT_ORIGIN: u8 = 0b0100_0000;
const HAS_PARENT_SUB: u8 = 0b0010_0000;
const CONTENT: u8 = 0b0001_1111;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.at).ok_or("the update ends too soon")?;
        self.at += 1;
        Ok(b)
    }

    /// A variable-length unsigned integer (7 bits per byte, at most 53 bits).
    fn var(&mut self) -> Result<u64, String> {
        let mut n = 0u64;
        for shift in (0..56).step_by(7) {
            let b = self.u8()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return if n < 1 << 53 { Ok(n) } else { Err("a number is too large".into()) };
            }
        }
        Err("a number is too long".into())
    }

    /// A count of things each taking at least one byte: no more than the bytes left.
    fn count(&mut self) -> Result<usize, String> {
        let n = self.var()?;
        let left = (self.bytes.len() - self.at) as u64;
        if n > left {
            return Err("a count is larger than the update".into());
        }
        Ok(n as usize)
    }

    fn string(&mut self) -> Result<&'a str, String> {
        let len = self.count()?;
        let s = &self.bytes[self.at..self.at + len];
        self.at += len;
        std::str::from_utf8(s).map_err(|_| "a text is not UTF-8".to_string())
    }
}

/// Checks that `bytes` is an update of a postmortem's text the engine may decode.
pub fn check_update(bytes: &[u8]) -> Result<(), String> {
    let mut r = Reader { bytes, at: 0 };
    for _ in 0..r.count()? {
        let structs = r.count()?;
        let (_client, _clock) = (r.var()?, r.var()?);
        for _ in 0..structs {
            let info = r.u8()?;
            if info == GC || info == SKIP {
                r.var()?;
                continue;
            }
            if info & HAS_ORIGIN != 0 {
                r.var()?;
                r.var()?;
            }
            if info & HAS_RIGHT_ORIGIN != 0 {
                r.var()?;
                r.var()?;
            }
            if info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN) == 0 {
                if r.var()? == 1 {
                    if r.string()? != BODY {
                        return Err("it writes outside the document's text".into());
                    }
                } else {
                    r.var()?;
                    r.var()?;
                }
                if info & HAS_PARENT_SUB != 0 {
                    return Err("it holds a keyed entry; the document has none".into());
                }
            }
            match info & CONTENT {
                DELETED => {
                    r.var()?;
                }
                STRING => {
                    r.string()?;
                }
                other => return Err(format!("it holds content of kind {other}; the document has text only")),
            }
        }
    }
    // the delete set: per client, ranges of clock and length
    for _ in 0..r.count()? {
        r.var()?;
        for _ in 0..r.count()? {
            r.var()?;
            r.var()?;
        }
    }
    if r.at != bytes.len() {
        return Err("bytes follow the update".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::postmortem::doc::{load, new_state};
    use yrs::{ReadTxn, Text, Transact};

    fn typed(text: &str) -> Vec<u8> {
        let d = load(&new_state("Summary: "), []).unwrap();
        let before = d.transact().state_vector();
        let body = d.get_or_insert_text(BODY);
        body.insert(&mut d.transact_mut(), 9, text);
        body.remove_range(&mut d.transact_mut(), 0, 3);
        let u = d.transact().encode_diff_v1(&before);
        u
    }

    #[test]
    fn what_the_editor_makes_passes() {
        assert_eq!(check_update(&new_state("# Postmortem: 決済 🔥\n")), Ok(()));
        assert_eq!(check_update(&typed("the gateway 🔥 timed out")), Ok(()));
        assert_eq!(check_update(&[0, 0]), Ok(()), "an empty update");
    }

    #[test]
    fn text_that_is_not_utf8_is_refused() {
        let mut u = typed("abc");
        let at = u.windows(3).position(|w| w == b"abc").unwrap();
        u[at + 1] = 0xff;
        assert_eq!(check_update(&u), Err("a text is not UTF-8".into()));
    }

    #[test]
    fn other_shapes_and_truncations_are_refused() {
        let good = typed("x");
        for cut in 0..good.len() {
            assert!(check_update(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert_eq!(check_update(&longer), Err("bytes follow the update".into()));
        // a map (another root, and a keyed entry) is not the postmortem's text
        let d = yrs::Doc::new();
        let m = d.get_or_insert_map("other");
        yrs::Map::insert(&m, &mut d.transact_mut(), "k", "v");
        let u = d.transact().encode_state_as_update_v1(&yrs::StateVector::default());
        assert!(check_update(&u).is_err());
        // a huge count
        assert_eq!(check_update(&[0xff, 0xff, 0xff, 0x0f]), Err("a count is larger than the update".into()));
    }
}
