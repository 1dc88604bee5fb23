//! `VideoStore` over the `videos` table and its hashtag index `video_tags`.
//!
//! Each listing names the index it reads (`INDEXED BY`): the planner has no statistics to choose
//! between the filter indexes by, and the one chosen here is the filter that usually leaves the
//! fewest videos (a run, a job, an author, a value, a hashtag, a status, a mode). The others are
//! checked on the index entries where it carries them, and on the row otherwise. A hashtag
//! listing reads `video_tags`, whose rows carry the mode and status too.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::SqliteStore;
use super::codec::{db_err, uint};
use super::paging::{self, Listing};
use super::video_row::{INSERT_COLUMNS, VIDEO_COLUMNS, VideoRow, VideoValues, id_bytes};
use crate::adapters::video_record::{as_stored, taken, underived};
use crate::domain::ids::JobId;
use crate::domain::video::{Video, VideoId, VideoStatus};
use crate::ports::{Page, PageRequest, StoreError, StoreResult, Upserted, VideoCounts, VideoFilter, VideoStore};

pub(super) const DELETE_FOR_JOB: &str = "DELETE FROM videos WHERE job_id = ?1";
pub(super) const COUNTS: &str = "SELECT v.status, count(*), coalesce(sum(v.file_size), 0) \
     FROM videos AS v INDEXED BY videos_by_status WHERE v.tombstoned_at IS NULL GROUP BY v.status";
pub(super) const TAGS_OF: &str = "SELECT tag, status FROM video_tags WHERE video_id = ?1";
pub(super) const UNTAG: &str = "DELETE FROM video_tags WHERE video_id = ?1";
/// A tag row takes the video's creation time, mode and status from its row, written just before.
pub(super) const TAG: &str = "INSERT INTO video_tags (tag, created_at, video_id, mode, status) \
     SELECT ?1, created_at, id, mode, status FROM videos WHERE id = ?2";
pub(super) const UPDATE: &str = "UPDATE videos SET author = ?8, status = ?9, file_size = ?10, updated_at = ?12, \
     tombstoned_at = ?13, version = ?14, body = ?15, pinned = ?16 WHERE id = ?1 AND version = ?17";

pub(super) fn select_by_id() -> &'static str {
    static SQL: LazyLock<String> = LazyLock::new(|| format!("SELECT {VIDEO_COLUMNS} FROM videos AS v WHERE v.id = ?1"));
    &SQL
}

pub(super) fn select_by_source() -> &'static str {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!("SELECT {VIDEO_COLUMNS} FROM videos AS v WHERE v.platform = ?1 AND v.platform_id = ?2")
    });
    &SQL
}

/// The index a filter is read through, most selective first.
fn table(filter: &VideoFilter) -> &'static str {
    if filter.run_id.is_some() {
        "videos AS v INDEXED BY videos_by_run"
    } else if filter.job_id.is_some() {
        "videos AS v INDEXED BY videos_by_job"
    } else if filter.author_username.is_some() {
        "videos AS v INDEXED BY videos_by_author"
    } else if filter.value.is_some() {
        "videos AS v INDEXED BY videos_by_value"
    } else if filter.hashtag.is_some() {
        "video_tags AS t CROSS JOIN videos AS v ON v.id = t.video_id"
    } else if filter.status.is_some() {
        "videos AS v INDEXED BY videos_by_status"
    } else if filter.mode.is_some() {
        "videos AS v INDEXED BY videos_by_mode"
    } else {
        "videos AS v INDEXED BY videos_listed"
    }
}

