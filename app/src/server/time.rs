//! Instants are stored as integer epoch milliseconds (the one form both databases and the
//! sqlx `Any` driver agree on); these convert at the repository edge.

use chrono::{DateTime, TimeZone, Utc};

pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn opt_from_ms(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.map(from_ms)
}

/// Now, truncated to the millisecond so a value read back equals the value written.
pub fn now() -> DateTime<Utc> {
    from_ms(to_ms(Utc::now()))
}
