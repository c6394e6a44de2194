//! The event log of every aggregate. Each aggregate (an incident, the status page, later a
//! schedule or an alert) has its own *stream*; writes to one stream are ordered, writes to
//! different streams never wait for each other.
//!
//! Live readers resume with a [`Cursor`]: the position of the last event they saw in the
//! log's one reading order. That order is by the writing transaction, then by event id:
//! - within a stream it is the order the events were committed in (a stream's writers take
//!   its lock before their transaction is numbered);
//! - a reader only ever reads the part of the log that no transaction still running can
//!   add to (on PostgreSQL: transactions numbered below the oldest one still running), so
//!   nothing can later appear before a cursor it has passed.
//!
//! On SQLite every writer is serialised by the database, transactions are not numbered
//! (`tx` is 0) and the order is the event id's.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kinds of aggregate that have an event stream. One spelling in SQL, JSON and topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Incident,
    /// The public status page: components, groups, maintenance, settings (one stream).
    StatusPage,
    Schedule,
    /// An alert from monitoring: triggered, repeated, acknowledged, resolved.
    Alert,
    /// A postmortem: started, its status, its edits and its action items.
    Postmortem,
}

impl Stream {
    pub const ALL: [Stream; 5] = [Stream::Incident, Stream::StatusPage, Stream::Schedule, Stream::Alert, Stream::Postmortem];

    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Incident => "incident",
            Stream::StatusPage => "status_page",
            Stream::Schedule => "schedule",
            Stream::Alert => "alert",
            Stream::Postmortem => "postmortem",
        }
    }

    pub fn parse(s: &str) -> Option<Stream> {
        Stream::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A number unique to the kind, for lock keys.
    fn code(self) -> i64 {
        match self {
            Stream::Incident => 1,
            Stream::StatusPage => 2,
            Stream::Schedule => 3,
            Stream::Alert => 4,
            Stream::Postmortem => 5,
        }
    }
}

/// One stream: an aggregate's kind and id (0 for the one status page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StreamRef {
    pub stream: Stream,
    pub id: i64,
}

impl StreamRef {
    pub const STATUS_PAGE: StreamRef = StreamRef { stream: Stream::StatusPage, id: 0 };

    pub fn schedule(id: crate::domain::ids::ScheduleId) -> StreamRef {
        StreamRef { stream: Stream::Schedule, id: id.0 }
    }

    pub fn alert(id: crate::domain::ids::AlertId) -> StreamRef {
        StreamRef { stream: Stream::Alert, id: id.0 }
    }

    pub fn postmortem(id: crate::domain::ids::PostmortemId) -> StreamRef {
        StreamRef { stream: Stream::Postmortem, id: id.0 }
    }

    pub fn incident(id: crate::domain::ids::IncidentId) -> StreamRef {
        StreamRef { stream: Stream::Incident, id: id.0 }
    }

    /// The key of this stream's lock: the kind in the top byte, the id below, so two
    /// streams never share a key (ids stay below 2^56).
    pub fn lock_key(self) -> i64 {
        (self.stream.code() << 56) | (self.id & 0x00ff_ffff_ffff_ffff)
    }
}

/// A position in the log's reading order (see the module documentation). Written
/// `"{id}"` when `tx` is 0 (SQLite, and every event older than transaction numbering),
/// otherwise `"{tx}.{id}"`; that is what SSE `id:` lines and `Last-Event-ID` carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Cursor {
    pub tx: i64,
    pub id: i64,
}

impl Cursor {
    /// Before every event.
    pub const START: Cursor = Cursor { tx: 0, id: 0 };
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.tx == 0 {
            write!(f, "{}", self.id)
        } else {
            write!(f, "{}.{}", self.tx, self.id)
        }
    }
}

impl FromStr for Cursor {
    type Err = String;

    fn from_str(raw: &str) -> Result<Cursor, String> {
        let t = raw.trim();
        let number = |s: &str| (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<i64>().ok()).flatten();
        let parsed = match t.split_once('.') {
            Some((tx, id)) => number(tx).zip(number(id)).map(|(tx, id)| Cursor { tx, id }),
            None => number(t).map(|id| Cursor { tx: 0, id }),
        };
        parsed.ok_or_else(|| format!("Last-Event-ID must be an event position such as 42 or 7310.42, not {:?}", t.chars().take(40).collect::<String>()))
    }
}

impl From<Cursor> for String {
    fn from(c: Cursor) -> String {
        c.to_string()
    }
}

impl TryFrom<String> for Cursor {
    type Error = String;

    fn try_from(s: String) -> Result<Cursor, String> {
        s.parse()
    }
}

