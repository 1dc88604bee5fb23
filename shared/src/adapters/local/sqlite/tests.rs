//! What only SQLite has: query plans, file settings, precision, and the choices the contract
//! leaves to each backend. The port semantics themselves are checked by the contract suite in
//! `jobsmith-tests`.

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::Connection;
use rusqlite::types::Value;

use super::{SqliteStore, executions, jobs, schema, videos};
use crate::domain::execution::{Execution, ExecutionStatus, TriggeredBy};
use crate::domain::ids::JobId;
use crate::domain::job::{Job, JobCounts, JobFilter, Policies, RunCounters};
use crate::domain::task::{ScriptLanguage, TaskFunction, TaskSpec};
use crate::domain::trigger::Trigger;

use crate::ports::{ExecutionFilter, ExecutionStore, JobStore, PageRequest, StartOutcome, StoreError, VideoFilter};
use crate::test_support::videos::every_filter_combination;

/// The plan SQLite picks, one step per line, with every parameter unbound (NULL).
fn explain(conn: &Connection, sql: &str) -> String {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let nulls = vec![Value::Null; stmt.parameter_count()];
    let rows = stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3)).unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
}

fn hot_queries() -> Vec<(String, String)> {
    let mut queries = vec![
        ("job by id".to_owned(), jobs::select_by_id().to_owned()),
        ("due jobs".to_owned(), jobs::select_due(true)),
        ("next due job".to_owned(), jobs::select_due(false)),
        ("job counts".to_owned(), jobs::COUNT.to_owned()),
        ("execution by id".to_owned(), executions::select_by_id().to_owned()),
        ("pending executions".to_owned(), executions::select_pending()),
        ("running for a job".to_owned(), executions::RUNNING_FOR_JOB.to_owned()),
        ("count by status".to_owned(), executions::COUNT_WITH_STATUS.to_owned()),
        ("fail running".to_owned(), executions::FAIL_RUNNING.to_owned()),
        ("delete a job's executions".to_owned(), executions::DELETE_FOR_JOB.to_owned()),
        ("purge".to_owned(), executions::PURGE.to_owned()),
        ("video by id".to_owned(), videos::select_by_id().to_owned()),
        ("video by platform id".to_owned(), videos::select_by_source().to_owned()),
        ("update a video".to_owned(), videos::UPDATE.to_owned()),
        ("a video's tags".to_owned(), videos::TAGS_OF.to_owned()),
        ("untag a video".to_owned(), videos::UNTAG.to_owned()),
        ("tag a video".to_owned(), videos::TAG.to_owned()),
        ("delete a job's videos".to_owned(), videos::DELETE_FOR_JOB.to_owned()),
        ("video counts".to_owned(), videos::COUNTS.to_owned()),
    ];
    let job_filters = [
        JobFilter::default(),
        JobFilter { name_contains: Some("x".into()), ..Default::default() },
        JobFilter { function: Some(TaskFunction::ScriptBash), enabled: Some(false), ..Default::default() },
    ];
    let job_id = JobId::parse("a").ok();
    let execution_filters = [
        ExecutionFilter::default(),
        ExecutionFilter { job_id: job_id.clone(), ..ExecutionFilter::default() },
        ExecutionFilter::with_status(ExecutionStatus::Running),
        ExecutionFilter { job_id, statuses: vec![ExecutionStatus::Running], kind: None },
    ];
    let listings = job_filters.iter().map(|f| (format!("jobs {f:?}"), jobs::listing(f)));
    let listings =
        listings.chain(execution_filters.iter().map(|f| (format!("executions {f:?}"), executions::listing(f))));
    let listings = listings.chain(video_filters().into_iter().map(|f| (format!("videos {f:?}"), videos::listing(&f))));
    for (what, listing) in listings {
        queries.push((format!("count {what}"), listing.count_sql()));
        queries.push((format!("page {what}"), listing.page_sql(false, false)));
        queries.push((format!("reverse page {what}"), listing.page_sql(true, false)));
        queries.push((format!("page after a cursor {what}"), listing.page_sql(false, true)));
    }
    queries
}

/// Every combination of the video filters: each one picks its index, and must read it in order.
fn video_filters() -> Vec<VideoFilter> {
    every_filter_combination().collect()
}

