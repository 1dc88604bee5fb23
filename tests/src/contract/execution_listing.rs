//! Listing executions: newest first, by job, statuses and kind, in offset and cursor pages.

use std::sync::Arc;

use jobsmith::domain::execution::{Execution, ExecutionStatus};
use jobsmith::domain::ids::ExecutionId;
use jobsmith::domain::task::RunKind;
use jobsmith::ports::{ExecutionFilter, ExecutionStore, StoreError};

use super::executions::{finish, start};
use jobsmith::test_support::fixtures::{ALL, after, job_id, offset, run, secs, t0};

fn ids(items: &[Execution]) -> Vec<ExecutionId> {
    items.iter().map(|e| e.id).collect()
}

fn filter(job: Option<&str>, status: Option<ExecutionStatus>) -> ExecutionFilter {
    ExecutionFilter { job_id: job.map(job_id), statuses: status.into_iter().collect(), kind: None }
}

fn of_kind(kind: RunKind, statuses: &[ExecutionStatus]) -> ExecutionFilter {
    ExecutionFilter { job_id: None, statuses: statuses.to_vec(), kind: Some(kind) }
}

/// `count` runs, created in order, on job `x` (every third, a script) or `y` (a scrape); every
/// fourth succeeded, every fifth of the rest failed. Returns them as stored, oldest first.
async fn seed(store: &dyn ExecutionStore, count: i64) -> Vec<Execution> {
    let mut stored = Vec::new();
    for i in 0..count {
        let job = if i % 3 == 0 { "x" } else { "y" };
        let mut new = run(job, t0() + secs(i * 60), 1);
        new.kind = if job == "x" { RunKind::Script } else { RunKind::Scrape };
        let mut e = start(store, &new, 1000).await;
        if i % 4 == 0 {
            e = finish(store, &e, ExecutionStatus::Succeeded, i * 60 + 30).await;
        } else if i % 5 == 0 {
            e = finish(store, &e, ExecutionStatus::Failed, i * 60 + 30).await;
        }
        stored.push(e);
    }
    stored
}

/// What a filter should list: the matching runs, newest first.
fn expected(all: &[Execution], f: &ExecutionFilter) -> Vec<ExecutionId> {
    all.iter()
        .rev()
        .filter(|e| {
            f.job_id.as_ref().is_none_or(|j| *j == e.job_id)
                && (f.statuses.is_empty() || f.statuses.contains(&e.status))
                && f.kind.is_none_or(|k| k == e.kind)
        })
        .map(|e| e.id)
        .collect()
}

pub async fn list_is_newest_first_with_filters(store: Arc<dyn ExecutionStore>) {
    let all = seed(&*store, 10).await;
    let filters = [
        filter(None, None),
        filter(Some("x"), None),
        filter(Some("y"), None),
        filter(None, Some(ExecutionStatus::Running)),
        filter(None, Some(ExecutionStatus::Succeeded)),
        filter(Some("y"), Some(ExecutionStatus::Succeeded)),
        filter(Some("x"), Some(ExecutionStatus::Failed)),
        filter(Some("nobody"), None),
        of_kind(RunKind::Scrape, &[]),
        of_kind(RunKind::Script, &[]),
        of_kind(RunKind::Clip, &[]),
        of_kind(RunKind::Scrape, &[ExecutionStatus::Failed, ExecutionStatus::Succeeded]),
        of_kind(RunKind::Script, &[ExecutionStatus::Running]),
        ExecutionFilter { statuses: vec![ExecutionStatus::Failed, ExecutionStatus::Running], ..filter(None, None) },
        ExecutionFilter {
            statuses: vec![ExecutionStatus::Failed, ExecutionStatus::Succeeded],
            ..filter(Some("y"), None)
        },
        ExecutionFilter { kind: Some(RunKind::Script), ..filter(Some("y"), None) },
    ];
    for f in filters {
        let page = store.list_executions(&f, &offset(0, ALL)).await.expect("list");
        assert_eq!(ids(&page.items), expected(&all, &f), "{f:?}: matching executions, newest first");
        assert_eq!(page.total as usize, page.items.len(), "{f:?}: total counts the matching executions");
    }
    let newest = store.list_executions(&filter(None, None), &offset(0, 1)).await.expect("newest");
    assert_eq!(newest.items.first(), all.last(), "listed executions come back whole");
}

