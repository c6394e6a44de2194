//! The event log of every aggregate (see `domain::log`): appending to a stream, and reading
//! the log in its one order from a cursor. Each aggregate's repository decodes its own
//! events from these rows.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::domain::ids::{EventId, UserId};
use crate::domain::log::{Cursor, Seen, Stream, StreamRef};
use crate::domain::roles::Person;
use crate::server::db::Tx;
use crate::server::time::{from_ms, to_ms};

/// One stored event, its payload still JSON.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: EventId,
    pub cursor: Cursor,
    pub stream: StreamRef,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<Person>,
    pub kind: String,
    pub payload: String,
}

/// Which part of the log to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Everything,
    /// Every stream of one kind.
    Kind(Stream),
    /// One stream.
    One(StreamRef),
}

pub const COLUMNS: &str = "id, tx, stream, stream_id, seq, at_ms, actor_id, actor_name, kind, payload";

fn postgres(conn: &AnyConnection) -> bool {
    conn.backend_name() == "PostgreSQL"
}

/// Whether no transaction still running can add an event before this row: on PostgreSQL,
/// transactions numbered below the oldest one still running are all over.
fn safe_sql(conn: &AnyConnection) -> &'static str {
    if postgres(conn) {
        "(tx < CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT))"
    } else {
        "1 = 1"
    }
}

pub fn decode(row: &AnyRow) -> Result<Row, sqlx::Error> {
    let stream: String = row.try_get("stream")?;
    let stream = Stream::parse(&stream).ok_or_else(|| sqlx::Error::Decode(format!("unknown stream {stream:?}").into()))?;
    let actor_id: Option<i64> = row.try_get("actor_id")?;
    let actor_name: Option<String> = row.try_get("actor_name")?;
    let id: i64 = row.try_get("id")?;
    Ok(Row {
        id: EventId(id),
        cursor: Cursor { tx: row.try_get("tx")?, id },
        stream: StreamRef { stream, id: row.try_get("stream_id")? },
        seq: row.try_get("seq")?,
        at: from_ms(row.try_get("at_ms")?),
        actor: actor_id.map(|id| Person { id: UserId(id), name: actor_name.unwrap_or_default() }),
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
    })
}

/// Appends `change` (serialised as the event's payload) to `stream` as an event of `kind`.
pub async fn append_change<T: serde::Serialize>(tx: &mut Tx, stream: StreamRef, actor: Option<&Person>, kind: &str, change: &T) -> Result<Row, sqlx::Error> {
    let payload = serde_json::to_string(change).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    append(tx, stream, crate::server::time::now(), actor, kind, payload).await
}

/// Appends one event to `stream`, whose lock `tx` must hold; returns it as stored.
pub async fn append(tx: &mut Tx, stream: StreamRef, at: DateTime<Utc>, actor: Option<&Person>, kind: &str, payload: String) -> Result<Row, sqlx::Error> {
    let conn = tx.appending(stream)?;
    let number = if postgres(conn) { "CAST(CAST(pg_current_xact_id() AS TEXT) AS BIGINT)" } else { "0" };
    let sql = format!(
        "INSERT INTO events (stream, stream_id, seq, tx, at_ms, actor_id, actor_name, kind, payload) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE stream = $1 AND stream_id = $2), {number}, $3, $4, $5, $6, $7) \
         RETURNING id, tx, seq"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(stream.stream.as_str())
        .bind(stream.id)
        .bind(to_ms(at))
        .bind(actor.map(|a| a.id.0))
        .bind(actor.map(|a| a.name.clone()))
        .bind(kind)
        .bind(&payload)
        .fetch_one(conn)
        .await?;
    let id: i64 = row.try_get("id")?;
    let row = Row {
        id: EventId(id),
        cursor: Cursor { tx: row.try_get("tx")?, id },
        stream,
        seq: row.try_get("seq")?,
        at,
        actor: actor.cloned(),
        kind: kind.to_string(),
        payload,
    };
    tx.appended(&row);
    Ok(row)
}

/// The filter of `part`, its parameters numbered from `first`.
fn part_sql(part: Part, first: usize) -> String {
    match part {
        Part::Everything => "1 = 1".into(),
        Part::Kind(_) => format!("stream = ${first}"),
        Part::One(_) => format!("stream = ${first} AND stream_id = ${}", first + 1),
    }
}

/// Every committed event of one stream, in the stream's order (for reading an aggregate's
/// history whole; live readers resume with [`since`]).
pub async fn of_stream(conn: &mut AnyConnection, stream: StreamRef) -> Result<Vec<Row>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM events WHERE stream = $1 AND stream_id = $2 ORDER BY seq");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(stream.stream.as_str()).bind(stream.id).fetch_all(conn).await?;
    rows.iter().map(decode).collect()
}

