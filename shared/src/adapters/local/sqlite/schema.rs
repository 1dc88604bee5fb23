//! The schema, as an ordered list of migrations; `PRAGMA user_version` counts those applied.
//!
//! Append new migrations; never edit one that has shipped, since databases in the field have
//! already run it.

use rusqlite::{Connection, TransactionBehavior};

use super::codec::db_err;
use crate::ports::{StoreError, StoreResult};

/// Jobs keep the columns that filters, orderings and targeted updates touch; the rest of the
/// definition is one JSON `body`, so adding a definition field needs no migration. Executions
/// are flat scalars that are updated piecemeal (progress, fail-all-running), so they are columns,
/// with the task's `result` as JSON text.
///
/// `jobs_by_created` carries every filter column so that a filtered count or a skipped offset
/// never reads the table. Executions have no foreign key to jobs: their history outlives the
/// job (`delete_job_executions` is a separate call), as it does in the DynamoDB table.
const V1: &str = "
CREATE TABLE jobs (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    function TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    paused INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    next_run_at INTEGER,
    version INTEGER NOT NULL,
    last_run_at INTEGER,
    last_status TEXT,
    runs_total INTEGER NOT NULL,
    runs_succeeded INTEGER NOT NULL,
    runs_failed INTEGER NOT NULL,
    body TEXT NOT NULL
) STRICT;
CREATE INDEX jobs_by_created ON jobs (created_at, id, enabled, function, name_lower);
CREATE INDEX jobs_due ON jobs (next_run_at, id) WHERE enabled AND NOT paused AND next_run_at IS NOT NULL;

CREATE TABLE executions (
    id BLOB NOT NULL PRIMARY KEY,
    job_id TEXT NOT NULL,
    scheduled_at INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    triggered_by TEXT NOT NULL,
    principal TEXT,
    created_at INTEGER NOT NULL,
    not_before INTEGER,
    started_at INTEGER,
    finished_at INTEGER,
    progress_total INTEGER NOT NULL,
    progress_processed INTEGER NOT NULL,
    progress_succeeded INTEGER NOT NULL,
    progress_failed INTEGER NOT NULL,
    result TEXT,
    error TEXT,
    exit_code INTEGER,
    stdout_tail TEXT,
    stderr_tail TEXT,
    UNIQUE (job_id, scheduled_at, attempt)
) STRICT;
CREATE INDEX executions_by_job ON executions (job_id, id);
CREATE INDEX executions_by_status ON executions (status, id);
CREATE INDEX executions_by_job_status ON executions (job_id, status, id);
CREATE INDEX executions_finished ON executions (status, finished_at) WHERE finished_at IS NOT NULL;
";

/// Which executor took a dispatched run (`ExecutionStore::take_dispatched`).
const V2: &str = "ALTER TABLE executions ADD COLUMN dispatch_taker TEXT;";

/// Scraped videos. The columns are what filters, orderings, counts and the version check read;
/// the rest is one JSON `body` (`adapters::video_record`). `UNIQUE (platform, platform_id)`
/// keeps a video once however many runs find it (its id is derived from the same pair).
///
/// Every listing reads one index in order: its filter's column, then `created_at, id` for
/// newest first. The indexes skip deleted (tombstoned) videos, which no listing shows, except
/// `videos_by_job`, which also finds them when a job's records are removed. Each carries
/// `tombstoned_at` all the same: SQLite counts from an index alone only when it holds every
/// column the query names, the listings' `tombstoned_at IS NULL` included. Trailing columns let
/// the commonest combinations (a value, author or status with a mode or status) and the stats
/// (`videos_by_status` with `file_size`) count from the index alone too.
///
/// `video_tags` is the hashtag filter's index: one row per (tag, video) of a listed video, with
/// the video's creation time (so a tag reads newest first in key order), its mode and its
/// status, so that a hashtag with either counts from `video_tags` alone: a tag on most videos
/// with a status would otherwise look up every one of them. The status is rewritten in the
/// transaction that moves the video. The video's body keeps its tags for when it is deleted
/// and retried.
const V3: &str = "
CREATE TABLE videos (
    id BLOB NOT NULL PRIMARY KEY,
    platform TEXT NOT NULL,
    platform_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    value TEXT NOT NULL,
    job_id TEXT NOT NULL,
    run_id BLOB NOT NULL,
    author TEXT,
    status TEXT NOT NULL,
    file_size INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    tombstoned_at INTEGER,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (platform, platform_id)
) STRICT;
CREATE INDEX videos_listed ON videos (created_at, id, tombstoned_at) WHERE tombstoned_at IS NULL;
CREATE INDEX videos_by_run ON videos (run_id, created_at, id, tombstoned_at) WHERE tombstoned_at IS NULL;
CREATE INDEX videos_by_job ON videos (job_id, created_at, id, tombstoned_at, status);
CREATE INDEX videos_by_author ON videos (author, created_at, id, tombstoned_at, mode, status)
    WHERE tombstoned_at IS NULL;