#[test]
fn every_hot_query_reads_an_index_in_order() {
    let mut conn = Connection::open_in_memory().unwrap();
    schema::migrate(&mut conn).unwrap();
    for (what, sql) in hot_queries() {
        let plan = explain(&conn, &sql);
        assert!(!plan.contains("TEMP B-TREE"), "{what} sorts instead of reading an index in order:\n{plan}");
        // Steps that read a table or an index; the others head a subquery or a join.
        for step in plan.lines().filter(|s| s.starts_with("SCAN") || s.starts_with("SEARCH")) {
            let keyed = step.contains("INDEX") || step.contains("PRIMARY KEY");
            assert!(keyed, "{what} reads the table without an index:\n{plan}");
        }
    }
    let plan = explain(&conn, &jobs::select_due(true));
    assert!(plan.contains("jobs_due"), "due jobs must use the partial index:\n{plan}");
    let plan = explain(&conn, executions::RUNNING_FOR_JOB);
    assert!(plan.contains("COVERING INDEX"), "the max_instances guard must count from an index alone:\n{plan}");
    let plan = explain(&conn, &jobs::listing(&JobFilter { enabled: Some(true), ..Default::default() }).count_sql());
    assert!(plan.contains("COVERING INDEX"), "a filtered job count must not read the table:\n{plan}");
    for filter in video_filters().into_iter().filter(counts_from_an_index_alone) {
        let plan = explain(&conn, &videos::listing(&filter).count_sql());
        for step in plan.lines().filter(|s| s.starts_with("SCAN") || s.starts_with("SEARCH")) {
            let alone = step.contains("COVERING INDEX") || step.contains("PRIMARY KEY");
            assert!(alone, "videos {filter:?}: the total must not read the videos table:\n{plan}");
        }
    }
    let plan = explain(&conn, videos::COUNTS);
    assert!(plan.contains("COVERING INDEX videos_by_status"), "stats count from the status index:\n{plan}");
    let tag_and_status = videos::listing(&VideoFilter {
        hashtag: Some(crate::test_support::videos::tag("fyp")),
        status: Some(crate::domain::video::VideoStatus::Failed),
        ..VideoFilter::default()
    });
    for sql in [tag_and_status.count_sql(), tag_and_status.page_sql(false, false), tag_and_status.page_sql(false, true)]
    {
        let plan = explain(&conn, &sql);
        let by_status = plan.contains("video_tags_by_status (tag=? AND status=?");
        assert!(by_status, "a hashtag with a status reads only that status's rows:\n{plan}");
    }
}

/// The filters whose total the indexes answer alone: each filter by itself, and the
/// combinations the trailing index columns are there for.
fn counts_from_an_index_alone(f: &VideoFilter) -> bool {
    let set = [
        f.mode.is_some(),
        f.value.is_some(),
        f.author_username.is_some(),
        f.hashtag.is_some(),
        f.status.is_some(),
        f.job_id.is_some(),
    ];
    let [mode, value, author, hashtag, status, job] = set;
    let set = [set.as_slice(), &[f.run_id.is_some()]].concat();
    match set.iter().filter(|on| **on).count() {
        0 | 1 => true,
        2 => (author || value) && (mode || status || hashtag) || status && mode || job && status || hashtag,
        3 => mode && status && (author != value || hashtag),
        _ => false,
    }
}

fn t(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_800_000_000_000 + ms).unwrap()
}

pub(super) fn job(id: &str) -> Job {
    Job {
        id: JobId::parse(id).unwrap(),
        name: id.to_owned(),
        description: None,
        task: TaskSpec::Script { language: ScriptLanguage::Bash, script_path: "a.sh".into(), args: vec![] },
        trigger: Trigger::Interval { every_seconds: 60, anchor: t(0) },
        policies: Policies::default(),
        enabled: true,
        paused: false,
        created_at: t(0),
        updated_at: t(0),
        created_by: None,
        updated_by: None,
        next_run_at: Some(t(60_000)),
        last_run_at: None,
        last_status: None,
        counters: RunCounters::default(),
        version: 1,
    }
}

fn run(job: &str, scheduled_ms: i64) -> Execution {
    Execution::new(
        JobId::parse(job).unwrap(),
        crate::domain::task::RunKind::Script,
        t(scheduled_ms),
        1,
        TriggeredBy::Scheduler,
        None,
        t(scheduled_ms),
    )
}

