//! Listing jobs: creation order, filters, offset and cursor pages, counts.

use std::sync::Arc;

use jobsmith::domain::ids::JobId;
use jobsmith::domain::job::{Job, JobCounts, JobFilter};
use jobsmith::domain::task::{ScriptLanguage, TaskFunction, TaskSpec};
use jobsmith::ports::{JobStore, StoreError};

use jobsmith::test_support::fixtures::{ALL, after, job, job_id, offset, secs, t0};

fn ids(jobs: &[Job]) -> Vec<JobId> {
    jobs.iter().map(|j| j.id.clone()).collect()
}

async fn list_all(store: &dyn JobStore, filter: &JobFilter) -> Vec<Job> {
    let page = store.list_jobs(filter, &offset(0, ALL)).await.expect("list everything");
    assert_eq!(page.total as usize, page.items.len(), "total must count the filtered jobs");
    page.items
}

/// 25 jobs, inserted out of order, three to each creation time so that ties are exercised, with
/// ids that do not sort like their creation times; every fourth is disabled.
async fn seed(store: &dyn JobStore) {
    for i in 0..25i64 {
        let n = (i * 7) % 25;
        let mut j = job(&format!("job-{:02}", (n * 11) % 25), t0() + secs(n / 3));
        j.enabled = n % 4 != 0;
        store.insert_job(&j).await.expect("insert");
    }
}

pub async fn list_is_in_creation_order(store: Arc<dyn JobStore>) {
    for (id, at) in [("c", 30), ("a", 10), ("e", 50), ("b", 20), ("d", 40), ("f", -5)] {
        store.insert_job(&job(id, t0() + secs(at))).await.expect("insert");
    }
    let names: Vec<String> = list_all(&*store, &JobFilter::default()).await.iter().map(|j| j.id.to_string()).collect();
    assert_eq!(names, ["f", "a", "b", "c", "d", "e"], "jobs must list oldest first, whatever the insert order");
}

pub async fn list_filters_by_name_enabled_and_function(store: Arc<dyn JobStore>) {
    let bash = |path: &str| TaskSpec::Script { language: ScriptLanguage::Bash, script_path: path.into(), args: vec![] };
    let python =
        |path: &str| TaskSpec::Script { language: ScriptLanguage::Python, script_path: path.into(), args: vec![] };
    let cleanup = TaskSpec::CleanupExecutions { retention_days: 30, failed_retention_days: 60, dry_run: false };
    let rows = [
        ("a", "Nightly Backup", bash("a.sh"), true),
        ("b", "nightly-report", python("b.py"), true),
        ("c", "Weekly BACKUP", bash("c.sh"), false),
        ("d", "cleanup", cleanup, true),
        ("e", "100% done", python("e.py"), false),
        ("f", "Café Élan", bash("f.sh"), true),
    ];
    for (i, (id, name, task, enabled)) in rows.into_iter().enumerate() {
        let j = Job { name: name.to_owned(), task, enabled, ..job(id, t0() + secs(i as i64)) };
        store.insert_job(&j).await.expect("insert");
    }
    let cases: [(&str, JobFilter, &[&str]); 11] = [
        ("no filter", JobFilter::default(), &["a", "b", "c", "d", "e", "f"]),
        ("name 'backup'", name("backup"), &["a", "c"]),
        ("name 'NIGHTLY'", name("NIGHTLY"), &["a", "b"]),
        ("name '%' (no wildcards)", name("%"), &["e"]),
        ("name 'élan' (non-ASCII case)", name("élan"), &["f"]),
        ("name 'zzz'", name("zzz"), &[]),
        ("enabled", JobFilter { enabled: Some(true), ..Default::default() }, &["a", "b", "d", "f"]),
        ("disabled", JobFilter { enabled: Some(false), ..Default::default() }, &["c", "e"]),
        ("function python", function(TaskFunction::ScriptPython), &["b", "e"]),
        ("enabled + name 'backup'", JobFilter { enabled: Some(true), ..name("backup") }, &["a"]),
        (
            "enabled + function bash",
            JobFilter { enabled: Some(true), ..function(TaskFunction::ScriptBash) },
            &["a", "f"],
        ),
    ];
    for (what, filter, expected) in cases {
        let found: Vec<String> = list_all(&*store, &filter).await.iter().map(|j| j.id.to_string()).collect();
        assert_eq!(found, expected, "filter {what}");
    }
    let cleanup = list_all(&*store, &function(TaskFunction::CleanupExecutions)).await;
    assert_eq!(cleanup.len(), 1, "filter function cleanup.executions");
}

fn name(needle: &str) -> JobFilter {
    JobFilter { name_contains: Some(needle.to_owned()), ..Default::default() }
}

fn function(f: TaskFunction) -> JobFilter {
    JobFilter { function: Some(f), ..Default::default() }
}

