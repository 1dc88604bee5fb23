//! Entries by id: what is recorded reads back unchanged, and a second record of an id is the
//! one that stays.

use std::sync::Arc;

use jobsmith::domain::audit::{AuditCounts, AuditEntry, AuditOutcome, MAX_TEXT_BYTES};
use jobsmith::ports::{AuditLog, MAX_AUDIT_PAGE};
use jobsmith::test_support::fixtures::{secs, t0};

use super::{entry, newest_first, record_all};

/// Every field set, with text at its longest and counts past what a double holds exactly.
fn full(n: u64) -> AuditEntry {
    AuditEntry {
        outcome: AuditOutcome::Partial,
        status: 207,
        principal: "operator-ça".to_owned(),
        client_address: Some("2001:db8::17".to_owned()),
        user_agent: Some("é".repeat(MAX_TEXT_BYTES / 2)),
        reason: Some("2 files could not be deleted: \"videos/a.mp4\" (permission denied)\n…".to_owned()),
        counts: AuditCounts { files_found: (1 << 53) + 1, bytes_found: u64::MAX, files_removed: 3, files_failed: 2 },
        ..entry(n, t0() + secs(n as i64))
    }
}

pub async fn an_entry_round_trips_exactly(log: Arc<dyn AuditLog>) {
    let outcomes = [
        AuditOutcome::Refused,
        AuditOutcome::Started,
        AuditOutcome::DryRun,
        AuditOutcome::Completed,
        AuditOutcome::Partial,
        AuditOutcome::Failed,
    ];
    let mut all = vec![full(1), entry(2, t0() + secs(2))];
    all.extend(outcomes.iter().zip(3..).map(|(&outcome, n)| AuditEntry { outcome, ..entry(n, t0() + secs(n as i64)) }));
    record_all(&*log, &all).await;
    newest_first(&mut all);
    let page = log.list_audit(None, MAX_AUDIT_PAGE).await.expect("list");
    assert_eq!(page.entries, all, "every field of every entry must read back as recorded");
    assert_eq!(page.next_cursor, None, "one page holds them all");
}

pub async fn a_second_record_of_an_id_replaces_the_first_in_place(log: Arc<dyn AuditLog>) {
    let started = |n: u64| AuditEntry { outcome: AuditOutcome::Started, status: 202, ..full(n) };
    let mut all = vec![started(1), started(2), started(3)];
    record_all(&*log, &all).await;

    // The finished outcome replaces the attempt written before the first delete, at its time.
    let done = AuditEntry {
        outcome: AuditOutcome::Completed,
        status: 200,
        reason: None,
        counts: AuditCounts { files_found: 7, bytes_found: 9_000, files_removed: 7, files_failed: 0 },
        ..started(2)
    };
    log.record(&done).await.expect("record the outcome");
    all[1] = done.clone();
    newest_first(&mut all);
    let page = log.list_audit(None, MAX_AUDIT_PAGE).await.expect("list");
    assert_eq!(page.entries, all, "one entry per id, the second record in the first one's place");

    log.record(&done).await.expect("record the same entry again");
    let again = log.list_audit(None, MAX_AUDIT_PAGE).await.expect("list");
    assert_eq!(again.entries, all, "recording an entry again changes nothing");
}
