//! Jobs by id: insert, get, update under a version, delete.

use std::sync::Arc;

use jobsmith::domain::task::{ScriptLanguage, TaskSpec};
use jobsmith::domain::trigger::Trigger;
use jobsmith::ports::{JobStore, StoreError};

use jobsmith::test_support::fixtures::{full_job, job, job_id, secs, t0};

pub async fn insert_then_get_round_trips(store: Arc<dyn JobStore>) {
    let full = full_job("full.job-1");
    let plain = job("plain_job", t0() + secs(1));
    store.insert_job(&full).await.expect("insert the full job");
    store.insert_job(&plain).await.expect("insert the plain job");
    assert_eq!(store.get_job(&full.id).await.expect("get"), Some(full), "every field of a job must round-trip");
    assert_eq!(store.get_job(&plain.id).await.expect("get"), Some(plain), "empty optional fields must round-trip");
    assert_eq!(store.get_job(&job_id("missing")).await.expect("get missing"), None, "an unknown id reads as None");
}

pub async fn insert_refuses_a_taken_id(store: Arc<dyn JobStore>) {
    let first = job("taken", t0());
    store.insert_job(&first).await.expect("first insert");
    let second = jobsmith::domain::job::Job { name: "impostor".to_owned(), ..job("taken", t0() + secs(9)) };
    let err = store.insert_job(&second).await.expect_err("a second insert with the same id must fail");
    assert!(matches!(err, StoreError::AlreadyExists), "a taken id must be AlreadyExists, got {err:?}");
    assert_eq!(store.get_job(&first.id).await.expect("get"), Some(first), "a refused insert must change nothing");
}

pub async fn update_checks_the_version(store: Arc<dyn JobStore>) {
    let original = job("versioned", t0());
    store.insert_job(&original).await.expect("insert");

    let mut changed = original.clone();
    changed.name = "renamed".to_owned();
    changed.description = Some("now with a description".to_owned());
    changed.task = TaskSpec::Script { language: ScriptLanguage::Python, script_path: "x.py".to_owned(), args: vec![] };
    changed.trigger = Trigger::Date { run_at: t0() + secs(3600) };
    changed.next_run_at = Some(t0() + secs(3600));
    changed.enabled = false;
    changed.updated_at = t0() + secs(10);
    changed.updated_by = Some("carol".to_owned());
    changed.version = 2;
    store.update_job(&changed, 1).await.expect("an update naming the stored version must succeed");
    assert_eq!(store.get_job(&changed.id).await.expect("get"), Some(changed.clone()), "the update must be stored");

    let mut stale = changed.clone();
    stale.name = "lost update".to_owned();
    stale.version = 3;
    let err = store.update_job(&stale, 1).await.expect_err("an update naming an old version must fail");
    assert!(matches!(err, StoreError::Conflict), "a stale version must be Conflict, got {err:?}");
    assert_eq!(store.get_job(&changed.id).await.expect("get"), Some(changed), "a refused update must change nothing");

    let ghost = job("ghost", t0());
    let err = store.update_job(&ghost, 1).await.expect_err("updating a missing job must fail");
    assert!(matches!(err, StoreError::NotFound), "a missing job must be NotFound, got {err:?}");
    assert_eq!(store.get_job(&ghost.id).await.expect("get"), None, "updating a missing job must not create it");
}

pub async fn delete_reports_whether_it_existed(store: Arc<dyn JobStore>) {
    let doomed = job("doomed", t0());
    let kept = job("kept", t0());
    store.insert_job(&doomed).await.expect("insert");
    store.insert_job(&kept).await.expect("insert");
    assert!(store.delete_job(&doomed.id).await.expect("delete"), "deleting a stored job must report true");
    assert_eq!(store.get_job(&doomed.id).await.expect("get"), None, "a deleted job must be gone");
    assert!(!store.delete_job(&doomed.id).await.expect("delete again"), "deleting it again must report false");
    assert_eq!(store.get_job(&kept.id).await.expect("get"), Some(kept), "a delete must touch only its job");
    store.insert_job(&doomed).await.expect("a deleted id must be free to use again");
}

pub async fn ping_answers_and_adds_nothing(store: Arc<dyn JobStore>) {
    store.ping().await.expect("an empty store answers");
    store.insert_job(&job("present", t0())).await.expect("insert");
    store.ping().await.expect("a store with jobs answers");
    let counts = store.count_jobs().await.expect("count");
    assert_eq!(counts.total, 1, "a ping writes nothing that counts as a job");
}
