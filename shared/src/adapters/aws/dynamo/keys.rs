//! Item keys and the attribute names of the table and its indexes, and the encodings that make
//! times and ids sort as strings.

use chrono::{DateTime, Utc};

use crate::domain::audit::AuditId;
use crate::domain::ids::{ExecutionId, JobId};

pub(super) const PK: &str = "pk";
pub(super) const SK: &str = "sk";
/// The TTL attribute, in epoch seconds.
pub(super) const EXPIRES_AT: &str = "expires_at";

/// A global secondary index: its name and key attributes.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Index {
    pub name: &'static str,
    pub pk: &'static str,
    pub sk: &'static str,
}

/// Every job, oldest first: partition `JOBS`, sort `<created>#<id>`.
pub(super) const JOBS_BY_CREATED: Index = Index { name: "jobs_by_created", pk: "jobs_pk", sk: "jobs_sk" };
/// Sparse: only active jobs with a next run, earliest first: partition `DUE`, sort `<next>#<id>`.
pub(super) const JOBS_DUE: Index = Index { name: "jobs_due", pk: "due_pk", sk: "due_sk" };
/// Every execution, by id (UUIDv7, so by creation): partition `EXECS`.
pub(super) const EXECUTIONS_BY_CREATED: Index = Index { name: "executions_by_created", pk: "execs_pk", sk: "exec_id" };
pub(super) const EXECUTIONS_BY_JOB: Index = Index { name: "executions_by_job", pk: "job_id", sk: "exec_id" };
/// Every execution, by its kind of work (`RunKind`): seed 002's jobs are the scrape runs.
pub(super) const EXECUTIONS_BY_KIND: Index = Index { name: "executions_by_kind", pk: "exec_kind", sk: "exec_id" };
pub(super) const EXECUTIONS_BY_STATUS: Index = Index { name: "executions_by_status", pk: "status", sk: "exec_id" };

pub(super) const JOB_SK: &str = "JOB";
/// The per-job item holding how many of the job's runs are running.
pub(super) const COUNTER_SK: &str = "RUNNING";
pub(super) const EXECUTION_SK: &str = "EXEC";
pub(super) const JOBS_PARTITION: &str = "JOBS";
pub(super) const DUE_PARTITION: &str = "DUE";
pub(super) const EXECUTIONS_PARTITION: &str = "EXECS";
/// Every audit entry, in the table itself: partition `AUDIT`, sort `<at>#<audit id>`.
pub(super) const AUDIT_PARTITION: &str = "AUDIT";
/// Deleted jobs whose history is still to be removed, in the table itself: partition `PURGE`,
/// sort `<job id>#<bound>`.
pub(super) const PURGE_PARTITION: &str = "PURGE";

const JOB_PREFIX: &str = "JOB#";
const EXECUTION_PREFIX: &str = "EXEC#";
const GUARD_PREFIX: &str = "RUN#";

/// Ten to the sixteenth: every millisecond chrono can represent (about ±8.3e15) fits in 16 digits.
const SPAN: i128 = 10_000_000_000_000_000;

/// A millisecond time as a fixed-width string that sorts like the number: 16 digits, and for a
/// time before 1970 a `-` (which sorts before every digit) and the complement to 10^16, so that
/// earlier still sorts first. Real times read as plain milliseconds in the console.
pub(super) fn sortable_ms(ms: i64) -> String {
    let ms = i128::from(ms).clamp(-(SPAN - 1), SPAN - 1);
    if ms >= 0 { format!("{ms:016}") } else { format!("-{:016}", SPAN + ms) }
}

pub(super) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn job_pk(id: &JobId) -> String {
    format!("{JOB_PREFIX}{id}")
}

pub(super) fn parse_job_pk(pk: &str) -> Option<JobId> {
    JobId::parse(pk.strip_prefix(JOB_PREFIX)?).ok()
}

/// Creation order, ties by id: what SQLite orders jobs by.
pub(super) fn job_order(created_ms: i64, id: &JobId) -> String {
    format!("{}#{id}", sortable_ms(created_ms))
}

pub(super) fn due_order(next_ms: i64, id: &JobId) -> String {
    format!("{}#{id}", sortable_ms(next_ms))
}

/// Every `due_order` at or before `until_ms` sorts below this, and none after it.
pub(super) fn due_before(until_ms: i64) -> String {
    sortable_ms(until_ms.saturating_add(1))
}

