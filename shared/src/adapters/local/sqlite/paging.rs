//! Keyset paging: opaque cursors, and offset pages that cost the same at either end.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};

use super::codec::db_err;
use crate::adapters::offset_walk::OffsetWalk;
use crate::domain::ids::{ExecutionId, JobId};
use crate::domain::video::VideoId;
use crate::ports::{StoreError, StoreResult};

/// Cursors carry a kind tag so that one listing's cursor handed to another is refused rather
/// than silently misread.
const JOB_TAG: &str = "j1";
const EXECUTION_TAG: &str = "e1";
const VIDEO_TAG: &str = "v1";

/// Where a jobs page ended: the listing is ordered by (created_at, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct JobKey {
    pub created_at: i64,
    pub id: String,
}

pub(super) fn job_cursor(key: &JobKey) -> String {
    URL_SAFE_NO_PAD.encode(format!("{JOB_TAG}|{}|{}", key.created_at, key.id))
}

pub(super) fn parse_job_cursor(raw: &str) -> StoreResult<JobKey> {
    let text = untag(raw, JOB_TAG)?;
    let (created_at, id) = text.split_once('|').ok_or(StoreError::BadCursor)?;
    let created_at = created_at.parse().map_err(|_| StoreError::BadCursor)?;
    let id = JobId::parse(id).map_err(|_| StoreError::BadCursor)?;
    Ok(JobKey { created_at, id: id.as_str().to_owned() })
}

pub(super) fn execution_cursor(id: ExecutionId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{EXECUTION_TAG}|{id}"))
}

pub(super) fn parse_execution_cursor(raw: &str) -> StoreResult<ExecutionId> {
    ExecutionId::parse(&untag(raw, EXECUTION_TAG)?).ok_or(StoreError::BadCursor)
}

/// Where a videos page ended: listings are ordered by (created_at, id), newest first.
pub(super) fn video_cursor(created_at: i64, id: VideoId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{VIDEO_TAG}|{created_at}|{id}"))
}

pub(super) fn parse_video_cursor(raw: &str) -> StoreResult<(i64, VideoId)> {
    let text = untag(raw, VIDEO_TAG)?;
    let (created_at, id) = text.split_once('|').ok_or(StoreError::BadCursor)?;
    let created_at = created_at.parse().map_err(|_| StoreError::BadCursor)?;
    Ok((created_at, VideoId::parse(id).ok_or(StoreError::BadCursor)?))
}

fn untag(raw: &str, tag: &str) -> StoreResult<String> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| StoreError::BadCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| StoreError::BadCursor)?;
    match text.split_once('|') {
        Some((t, rest)) if t == tag => Ok(rest.to_owned()),
        _ => Err(StoreError::BadCursor),
    }
}

/// One listing: `filter` conditions (with `?` for each of `args`, in order), the order the port
/// promises and its reverse, and the condition that selects rows after a cursor key.
pub(super) struct Listing {
    pub table: &'static str,
    /// What the count reads instead of `table`, when the filter needs less than the page (the
    /// page's columns may need a join the count does not).
    pub count_table: Option<&'static str>,
    /// A count the schema keeps that answers for this listing, taking no arguments, instead of
    /// counting its rows (the jobs' counts, for a listing of every job).
    pub kept_count: Option<&'static str>,
    pub columns: &'static str,
    pub filter: Vec<&'static str>,
    pub args: Vec<Value>,
    pub order: &'static str,
    pub reverse: &'static str,
    pub after: &'static str,
}

pub(super) struct Rows<R> {
    pub rows: Vec<R>,
    pub total: u64,
    /// Whether rows follow the last one returned.
    pub more: bool,
}

impl Listing {
    fn filter_sql(&self) -> String {
        if self.filter.is_empty() { "1".to_owned() } else { self.filter.join(" AND ") }
    }

    pub fn count_sql(&self) -> String {
        if let Some(kept) = self.kept_count {
            return kept.to_owned();
        }
        format!("SELECT count(*) FROM {} WHERE {}", self.count_table.unwrap_or(self.table), self.filter_sql())
    }

