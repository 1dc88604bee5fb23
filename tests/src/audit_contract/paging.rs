//! Reading the log: newest first by time then id, in cursor pages of a clamped size.

use std::sync::Arc;

use chrono::DateTime;
use jobsmith::domain::audit::{AuditEntry, AuditId};
use jobsmith::ports::{AuditLog, AuditPage, MAX_AUDIT_PAGE, StoreError};
use jobsmith::test_support::fixtures::{secs, t0};

use super::{entry, ids, newest_first, record_all};

/// `count` entries a second apart, recorded oldest first.
async fn seed(log: &dyn AuditLog, count: u64) -> Vec<AuditEntry> {
    let mut all: Vec<AuditEntry> = (0..count).map(|n| entry(n, t0() + secs(n as i64))).collect();
    record_all(log, &all).await;
    newest_first(&mut all);
    all
}

/// Every page from the first on, following each cursor; ends within `total + 1` pages.
async fn walk(log: &dyn AuditLog, limit: u32, total: usize) -> Vec<AuditPage> {
    let mut pages = vec![log.list_audit(None, limit).await.expect("first page")];
    while let Some(cursor) = pages.last().and_then(|p| p.next_cursor.clone()) {
        assert!(pages.len() <= total, "limit {limit}: cursors never end");
        pages.push(log.list_audit(Some(&cursor), limit).await.expect("a page after a cursor"));
    }
    pages
}

pub async fn pages_are_newest_first_by_time_then_id(log: Arc<dyn AuditLog>) {
    let before_1970 = DateTime::from_timestamp_millis(-1_500).expect("in range");
    // Recorded in neither time nor id order; 4, 2, 7 and 5 share a time.
    let mut all = vec![
        entry(4, t0()),
        entry(1, t0() + secs(5)),
        entry(2, t0()),
        entry(9, before_1970),
        entry(7, t0()),
        entry(3, t0() - secs(5)),
        entry(5, t0()),
        entry(8, t0() + secs(1)),
    ];
    record_all(&*log, &all).await;
    newest_first(&mut all);
    let page = log.list_audit(None, MAX_AUDIT_PAGE).await.expect("list");
    assert_eq!(ids(&page.entries), ids(&all), "newest first, entries of one time by id descending");
    let shared: Vec<AuditId> = ids(&page.entries).into_iter().skip(2).take(4).collect();
    assert_eq!(shared, [7, 5, 4, 2].map(super::audit_id), "ties by id, descending");
}

pub async fn cursor_pages_visit_every_entry_once(log: Arc<dyn AuditLog>) {
    let all = seed(&*log, 5).await;
    // Two leaves a short last page; one and five end exactly on the last entry.
    for limit in [2u32, 1, 3, 4, 5, 6] {
        let pages = walk(&*log, limit, all.len()).await;
        for page in &pages {
            assert!(page.entries.len() <= limit as usize, "limit {limit}: a page over the limit");
        }
        let last = pages.last().expect("a page");
        assert_eq!(last.entries.last(), all.last(), "limit {limit}: the page with the oldest entry has no cursor");
        let seen: Vec<AuditEntry> = pages.into_iter().flat_map(|p| p.entries).collect();
        assert_eq!(seen, all, "limit {limit}: every entry once, newest first");
    }
}

pub async fn limits_are_clamped(log: Arc<dyn AuditLog>) {
    let all = seed(&*log, u64::from(MAX_AUDIT_PAGE) + 5).await;
    let one = log.list_audit(None, 0).await.expect("limit 0");
    assert_eq!(ids(&one.entries), ids(&all[..1]), "limit 0 reads as 1");
    assert!(one.next_cursor.is_some(), "and more follow");
    for limit in [MAX_AUDIT_PAGE, MAX_AUDIT_PAGE + 1, u32::MAX] {
        let page = log.list_audit(None, limit).await.expect("a large limit");
        assert_eq!(ids(&page.entries), ids(&all[..MAX_AUDIT_PAGE as usize]), "limit {limit}: at most a full page");
        let cursor = page.next_cursor.expect("more follow a full page");
        let rest = log.list_audit(Some(&cursor), limit).await.expect("the rest");
        assert_eq!(ids(&rest.entries), ids(&all[MAX_AUDIT_PAGE as usize..]), "limit {limit}: the rest");
        assert_eq!(rest.next_cursor, None, "limit {limit}: the last page");
    }
}

pub async fn a_malformed_cursor_is_refused(log: Arc<dyn AuditLog>) {
    seed(&*log, 3).await;
    let handed = log.list_audit(None, 1).await.expect("a page").next_cursor.expect("a cursor");
    let cut = &handed[..handed.len() / 2];
    for raw in ["!!not a cursor!!", "", "e30", cut] {
        let err = log.list_audit(Some(raw), 10).await.expect_err("bad cursor");
        assert!(matches!(err, StoreError::BadCursor), "{raw:?}: a malformed cursor must be BadCursor, got {err:?}");
    }
}

pub async fn an_empty_log_is_one_empty_page(log: Arc<dyn AuditLog>) {
    for limit in [0, 10, MAX_AUDIT_PAGE] {
        let page = log.list_audit(None, limit).await.expect("list an empty log");
        assert_eq!(page, AuditPage { entries: Vec::new(), next_cursor: None }, "limit {limit}");
    }
}