pub(super) fn listing(filter: &VideoFilter) -> Listing {
    let by_tag = filter.hashtag.is_some()
        && filter.run_id.is_none()
        && filter.job_id.is_none()
        && filter.author_username.is_none()
        && filter.value.is_none();
    // Tag rows exist only for listed videos; every other index names the condition it holds.
    let mut conditions = if by_tag { Vec::new() } else { vec!["v.tombstoned_at IS NULL"] };
    let mut args = Vec::new();
    let mut add = |condition: &'static str, value: Value| {
        conditions.push(condition);
        args.push(value);
    };
    if let Some(run) = filter.run_id {
        add("v.run_id = ?", Value::Blob(run.as_uuid().into_bytes().to_vec()));
    }
    if let Some(job) = &filter.job_id {
        add("v.job_id = ?", Value::Text(job.to_string()));
    }
    if let Some(author) = &filter.author_username {
        add("v.author = ?", Value::Text(author.to_string()));
    }
    if let Some(value) = &filter.value {
        add("v.value = ?", Value::Text(value.to_string()));
    }
    if let Some(tag) = &filter.hashtag {
        let condition = if by_tag {
            "t.tag = ?"
        } else {
            "EXISTS (SELECT 1 FROM video_tags AS t WHERE t.video_id = v.id AND t.tag = ?)"
        };
        add(condition, Value::Text(tag.to_string()));
    }
    if let Some(status) = filter.status {
        add(if by_tag { "t.status = ?" } else { "v.status = ?" }, Value::Text(status.as_str().to_owned()));
    }
    if let Some(mode) = filter.mode {
        add(if by_tag { "t.mode = ?" } else { "v.mode = ?" }, Value::Text(mode.as_str().to_owned()));
    }
    let (order, reverse, after) = if by_tag {
        ("t.created_at DESC, t.video_id DESC", "t.created_at, t.video_id", "(t.created_at, t.video_id) < (?, ?)")
    } else {
        ("v.created_at DESC, v.id DESC", "v.created_at, v.id", "(v.created_at, v.id) < (?, ?)")
    };
    Listing {
        table: table(filter),
        // A tag's rows hold every filter that can come with it: the count needs no videos.
        count_table: by_tag.then_some("video_tags AS t"),
        kept_count: None,
        columns: VIDEO_COLUMNS,
        filter: conditions,
        args,
        order,
        reverse,
        after,
    }
}

fn read_one(conn: &Connection, sql: &str, params: &[&dyn rusqlite::ToSql]) -> StoreResult<Option<Video>> {
    let row =
        conn.prepare_cached(sql).and_then(|mut s| s.query_row(params, VideoRow::read).optional()).map_err(db_err)?;
    row.map(VideoRow::decode).transpose()
}

