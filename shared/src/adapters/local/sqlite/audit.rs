//! `AuditLog` over the `audit_log` table: one row per attempt, replaced by id, read newest first
//! through `audit_log_newest` from a keyset cursor, so that a page costs the same however deep.

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{Connection, ToSql, params};

use super::SqliteStore;
use super::codec::{corrupt, db_err, ms, truncate};
use crate::domain::audit::{AuditEntry, AuditId};
use crate::ports::{AuditLog, AuditPage, MAX_AUDIT_PAGE, StoreError, StoreResult};

/// A kind tag, as the other listings' cursors carry, so that their cursors are refused here.
const CURSOR_TAG: &str = "a1";

/// A second write of an id is the whole new entry, its time included.
pub(super) const RECORD: &str = "INSERT INTO audit_log (id, at, body) VALUES (?1, ?2, ?3) \
     ON CONFLICT (id) DO UPDATE SET at = excluded.at, body = excluded.body";
pub(super) const NEWEST: &str = "SELECT at, id, body FROM audit_log INDEXED BY audit_log_newest \
     ORDER BY at DESC, id DESC LIMIT ?1";
pub(super) const AFTER: &str = "SELECT at, id, body FROM audit_log INDEXED BY audit_log_newest \
     WHERE (at, id) < (?1, ?2) ORDER BY at DESC, id DESC LIMIT ?3";

struct Row {
    at: i64,
    id: String,
    body: String,
}

impl Row {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self { at: r.get(0)?, id: r.get(1)?, body: r.get(2)? })
    }

    fn decode(&self) -> StoreResult<AuditEntry> {
        serde_json::from_str(&self.body).map_err(|e| corrupt(format!("audit entry {}: {e}", self.id)))
    }
}

/// The row of `entry`. Its time is cut to the millisecond in the body too, so that what is read
/// back is what the listing ordered by.
fn row(entry: &AuditEntry) -> StoreResult<Row> {
    let stored = AuditEntry { at: truncate(entry.at), ..entry.clone() };
    let body = serde_json::to_string(&stored)
        .map_err(|e| StoreError::Backend(format!("encoding audit entry {}: {e}", entry.id)))?;
    Ok(Row { at: ms(entry.at), id: entry.id.to_string(), body })
}

fn cursor(row: &Row) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_TAG}|{}|{}", row.at, row.id))
}

/// The `(at, id)` a page ended on.
fn parse_cursor(raw: &str) -> StoreResult<(i64, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| StoreError::BadCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| StoreError::BadCursor)?;
    let rest = text.strip_prefix(CURSOR_TAG).and_then(|r| r.strip_prefix('|')).ok_or(StoreError::BadCursor)?;
    let (at, id) = rest.split_once('|').ok_or(StoreError::BadCursor)?;
    let at = at.parse().map_err(|_| StoreError::BadCursor)?;
    let id = AuditId::parse(id).ok_or(StoreError::BadCursor)?;
    Ok((at, id.to_string()))
}

fn select(conn: &Connection, sql: &str, params: &[&dyn ToSql]) -> StoreResult<Vec<Row>> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_err)?;
    let rows = stmt.query_map(params, Row::read).map_err(db_err)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
}

#[async_trait]
impl AuditLog for SqliteStore {
    async fn record(&self, entry: &AuditEntry) -> StoreResult<()> {
        let row = row(entry)?;
        self.pool
            .write(move |conn| {
                let params = params![row.id, row.at, row.body];
                conn.prepare_cached(RECORD).and_then(|mut s| s.execute(params)).map_err(db_err)?;
                Ok(())
            })
            .await
    }

    async fn list_audit(&self, cursor: Option<&str>, limit: u32) -> StoreResult<AuditPage> {
        let after = cursor.map(parse_cursor).transpose()?;
        let limit = limit.clamp(1, MAX_AUDIT_PAGE) as usize;
        self.pool
            .read(move |conn| {
                // One row beyond the page tells whether another page follows.
                let take = limit as i64 + 1;
                let mut rows = match &after {
                    Some((at, id)) => select(conn, AFTER, params![at, id, take])?,
                    None => select(conn, NEWEST, params![take])?,
                };
                let more = rows.len() > limit;
                rows.truncate(limit);
                let next_cursor = rows.last().filter(|_| more).map(self::cursor);
                let entries = rows.iter().map(Row::decode).collect::<StoreResult<Vec<_>>>()?;
                Ok(AuditPage { entries, next_cursor })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::types::Value;

    use super::*;
    use crate::adapters::local::sqlite::schema;

    #[test]
    fn pages_read_the_index_in_order() {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        for sql in [NEWEST, AFTER] {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let nulls = vec![Value::Null; stmt.parameter_count()];
            let steps = stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3)).unwrap();
            let plan = steps.map(Result::unwrap).collect::<Vec<_>>().join("\n");
            assert!(plan.contains("audit_log_newest"), "{sql}:\n{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "a page must not sort the log:\n{plan}");
        }
    }

    #[test]
    fn cursors_round_trip_and_refuse_other_listings() {
        let id = AuditId::generate();
        let row = Row { at: -5, id: id.to_string(), body: String::new() };
        assert_eq!(parse_cursor(&cursor(&row)).unwrap(), (-5, id.to_string()));
        let bad = |raw: &str| matches!(parse_cursor(raw), Err(StoreError::BadCursor));
        assert!(bad(&URL_SAFE_NO_PAD.encode(format!("v1|5|{id}"))), "a video cursor");
        assert!(bad(&URL_SAFE_NO_PAD.encode("a1|5|not-an-id")));
        assert!(bad(&URL_SAFE_NO_PAD.encode(format!("a1|x|{id}"))));
        assert!(bad(&URL_SAFE_NO_PAD.encode(format!("a1{id}"))));
    }
}