/// The events of `part` after `after`, in the log's order, at most `limit`, and only those
/// that nothing still running can precede. The flag says whether later events are already
/// committed but must wait for an older transaction to end.
pub async fn since(conn: &mut AnyConnection, part: Part, after: Cursor, limit: i64) -> Result<(Vec<Row>, bool), sqlx::Error> {
    let q = sqlx::query(sqlx::AssertSqlSafe(since_sql(conn, part))).bind(after.tx).bind(after.id).bind(limit);
    let q = match part {
        Part::Everything => q,
        Part::Kind(s) => q.bind(s.as_str()),
        Part::One(s) => q.bind(s.stream.as_str()).bind(s.id),
    };
    let rows = q.fetch_all(conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut held = false;
    for r in &rows {
        // unsafe rows sort after every safe one (their transactions are newer)
        let safe: i64 = r.try_get("safe")?;
        if safe == 0 {
            held = true;
            break;
        }
        out.push(decode(r)?);
    }
    Ok((out, held))
}

/// What [`since`] runs: `$1`, `$2` the cursor, `$3` the limit, then the part's parameters.
/// Each part reads an index in the log's order (`events_order`, `events_kind_order`,
/// `events_stream`): a reader of one kind of stream never sorts that kind's whole history.
pub fn since_sql(conn: &AnyConnection, part: Part) -> String {
    format!(
        "SELECT {COLUMNS}, CASE WHEN {} THEN 1 ELSE 0 END AS safe FROM events \
         WHERE (tx > $1 OR (tx = $1 AND id > $2)) AND {} ORDER BY tx, id LIMIT $3",
        safe_sql(conn),
        part_sql(part, 4)
    )
}

/// The newest position a reader may start from: every event up to it can be read, and
/// none can appear before it later.
pub async fn readable_end(conn: &mut AnyConnection) -> Result<Cursor, sqlx::Error> {
    let sql = format!("SELECT tx, id FROM events WHERE {} ORDER BY tx DESC, id DESC LIMIT 1", safe_sql(conn));
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_optional(conn).await?;
    row.map_or(Ok(Cursor::START), |r| Ok(Cursor { tx: r.try_get("tx")?, id: r.try_get("id")? }))
}

/// Whether this database could have given `cursor`: neither its transaction nor its event
/// can be newer than the newest in the log. A cursor it could not have given comes from
/// another history (the database was restored from a backup, or replaced).
pub async fn known(conn: &mut AnyConnection, cursor: Cursor) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT COALESCE(MAX(tx), 0) AS tx, COALESCE(MAX(id), 0) AS id FROM events").fetch_one(conn).await?;
    let (tx, id): (i64, i64) = (row.try_get("tx")?, row.try_get("id")?);
    Ok(cursor.tx <= tx && cursor.id <= id)
}

/// What the connection's current snapshot sees of the log (call it inside the read
/// transaction whose reads it describes).
pub async fn seen(conn: &mut AnyConnection) -> Result<Seen, sqlx::Error> {
    if postgres(conn) {
        let row = sqlx::query("SELECT CAST(pg_current_snapshot() AS TEXT) AS s, (SELECT COALESCE(MAX(id), 0) FROM events) AS m").fetch_one(conn).await?;
        let (snapshot, max_id): (String, i64) = (row.try_get("s")?, row.try_get("m")?);
        Seen::postgres(max_id, &snapshot).ok_or_else(|| sqlx::Error::Decode(format!("unreadable snapshot {snapshot:?}").into()))
    } else {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS m FROM events").fetch_one(conn).await?;
        Ok(Seen::up_to(row.try_get("m")?))
    }
}