#[tokio::test]
async fn times_keep_whole_milliseconds() {
    let store = SqliteStore::open_in_memory().unwrap();
    let fine = t(5) + TimeDelta::nanoseconds(123_456);
    let j = Job { created_at: fine, updated_at: fine, next_run_at: Some(fine), ..job("precise") };
    store.insert_job(&j).await.unwrap();
    let stored = store.get_job(&j.id).await.unwrap().unwrap();
    assert_eq!((stored.created_at, stored.updated_at, stored.next_run_at), (t(5), t(5), Some(t(5))));
    assert!(store.advance_next_run(&j.id, fine, None).await.unwrap(), "a claim compares at millisecond precision");

    let e = Execution { created_at: fine, scheduled_at: fine, ..run("precise", 0) };
    let StartOutcome::Started(started) = store.start_execution(&e, 1).await.unwrap() else { panic!("not started") };
    assert_eq!((started.created_at, started.scheduled_at, started.started_at), (t(5), t(5), Some(t(5))));
    assert_eq!(store.get_execution(e.id).await.unwrap(), Some(started), "start returns the execution as stored");
}

#[tokio::test]
async fn a_file_store_uses_wal_and_keeps_its_data_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/store.db");
    let store = SqliteStore::open(&path).unwrap();
    store.insert_job(&job("durable")).await.unwrap();
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    assert!(store.get_job(&JobId::parse("durable").unwrap()).await.unwrap().is_some());
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn a_closed_file_store_leaves_no_wal_for_the_next_start_to_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).unwrap();
    for n in 0..50 {
        store.insert_job(&job(&format!("job-{n}"))).await.unwrap();
    }
    drop(store);
    let wal = std::fs::metadata(dir.path().join("store.db-wal")).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal, 0, "the WAL still holds {wal} bytes");
    let store = SqliteStore::open(&path).unwrap();
    assert!(store.get_job(&JobId::parse("job-49").unwrap()).await.unwrap().is_some());
}

#[tokio::test]
async fn start_records_the_guard_details() {
    let store = SqliteStore::open_in_memory().unwrap();
    let given = Execution { started_at: Some(t(7)), ..run("j", 0) };
    let StartOutcome::Started(started) = store.start_execution(&given, 1).await.unwrap() else { panic!() };
    assert_eq!(started.started_at, Some(t(7)), "a start time the caller set is kept");
    let StartOutcome::Started(started) = store.start_execution(&run("j", 10), 2).await.unwrap() else { panic!() };
    assert_eq!(started.started_at, Some(t(10)), "otherwise the run starts when it was created");
    let StartOutcome::Skipped(skipped) = store.start_execution(&run("j", 20), 2).await.unwrap() else { panic!() };
    assert_eq!(skipped.error.as_deref(), Some("skipped: max instances (2) reached"));
    assert_eq!((skipped.started_at, skipped.finished_at), (None, Some(t(20))));
}

#[tokio::test]
async fn paging_details() {
    let store = SqliteStore::open_in_memory().unwrap();
    for i in 0..5 {
        store.insert_job(&job(&format!("j{i}"))).await.unwrap();
        store.start_execution(&run("j0", i * 1000), 10).await.unwrap();
    }
    let all = JobFilter::default();
    let last = store.list_jobs(&all, &PageRequest { offset: 3, limit: 2, cursor: None }).await.unwrap();
    assert_eq!(last.next_cursor, None, "the last page offers no cursor");
    let first = store.list_jobs(&all, &PageRequest { offset: 0, limit: 2, cursor: None }).await.unwrap();
    let cursor = first.next_cursor.unwrap();
    let page = PageRequest { offset: 0, limit: 2, cursor: Some(cursor) };
    let err = store.list_executions(&ExecutionFilter::default(), &page).await.unwrap_err();
    assert!(matches!(err, StoreError::BadCursor), "a jobs cursor is refused by the executions listing");
    let newest = PageRequest { limit: 4, ..Default::default() };
    let exec_cursor = store.list_executions(&ExecutionFilter::default(), &newest).await.unwrap().next_cursor.unwrap();
    let page = PageRequest { offset: 0, limit: 4, cursor: Some(exec_cursor) };
    let rest = store.list_executions(&ExecutionFilter::default(), &page).await.unwrap();
    assert_eq!((rest.items.len(), rest.next_cursor), (1, None), "the cursor's last page offers no cursor");
}

#[tokio::test]
async fn an_update_keeps_the_run_record() {
    let store = SqliteStore::open_in_memory().unwrap();
    let j = job("counted");
    store.insert_job(&j).await.unwrap();
    store.record_run(&j.id, ExecutionStatus::Succeeded, t(100)).await.unwrap();
    // Read before the run was recorded: the update must not write back the old counters.
    let renamed = Job { name: "renamed".into(), version: 2, ..j.clone() };
    store.update_job(&renamed, 1).await.unwrap();
    let stored = store.get_job(&j.id).await.unwrap().unwrap();
    assert_eq!((stored.name.as_str(), stored.counters.total, stored.last_run_at), ("renamed", 1, Some(t(100))));
    let err = store.record_run(&JobId::parse("gone").unwrap(), ExecutionStatus::Failed, t(0)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound));
}