pub async fn offset_pages_match_the_full_listing(store: Arc<dyn JobStore>) {
    seed(&*store).await;
    for filter in [JobFilter::default(), JobFilter { enabled: Some(true), ..Default::default() }] {
        let full = list_all(&*store, &filter).await;
        assert!(full.windows(2).all(|w| w[0].created_at <= w[1].created_at), "listing must be oldest first");
        let total = full.len();
        for limit in [1u32, 4, 10, 25] {
            for off in 0..=total + 1 {
                let page = store.list_jobs(&filter, &offset(off as u64, limit)).await.expect("offset page");
                let end = (off + limit as usize).min(total);
                let expected = if off < total { ids(&full[off..end]) } else { vec![] };
                assert_eq!(ids(&page.items), expected, "{filter:?}: offset {off}, limit {limit}");
                assert_eq!(page.total as usize, total, "{filter:?}: total at offset {off}, limit {limit}");
            }
        }
        let far = store.list_jobs(&filter, &offset(10_000, 10)).await.expect("page far past the end");
        assert!(far.items.is_empty(), "a page past the end must be empty");
        assert_eq!(far.total as usize, total, "a page past the end still reports the total");
    }
}

pub async fn cursor_pages_visit_every_job_once(store: Arc<dyn JobStore>) {
    seed(&*store).await;
    for filter in [JobFilter::default(), JobFilter { enabled: Some(false), ..Default::default() }] {
        let full = ids(&list_all(&*store, &filter).await);
        for limit in [1u32, 2, 3, 7, 10, 24, 25, 26] {
            let mut seen = Vec::new();
            let mut page = store.list_jobs(&filter, &offset(0, limit)).await.expect("first page");
            for round in 0.. {
                assert!(round <= full.len() + 1, "{filter:?}, limit {limit}: cursors never end");
                assert!(page.items.len() <= limit as usize, "{filter:?}, limit {limit}: page over the limit");
                assert_eq!(page.total as usize, full.len(), "{filter:?}, limit {limit}: total on a cursor page");
                seen.extend(ids(&page.items));
                let Some(cursor) = page.next_cursor.take() else { break };
                assert!(!page.items.is_empty(), "{filter:?}, limit {limit}: an empty page must not offer a cursor");
                page = store.list_jobs(&filter, &after(&cursor, limit)).await.expect("next page");
            }
            assert_eq!(seen, full, "{filter:?}, limit {limit}: cursor pages must visit every job once, in order");
        }
    }
}

/// A walk without totals reads what the listing lists, by cursor and from an offset.
pub async fn walks_read_what_the_listing_lists(store: Arc<dyn JobStore>) {
    seed(&*store).await;
    for filter in [JobFilter::default(), JobFilter { enabled: Some(false), ..Default::default() }] {
        let full = ids(&list_all(&*store, &filter).await);
        for limit in [1u32, 3, 25, 26] {
            let (store, filter) = (&store, &filter);
            let slice_at = |request| async move { store.walk_jobs(filter, &request).await.expect("a slice") };
            let seen =
                crate::cursor_walk::walk(&format!("{filter:?}"), limit, full.len(), slice_at, |j: &Job| j.id.clone())
                    .await;
            assert_eq!(seen, full, "{filter:?}, limit {limit}: a walk must visit every job once, in order");
        }
        for off in [0, 1, full.len() / 2, full.len()] {
            let listed = store.list_jobs(&filter, &offset(off as u64, 5)).await.expect("a page");
            let walked = store.walk_jobs(&filter, &offset(off as u64, 5)).await.expect("a slice");
            assert_eq!(ids(&walked.items), ids(&listed.items), "{filter:?}: offset {off}");
            assert_eq!(
                walked.next_cursor.is_some(),
                listed.next_cursor.is_some(),
                "{filter:?}: more after offset {off}"
            );
        }
    }
}

pub async fn a_malformed_cursor_is_refused(store: Arc<dyn JobStore>) {
    seed(&*store).await;
    let err = store.list_jobs(&JobFilter::default(), &after("!!not a cursor!!", 10)).await.expect_err("bad cursor");
    assert!(matches!(err, StoreError::BadCursor), "a malformed cursor must be BadCursor, got {err:?}");
}

pub async fn counts_follow_inserts_and_deletes(store: Arc<dyn JobStore>) {
    let counts = store.count_jobs().await.expect("count empty");
    assert_eq!(counts, JobCounts { total: 0, enabled: 0, disabled: 0 }, "an empty store counts nothing");
    for (id, enabled) in [("a", true), ("b", true), ("c", true), ("d", false), ("e", false)] {
        store.insert_job(&Job { enabled, ..job(id, t0()) }).await.expect("insert");
    }
    assert_eq!(store.count_jobs().await.expect("count"), JobCounts { total: 5, enabled: 3, disabled: 2 });
    store.delete_job(&job_id("d")).await.expect("delete");
    assert_eq!(store.count_jobs().await.expect("count"), JobCounts { total: 4, enabled: 3, disabled: 1 });
    let disabled = Job { enabled: false, version: 2, ..job("a", t0()) };
    store.update_job(&disabled, 1).await.expect("disable a");
    assert_eq!(store.count_jobs().await.expect("count"), JobCounts { total: 4, enabled: 2, disabled: 2 });
}