/// Makes the video's tag rows the ones it should have: its hashtags while listed, none while
/// deleted, each with its status. A write that changes none of that (new metadata counts, say)
/// leaves them alone.
fn retag(tx: &Transaction<'_>, values: &VideoValues) -> StoreResult<()> {
    let status = values.record.status;
    let wanted: BTreeSet<(&str, &str)> = values.record.listed_hashtags().iter().map(|t| (t.as_str(), status)).collect();
    let mut stmt = tx.prepare_cached(TAGS_OF).map_err(db_err)?;
    let held = stmt
        .query_map([values.id()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(db_err)?
        .collect::<rusqlite::Result<BTreeSet<(String, String)>>>()
        .map_err(db_err)?;
    if held.iter().map(|(t, s)| (t.as_str(), s.as_str())).eq(wanted.iter().copied()) {
        return Ok(());
    }
    tx.prepare_cached(UNTAG).and_then(|mut s| s.execute([values.id()])).map_err(db_err)?;
    let mut insert = tx.prepare_cached(TAG).map_err(db_err)?;
    for (tag, _) in wanted {
        insert.execute(params![tag, values.id()]).map_err(db_err)?;
    }
    Ok(())
}

#[async_trait]
impl VideoStore for SqliteStore {
    async fn upsert_video(&self, video: &Video) -> StoreResult<Upserted> {
        if !video.has_derived_id() {
            return Err(StoreError::Backend(underived(video)));
        }
        let values = VideoValues::new(video)?;
        let video = video.clone();
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
                let sql = format!(
                    "INSERT INTO videos ({INSERT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, \
                     ?13, ?14, ?15, ?16) ON CONFLICT DO NOTHING"
                );
                let inserted = tx.prepare_cached(&sql).and_then(|mut s| s.execute(values.params())).map_err(db_err)?;
                let outcome = if inserted == 1 {
                    retag(&tx, &values)?;
                    Upserted::Inserted(as_stored(video))
                } else {
                    let source = params![values.record.platform, values.record.platform_id];
                    let existing = read_one(&tx, select_by_source(), source)?;
                    Upserted::Existing(existing.ok_or_else(|| StoreError::Backend(taken(&video)))?)
                };
                tx.commit().map_err(db_err)?;
                Ok(outcome)
            })
            .await
    }

    async fn get_video(&self, id: VideoId) -> StoreResult<Option<Video>> {
        self.pool.read_by_key(move |conn| read_one(conn, select_by_id(), params![id_bytes(id)])).await
    }

    async fn update_video(&self, video: &Video, expected_version: u64) -> StoreResult<()> {
        let values = VideoValues::new(video)?;
        let expected = super::codec::int(expected_version)?;
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
                let mut params = values.params().to_vec();
                params.push(&expected);
                let updated = tx.prepare_cached(UPDATE).and_then(|mut s| s.execute(&params[..])).map_err(db_err)?;
                let outcome = if updated == 1 {
                    retag(&tx, &values)
                } else {
                    let exists = tx
                        .prepare_cached("SELECT 1 FROM videos WHERE id = ?1")
                        .and_then(|mut s| s.exists([values.id()]))
                        .map_err(db_err)?;
                    Err(if exists { StoreError::Conflict } else { StoreError::NotFound })
                };
                tx.commit().map_err(db_err)?;
                outcome
            })
            .await
    }

    async fn list_videos(&self, filter: &VideoFilter, page: &PageRequest) -> StoreResult<Page<Video>> {
        let listing = listing(filter);
        let after = page.cursor.as_deref().map(paging::parse_video_cursor).transpose()?;
        let (offset, limit) = (page.offset, page.limit);
        self.pool
            .read(move |conn| {
                let after =
                    after.map(|(created, id)| vec![Value::Integer(created), Value::Blob(id_bytes(id).to_vec())]);
                let rows = paging::fetch(conn, &listing, after, offset, limit, VideoRow::read)?;
                let items = rows.rows.into_iter().map(VideoRow::decode).collect::<StoreResult<Vec<_>>>()?;
                let next_cursor = match items.last() {
                    Some(last) if rows.more => Some(paging::video_cursor(last.created_at.timestamp_millis(), last.id)),
                    _ => None,
                };
                Ok(Page { items, total: rows.total, next_cursor })
            })
            .await
    }

    /// Their tag rows go with them (`ON DELETE CASCADE`).
    async fn delete_job_videos(&self, job_id: &JobId) -> StoreResult<u64> {
        let job_id = job_id.to_string();
        self.pool
            .write(move |conn| {
                let deleted =
                    conn.prepare_cached(DELETE_FOR_JOB).and_then(|mut s| s.execute([&job_id])).map_err(db_err)?;
                Ok(deleted as u64)
            })
            .await
    }

    async fn count_videos(&self) -> StoreResult<VideoCounts> {
        self.pool
            .read(|conn| {
                let mut stmt = conn.prepare_cached(COUNTS).map_err(db_err)?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))
                    .map_err(db_err)?;
                let mut counts = VideoCounts::default();
                for row in rows {
                    let (status, count, bytes) = row.map_err(db_err)?;
                    let status = VideoStatus::parse(&status)
                        .ok_or_else(|| super::codec::corrupt(format!("video status {status:?}")))?;
                    counts.set(status, uint(count)?);
                    if status == VideoStatus::Uploaded {
                        counts.uploaded_bytes = uint(bytes)?;
                    }
                }
                Ok(counts)
            })
            .await
    }
}