/// Which events a read of the database saw (its snapshot), to tell later whether an event
/// that arrives live is already in what was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// The newest event id the read saw (what decides for events with `tx` 0).
    pub max_id: i64,
    /// PostgreSQL's snapshot: transactions below `xmin` were over, those from `xmax` on had
    /// not begun, and those in `running` were still running.
    pub xmin: i64,
    pub xmax: i64,
    pub running: Vec<i64>,
}

impl Seen {
    /// A read on SQLite (or a PostgreSQL log with no numbered events yet).
    pub fn up_to(max_id: i64) -> Seen {
        Seen { max_id, ..Seen::default() }
    }

    /// A read on PostgreSQL: `snapshot` as `pg_current_snapshot()` writes it
    /// (`xmin:xmax:xip,xip,…`).
    pub fn postgres(max_id: i64, snapshot: &str) -> Option<Seen> {
        let mut parts = snapshot.trim().split(':');
        let xmin = parts.next()?.parse().ok()?;
        let xmax = parts.next()?.parse().ok()?;
        let running = match parts.next()? {
            "" => vec![],
            list => list.split(',').map(|x| x.parse().ok()).collect::<Option<Vec<i64>>>()?,
        };
        parts.next().is_none().then_some(Seen { max_id, xmin, xmax, running })
    }

    /// Whether the event at `at` (committed) was visible to the read.
    pub fn includes(&self, at: Cursor) -> bool {
        if at.tx == 0 {
            return at.id <= self.max_id;
        }
        at.tx < self.xmin || (at.tx < self.xmax && !self.running.contains(&at.tx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cursors_read_and_write() {
        assert_eq!("17".parse(), Ok(Cursor { tx: 0, id: 17 }));
        assert_eq!(" 900.17 ".parse(), Ok(Cursor { tx: 900, id: 17 }));
        assert_eq!(Cursor { tx: 0, id: 17 }.to_string(), "17");
        assert_eq!(Cursor { tx: 900, id: 17 }.to_string(), "900.17");
        for bad in ["", "-3", "abc", "1.", ".1", "1.2.3", "99999999999999999999", "1e5"] {
            assert!(bad.parse::<Cursor>().is_err(), "{bad:?}");
        }
        assert_eq!(serde_json::to_string(&Cursor { tx: 3, id: 4 }).unwrap(), "\"3.4\"");
    }

    #[test]
    fn order_is_by_transaction_then_id() {
        let c = |tx, id| Cursor { tx, id };
        // an older transaction's later id comes before a newer transaction's earlier id
        assert!(c(5, 90) < c(6, 10));
        assert!(c(0, 1000) < c(1, 1));
        assert!(c(6, 10) < c(6, 11));
    }

    #[test]
    fn streams_have_one_spelling() {
        for s in Stream::ALL {
            assert_eq!(Stream::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn what_a_read_saw() {
        let sqlite = Seen::up_to(40);
        assert!(sqlite.includes(Cursor { tx: 0, id: 40 }));
        assert!(!sqlite.includes(Cursor { tx: 0, id: 41 }));
        let pg = Seen::postgres(90, "748:752:748,750").unwrap();
        assert!(pg.includes(Cursor { tx: 700, id: 1 }), "over before the read");
        assert!(pg.includes(Cursor { tx: 749, id: 95 }), "committed before the read, though an older one ran");
        assert!(!pg.includes(Cursor { tx: 748, id: 2 }), "still running");
        assert!(!pg.includes(Cursor { tx: 752, id: 3 }), "began after");
        assert!(pg.includes(Cursor { tx: 0, id: 90 }), "moved from the old log");
        assert_eq!(Seen::postgres(1, "5:5:").unwrap().running, Vec::<i64>::new());
        for bad in ["", "5", "5:6", "a:6:", "5:6:x", "5:6:7:8"] {
            assert_eq!(Seen::postgres(1, bad), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn cursors_round_trip(tx in 0i64..1 << 50, id in 0i64..1 << 50) {
            let c = Cursor { tx, id };
            prop_assert_eq!(c.to_string().parse::<Cursor>(), Ok(c));
        }

        #[test]
        fn lock_keys_differ_between_streams(a in 0i64..1 << 56, b in 0i64..1 << 56) {
            let keys = |id| Stream::ALL.map(|stream| StreamRef { stream, id }.lock_key());
            let (ka, kb) = (keys(a), keys(b));
            for (i, x) in ka.iter().enumerate() {
                for (j, y) in kb.iter().enumerate() {
                    prop_assert_eq!(x == y, i == j && a == b);
                }
            }
        }
    }
}