    /// Rows in `order` (or its reverse), past a cursor key when `after`; binds the filter's
    /// arguments, then the key's, then LIMIT and OFFSET.
    pub fn page_sql(&self, reverse: bool, after: bool) -> String {
        let order = if reverse { self.reverse } else { self.order };
        let after = if after { format!(" AND {}", self.after) } else { String::new() };
        let (columns, table, filter) = (self.columns, self.table, self.filter_sql());
        format!("SELECT {columns} FROM {table} WHERE {filter}{after} ORDER BY {order} LIMIT ? OFFSET ?")
    }
}

/// Counts and fetches in one read transaction, so that `total` and the page agree. With a cursor
/// (`after`, the key's values) the offset is ignored: the cursor already says where to start.
pub(super) fn fetch<R>(
    conn: &mut Connection,
    listing: &Listing,
    after: Option<Vec<Value>>,
    offset: u64,
    limit: u32,
    read: impl Fn(&Row<'_>) -> rusqlite::Result<R>,
) -> StoreResult<Rows<R>> {
    let tx = conn.transaction().map_err(db_err)?;
    let total: i64 = tx
        .prepare_cached(&listing.count_sql())
        .and_then(|mut s| s.query_row(params_from_iter(&listing.args), |r| r.get(0)))
        .map_err(db_err)?;
    let total = u64::try_from(total).unwrap_or(0);
    let select = |sql: String, args: Vec<Value>| -> StoreResult<Vec<R>> {
        let mut stmt = tx.prepare_cached(&sql).map_err(db_err)?;
        let rows = stmt.query_map(params_from_iter(&args), &read).map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<R>>>().map_err(db_err)
    };
    let window = |skip: u64, take: u64| {
        let mut args = listing.args.clone();
        args.push(Value::Integer(i64::try_from(take).unwrap_or(i64::MAX)));
        args.push(Value::Integer(i64::try_from(skip).unwrap_or(i64::MAX)));
        args
    };
    let page = match after {
        Some(key) => {
            let mut args = listing.args.clone();
            args.extend(key);
            // One row beyond the page tells whether another page follows, without a count.
            args.push(Value::Integer(i64::from(limit) + 1));
            args.push(Value::Integer(0));
            let mut rows = select(listing.page_sql(false, true), args)?;
            let more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            Rows { rows, total, more }
        }
        None => match OffsetWalk::plan(total, offset, limit) {
            OffsetWalk::Empty => Rows { rows: Vec::new(), total, more: false },
            OffsetWalk::Forward { skip, take } => {
                let rows = select(listing.page_sql(false, false), window(skip, take))?;
                Rows { more: skip + take < total, rows, total }
            }
            OffsetWalk::Backward { skip, take } => {
                let mut rows = select(listing.page_sql(true, false), window(skip, take))?;
                rows.reverse();
                Rows { more: skip > 0, rows, total }
            }
        },
    };
    tx.finish().map_err(db_err)?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad<T>(r: StoreResult<T>) -> bool {
        matches!(r, Err(StoreError::BadCursor))
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let key = JobKey { created_at: -5, id: "a.b-c_d".to_owned() };
        assert_eq!(parse_job_cursor(&job_cursor(&key)).unwrap(), key);
        let id = ExecutionId::generate();
        assert_eq!(parse_execution_cursor(&execution_cursor(id)).unwrap(), id);
        assert!(bad(parse_job_cursor("not a cursor!")));
        assert!(bad(parse_job_cursor(&URL_SAFE_NO_PAD.encode("j1|x|a"))));
        assert!(bad(parse_job_cursor(&URL_SAFE_NO_PAD.encode("j1|5|a b"))));
        assert!(bad(parse_job_cursor(&execution_cursor(id))));
        assert!(bad(parse_execution_cursor(&job_cursor(&key))));
        assert!(bad(parse_execution_cursor("")));
        let video = VideoId::from_uuid(uuid::Uuid::from_u128(7));
        assert_eq!(parse_video_cursor(&video_cursor(-3, video)).unwrap(), (-3, video));
        assert!(bad(parse_video_cursor(&execution_cursor(id))));
        assert!(bad(parse_video_cursor(&URL_SAFE_NO_PAD.encode("v1|5|not-a-uuid"))));
        assert!(bad(parse_job_cursor(&video_cursor(1, video))));
    }
}