/// The counts the triggers keep, beside a count of the rows themselves.
async fn kept_and_counted(store: &SqliteStore, path: &std::path::Path) -> (JobCounts, (u64, u64), u64) {
    let kept = store.count_jobs().await.unwrap();
    let listed = store.list_jobs(&JobFilter::default(), &PageRequest::default()).await.unwrap().total;
    let conn = Connection::open(path).unwrap();
    let counted: (i64, i64) = conn
        .query_row("SELECT count(*), coalesce(sum(enabled), 0) FROM jobs", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    (kept, (counted.0 as u64, counted.1 as u64), listed)
}

#[tokio::test]
async fn the_kept_job_counts_follow_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("counts.db");
    let store = SqliteStore::open(&path).unwrap();
    for id in ["a", "b", "c"] {
        store.insert_job(&job(id)).await.unwrap();
    }
    store.insert_job(&Job { enabled: false, ..job("off") }).await.unwrap();
    assert!(store.insert_job(&job("a")).await.is_err(), "a second insert of an id is refused");
    store.update_job(&Job { enabled: false, version: 2, ..job("b") }, 1).await.unwrap();
    store.update_job(&Job { name: "renamed".into(), enabled: false, version: 3, ..job("b") }, 2).await.unwrap();
    store.update_job(&Job { enabled: true, version: 2, ..job("off") }, 1).await.unwrap();
    assert!(store.delete_job(&JobId::parse("c").unwrap()).await.unwrap());
    store.record_run(&JobId::parse("a").unwrap(), ExecutionStatus::Succeeded, t(5)).await.unwrap();

    let (kept, counted, listed) = kept_and_counted(&store, &path).await;
    assert_eq!(counted, (3, 2), "a, off (enabled since) and b (disabled)");
    assert_eq!((kept.total, kept.enabled, kept.disabled), (3, 2, 1));
    assert_eq!(listed, 3, "the listing's total reads the same counts");
}

#[tokio::test]
async fn a_file_from_before_the_kept_counts_gains_them_true() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v7.db");
    let store = SqliteStore::open(&path).unwrap();
    for id in ["a", "b"] {
        store.insert_job(&job(id)).await.unwrap();
    }
    store.insert_job(&Job { enabled: false, ..job("off") }).await.unwrap();
    drop(store);
    // The file as version 7 left it: no counts table, no triggers.
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER job_counts_after_insert; DROP TRIGGER job_counts_after_delete; \
         DROP TRIGGER job_counts_after_enabling; DROP TABLE job_counts; PRAGMA user_version = 7;",
    )
    .unwrap();
    drop(conn);

    let store = SqliteStore::open(&path).unwrap();
    let (kept, counted, listed) = kept_and_counted(&store, &path).await;
    assert_eq!(counted, (3, 2));
    assert_eq!((kept.total, kept.enabled, kept.disabled, listed), (3, 2, 1, 3));
    store.insert_job(&job("new")).await.unwrap();
    assert_eq!(store.count_jobs().await.unwrap().total, 4, "the triggers came with the table");
}

/// Reads by id are kept between writes (`job_cache`); every kind of write that changes a job
/// must show in the next read, and a kept job must be what the file holds.
#[tokio::test]
async fn a_job_read_by_id_follows_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db")).unwrap();
    let j = job("kept");
    store.insert_job(&j).await.unwrap();
    let read = || async { store.get_job(&j.id).await.unwrap() };
    assert_eq!(read().await, Some(j.clone()));
    assert_eq!(read().await, Some(j.clone()), "read again from the cache");

    store.update_job(&Job { name: "renamed".into(), version: 2, ..j.clone() }, 1).await.unwrap();
    assert_eq!(read().await.map(|s| (s.name, s.version)), Some(("renamed".to_owned(), 2)));
    assert!(store.advance_next_run(&j.id, t(60_000), Some(t(120_000))).await.unwrap());
    assert_eq!(read().await.and_then(|s| s.next_run_at), Some(t(120_000)));
    store.record_run(&j.id, ExecutionStatus::Failed, t(130_000)).await.unwrap();
    assert_eq!(read().await.map(|s| (s.counters.failed, s.last_run_at)), Some((1, Some(t(130_000)))));
    // A write to another table moves the generation on too: nothing is kept across it.
    store.start_execution(&run("kept", 0), 1).await.unwrap();
    assert_eq!(read().await.map(|s| s.version), Some(2));
    assert!(store.delete_job(&j.id).await.unwrap());
    assert_eq!(read().await, None);
}