/// One guard per (job, scheduled time, attempt), in the job's partition.
pub(super) fn guard_sk(scheduled_ms: i64, attempt: u32) -> String {
    format!("{GUARD_PREFIX}{}#{attempt:010}", sortable_ms(scheduled_ms))
}

pub(super) fn execution_pk(id: ExecutionId) -> String {
    format!("{EXECUTION_PREFIX}{id}")
}

pub(super) fn parse_execution_pk(pk: &str) -> Option<ExecutionId> {
    ExecutionId::parse(pk.strip_prefix(EXECUTION_PREFIX)?)
}

/// An audit entry's place: time, ties by id, as SQLite orders the log. The same id and time give
/// the same key, which is what lets a second write of an entry replace the first.
pub(super) fn audit_sk(at_ms: i64, id: AuditId) -> String {
    format!("{}#{id}", sortable_ms(at_ms))
}

/// Whether `sk` is an [`audit_sk`], as a cursor must name one.
pub(super) fn is_audit_sk(sk: &str) -> bool {
    let Some((time, id)) = sk.split_once('#') else { return false };
    let digits = time.strip_prefix('-').unwrap_or(time);
    let time_fits = digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_digit());
    time_fits && AuditId::parse(id).is_some_and(|parsed| parsed.to_string() == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortable_times_sort_like_numbers() {
        let times = [-8_300_000_000_000_000, -1_000, -2, -1, 0, 1, 9, 10, 1_893_553_445_678, 8_300_000_000_000_000];
        let encoded: Vec<String> = times.iter().map(|&t| sortable_ms(t)).collect();
        let mut sorted = encoded.clone();
        sorted.sort();
        assert_eq!(encoded, sorted);
        assert_eq!(sortable_ms(1_893_553_445_678), "0001893553445678", "real times read as milliseconds");
        assert_eq!(sortable_ms(-1), "-9999999999999999");
    }

    #[test]
    fn order_keys_break_ties_by_id_and_bound_due_times() {
        let (a, b) = (JobId::parse("a").unwrap(), JobId::parse("b").unwrap());
        assert!(job_order(5, &a) < job_order(5, &b));
        assert!(job_order(5, &b) < job_order(6, &a));
        assert!(job_order(-1, &b) < job_order(0, &a));
        assert!(due_order(100, &b) < due_before(100), "due at `until` is included");
        assert!(due_order(101, &a) > due_before(100), "due after `until` is excluded");
        assert!(due_order(-1, &a) < due_before(-1));
        assert!(due_order(0, &a) > due_before(-1));
    }

    #[test]
    fn keys_round_trip() {
        let job = JobId::parse("nightly.backup-1").unwrap();
        assert_eq!(parse_job_pk(&job_pk(&job)), Some(job));
        assert_eq!(parse_job_pk("JOB#a b"), None);
        assert_eq!(parse_job_pk("EXEC#x"), None);
        let id = ExecutionId::generate();
        assert_eq!(parse_execution_pk(&execution_pk(id)), Some(id));
        assert_eq!(parse_execution_pk("JOB#x"), None);
        assert_eq!(guard_sk(1_000, 2), "RUN#0000000000001000#0000000002");
    }

    #[test]
    fn audit_keys_sort_by_time_then_id_and_are_recognised() {
        let (a, b) = (AuditId::generate(), AuditId::generate());
        assert!(audit_sk(5, a) < audit_sk(5, b), "ties by id");
        assert!(audit_sk(5, b) < audit_sk(6, a));
        assert!(audit_sk(-1, b) < audit_sk(0, a));
        assert!(is_audit_sk(&audit_sk(1_893_553_445_678, a)) && is_audit_sk(&audit_sk(-1, a)));
        assert!(!is_audit_sk(&format!("5#{a}")), "a time of another width");
        assert!(!is_audit_sk(&format!("{}#{}", sortable_ms(5), a.to_string().to_uppercase())));
        assert!(!is_audit_sk(&sortable_ms(5)));
        assert!(!is_audit_sk("EXEC"));
    }

    #[test]
    fn execution_ids_sort_as_text() {
        let ids: Vec<ExecutionId> = (0..50).map(|_| ExecutionId::generate()).collect();
        let text: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let mut sorted = text.clone();
        sorted.sort();
        assert_eq!(text, sorted, "the index sort key is the id's text; it must sort like the id");
    }
}