pub async fn offset_pages_match_the_full_listing(store: Arc<dyn ExecutionStore>) {
    let all = seed(&*store, 23).await;
    let filters = [
        filter(None, None),
        filter(Some("y"), None),
        filter(None, Some(ExecutionStatus::Running)),
        of_kind(RunKind::Scrape, &[ExecutionStatus::Running, ExecutionStatus::Failed]),
    ];
    for f in filters {
        let full = expected(&all, &f);
        let total = full.len();
        for limit in [1u32, 5, 10, 23] {
            for off in 0..=total + 1 {
                let page = store.list_executions(&f, &offset(off as u64, limit)).await.expect("offset page");
                let end = (off + limit as usize).min(total);
                let want = if off < total { full[off..end].to_vec() } else { vec![] };
                assert_eq!(ids(&page.items), want, "{f:?}: offset {off}, limit {limit}");
                assert_eq!(page.total as usize, total, "{f:?}: total at offset {off}, limit {limit}");
            }
        }
    }
}

pub async fn cursor_pages_visit_every_execution_once(store: Arc<dyn ExecutionStore>) {
    let all = seed(&*store, 23).await;
    let filters = [
        filter(None, None),
        filter(Some("x"), None),
        filter(None, Some(ExecutionStatus::Succeeded)),
        filter(Some("y"), Some(ExecutionStatus::Running)),
        of_kind(RunKind::Scrape, &[]),
        of_kind(RunKind::Script, &[ExecutionStatus::Succeeded, ExecutionStatus::Running]),
    ];
    for f in filters {
        let full = expected(&all, &f);
        for limit in [1u32, 2, 4, 10, 22, 23, 24] {
            let (store, f) = (&store, &f);
            let page_at = |request| async move { store.list_executions(f, &request).await.expect("a page") };
            let seen =
                crate::cursor_walk::walk(&format!("{f:?}"), limit, full.len(), page_at, |e: &Execution| e.id).await;
            assert_eq!(seen, full, "{f:?}, limit {limit}: cursor pages must visit every execution once, in order");
        }
    }
}

/// A walk without totals reads what the listing lists, by cursor and from an offset.
pub async fn walks_read_what_the_listing_lists(store: Arc<dyn ExecutionStore>) {
    let all = seed(&*store, 23).await;
    for f in [filter(None, None), filter(Some("x"), Some(ExecutionStatus::Succeeded)), of_kind(RunKind::Scrape, &[])] {
        let full = expected(&all, &f);
        for limit in [1u32, 4, 23, 24] {
            let (store, f) = (&store, &f);
            let slice_at = |request| async move { store.walk_executions(f, &request).await.expect("a slice") };
            let seen =
                crate::cursor_walk::walk(&format!("{f:?}"), limit, full.len(), slice_at, |e: &Execution| e.id).await;
            assert_eq!(seen, full, "{f:?}, limit {limit}: a walk must visit every execution once, in order");
        }
        for off in [0, 1, full.len() / 2, full.len()] {
            let listed = store.list_executions(&f, &offset(off as u64, 5)).await.expect("a page");
            let walked = store.walk_executions(&f, &offset(off as u64, 5)).await.expect("a slice");
            assert_eq!(ids(&walked.items), ids(&listed.items), "{f:?}: offset {off}");
            assert_eq!(walked.next_cursor.is_some(), listed.next_cursor.is_some(), "{f:?}: more after offset {off}");
        }
    }
}

pub async fn a_malformed_cursor_is_refused(store: Arc<dyn ExecutionStore>) {
    seed(&*store, 3).await;
    let err = store.list_executions(&filter(None, None), &after("!!not a cursor!!", 10)).await.expect_err("bad cursor");
    assert!(matches!(err, StoreError::BadCursor), "a malformed cursor must be BadCursor, got {err:?}");
}

pub async fn count_running_counts_every_job(store: Arc<dyn ExecutionStore>) {
    assert_eq!(store.count_running().await.expect("count empty"), 0, "an empty store has nothing running");
    let a1 = start(&*store, &run("a", t0(), 1), 5).await;
    start(&*store, &run("a", t0() + secs(60), 1), 5).await;
    start(&*store, &run("b", t0(), 1), 1).await;
    store.start_execution(&run("b", t0() + secs(60), 1), 1).await.expect("skipped start");
    store.insert_pending(&run("b", t0() + secs(120), 1)).await.expect("pending");
    assert_eq!(store.count_running().await.expect("count"), 3, "running runs of every job, not skipped or pending");
    finish(&*store, &a1, ExecutionStatus::Succeeded, 30).await;
    assert_eq!(store.count_running().await.expect("count"), 2, "a finished run no longer counts");
}