CREATE INDEX videos_by_value ON videos (value, created_at, id, tombstoned_at, mode, status)
    WHERE tombstoned_at IS NULL;
CREATE INDEX videos_by_status ON videos (status, created_at, id, tombstoned_at, mode, file_size)
    WHERE tombstoned_at IS NULL;
CREATE INDEX videos_by_mode ON videos (mode, created_at, id, tombstoned_at) WHERE tombstoned_at IS NULL;

CREATE TABLE video_tags (
    tag TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    video_id BLOB NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (tag, created_at, video_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX video_tags_by_video ON video_tags (video_id, tag);
";

/// Each run's kind of work, so that a family's runs list from one index (seed 002's jobs are
/// the scrape runs), filled in for the runs already recorded from their jobs' functions; and
/// when a running run was asked to stop.
const V4: &str = "
ALTER TABLE executions ADD COLUMN kind TEXT NOT NULL DEFAULT 'script';
ALTER TABLE executions ADD COLUMN cancel_requested_at INTEGER;
UPDATE executions SET kind = 'scrape'
    WHERE job_id IN (SELECT id FROM jobs WHERE function IN ('scrape.profile', 'scrape.hashtag'));
UPDATE executions SET kind = 'clip' WHERE job_id IN (SELECT id FROM jobs WHERE function = 'clip.video');
UPDATE executions SET kind = 'cleanup'
    WHERE job_id IN (SELECT id FROM jobs WHERE function IN ('cleanup.videos', 'cleanup.executions'));
CREATE INDEX executions_by_kind ON executions (kind, id);
CREATE INDEX executions_by_kind_status ON executions (kind, status, id);
";

/// The audit log (`AuditLog`). Entries are read whole and never filtered, so a row is its JSON
/// `body` with the two columns the listing orders by. The id is the UUIDv7's text: `AuditId`
/// shows nothing else, the text sorts like the UUID, and the log gains one row per guarded
/// attempt, few enough that the bytes the text costs over a blob do not matter.
/// `audit_log_newest` is read backwards for newest first and from a cursor's `(at, id)`.
const V5: &str = "
CREATE TABLE audit_log (
    id TEXT NOT NULL PRIMARY KEY,
    at INTEGER NOT NULL,
    body TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_newest ON audit_log (at, id);
";

/// Pinned videos, which `cleanup.videos` keeps. A column rather than a field of the body, so that
/// the videos already stored read back unpinned without being rewritten.
const V6: &str = "ALTER TABLE videos ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;";

/// A hashtag with a status, in the key's order: the primary key reads every row of the tag (all
/// of them, for a tag on most videos) to count a status that few have, and as far into them as
/// an offset's worth of that status to page; this one reads only the rows of that status, newest
/// first. The mode comes last so that a hashtag with a status and a mode counts from it alone.
const V7: &str = "CREATE INDEX video_tags_by_status ON video_tags (tag, status, created_at, video_id, mode);";

/// The jobs' counts, kept by triggers: every listing of seed 001 shows them, and counting
/// 100,000 jobs twice took tens of milliseconds a request. One row, moved by each insert, delete
/// and change of `enabled`; the statements that write jobs need not know it is there.
const V8: &str = "
CREATE TABLE job_counts (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    total INTEGER NOT NULL,
    enabled INTEGER NOT NULL
) STRICT;
INSERT INTO job_counts (id, total, enabled) SELECT 1, count(*), coalesce(sum(enabled), 0) FROM jobs;
CREATE TRIGGER job_counts_after_insert AFTER INSERT ON jobs BEGIN
    UPDATE job_counts SET total = total + 1, enabled = enabled + NEW.enabled WHERE id = 1;
END;
CREATE TRIGGER job_counts_after_delete AFTER DELETE ON jobs BEGIN
    UPDATE job_counts SET total = total - 1, enabled = enabled - OLD.enabled WHERE id = 1;
END;
CREATE TRIGGER job_counts_after_enabling AFTER UPDATE OF enabled ON jobs
WHEN OLD.enabled IS NOT NEW.enabled BEGIN
    UPDATE job_counts SET enabled = enabled - OLD.enabled + NEW.enabled WHERE id = 1;
END;
";

pub(super) const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7, V8];

/// Applies the migrations the file has not seen, all in one transaction, so that a crash or a
/// concurrent opener never leaves a half-built schema behind.
pub(super) fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
    let applied: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(db_err)?;
    let known = MIGRATIONS.len();
    let applied = usize::try_from(applied).map_err(|_| StoreError::Backend(format!("bad schema version {applied}")))?;
    if applied > known {
        return Err(StoreError::Backend(format!(
            "database schema version {applied} is newer than this build understands ({known})"
        )));
    }
    if applied == known {
        return Ok(());
    }
    for sql in &MIGRATIONS[applied..] {
        tx.execute_batch(sql).map_err(db_err)?;
    }
    tx.pragma_update(None, "user_version", known as i64).map_err(db_err)?;
    tx.commit().map_err(db_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> StoreResult<i64> {
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(db_err)
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), MIGRATIONS.len() as i64);
        conn.execute("INSERT INTO executions (id, job_id, scheduled_at, attempt, status, triggered_by, created_at, progress_total, progress_processed, progress_succeeded, progress_failed) VALUES (x'01', 'j', 0, 1, 'running', 'api', 0, 0, 0, 0, 0)", []).unwrap();
        drop(conn);
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), MIGRATIONS.len() as i64);
        let rows: i64 = conn.query_row("SELECT count(*) FROM executions", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1, "reopening must keep the data");
    }

    #[test]
    fn a_version_1_file_gains_the_video_tables_and_keeps_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(V1).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute("INSERT INTO executions (id, job_id, scheduled_at, attempt, status, triggered_by, created_at, progress_total, progress_processed, progress_succeeded, progress_failed) VALUES (x'01', 'j', 0, 1, 'running', 'api', 0, 0, 0, 0, 0)", []).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), MIGRATIONS.len() as i64);
        let rows: i64 = conn.query_row("SELECT count(*) FROM executions", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1);
        let videos: i64 = conn.query_row("SELECT count(*) FROM videos", [], |r| r.get(0)).unwrap();
        assert_eq!(videos, 0);
    }

    #[tokio::test]
    async fn a_version_5_file_reads_its_videos_back_unpinned() {
        use crate::ports::VideoStore;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v5.db");
        let video = crate::test_support::videos::full_video("1");
        {
            let mut conn = Connection::open(&path).unwrap();
            let tx = conn.transaction().unwrap();
            for sql in &MIGRATIONS[..5] {
                tx.execute_batch(sql).unwrap();
            }
            tx.pragma_update(None, "user_version", 5).unwrap();
            let values = super::super::video_row::VideoValues::new(&video).unwrap();
            let columns = "id, platform, platform_id, mode, value, job_id, run_id, author, status, file_size, \
                 created_at, updated_at, tombstoned_at, version, body";
            let sql = format!(
                "INSERT INTO videos ({columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
            );
            tx.execute(&sql, &values.params()[..15]).unwrap();
            tx.commit().unwrap();
        }
        let store = super::super::SqliteStore::open(&path).unwrap();
        let read = store.get_video(video.id).await.unwrap().unwrap();
        assert!(!read.pinned);
        assert_eq!(read, video, "everything else as it was");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", MIGRATIONS.len() as i64 + 1).unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::Backend(m)) if m.contains("newer")));
    }

    #[test]
    fn a_failed_migration_leaves_nothing_behind() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE jobs (x)").unwrap();
        assert!(migrate(&mut conn).is_err());
        assert_eq!(version(&conn).unwrap(), 0);
        let tables: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'executions'", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0);
    }
}
