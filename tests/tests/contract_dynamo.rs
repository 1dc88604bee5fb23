//! The store, video and audit contracts over `DynamoStore` on moto, each check on a table of its own,
//! plus what only the DynamoDB store promises: expiry by TTL, leases, and optimistic locking under a race.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use jobsmith::adapters::aws::dynamo::aws_sdk_dynamodb::Client;
use jobsmith::adapters::aws::dynamo::aws_sdk_dynamodb::types::{AttributeValue, BillingMode, TimeToLiveStatus};
use jobsmith::adapters::aws::dynamo::{DynamoStore, LEASE_LAPSED, Retention, create_table};
use jobsmith::domain::execution::{Execution, ExecutionStatus};
use jobsmith::domain::job::JobFilter;
use jobsmith::domain::video::{TombstoneCause, VideoId};
use jobsmith::ports::{
    AuditLog, Clock, ExecutionFilter, ExecutionStore, JobStore, PageRequest, StartOutcome, StoreError, SystemClock,
    VideoStore,
};
use jobsmith::test_support::fixtures::{job, job_id, run, secs, t0};
use jobsmith::test_support::videos::full_video;
use jobsmith_tests::audit_contract::AuditBackend;
use jobsmith_tests::contract::{Backend, Writes};
use jobsmith_tests::moto::MotoServer;
use jobsmith_tests::video_contract::VideoBackend;

/// Hands out fresh tables on one moto server.
struct Tables {
    _moto: MotoServer,
    client: Client,
    next: AtomicUsize,
}

impl Tables {
    async fn start() -> Self {
        let moto = MotoServer::start().await;
        let client = Client::new(&moto.sdk_config().await);
        Self { _moto: moto, client, next: AtomicUsize::new(0) }
    }

    async fn store(&self, retention: Retention, clock: Arc<dyn Clock>) -> DynamoStore {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        new_store(&self.client, n, retention).await.with_clock(clock)
    }

    async fn fresh(&self) -> DynamoStore {
        self.store(Retention::default(), Arc::new(SystemClock)).await
    }
}

async fn new_store(client: &Client, n: usize, retention: Retention) -> DynamoStore {
    let table = format!("jobsmith-{}-{n}", uuid::Uuid::new_v4().simple());
    create_table(client, &table).await.expect("create table");
    DynamoStore::new(client.clone(), table, retention)
}

/// A table of its own on the moto server this test binary shares: the contract is many short
/// tests, and starting moto for each would take longer than the checks.
struct SharedMoto(Arc<DynamoStore>);

impl Backend for SharedMoto {
    const WRITES: Writes = Writes::Unisolated;

    async fn open() -> Self {
        let moto = MotoServer::shared().await;
        let client = Client::new(&moto.sdk_config().await);
        Self(Arc::new(new_store(&client, 0, Retention::default()).await))
    }

    fn job_store(&self) -> Arc<dyn JobStore> {
        self.0.clone()
    }

    fn execution_store(&self) -> Arc<dyn ExecutionStore> {
        self.0.clone()
    }
}

impl VideoBackend for SharedMoto {
    async fn open() -> Self {
        <Self as Backend>::open().await
    }

    fn video_store(&self) -> Arc<dyn VideoStore> {
        self.0.clone()
    }
}

impl AuditBackend for SharedMoto {
    async fn open() -> Self {
        <Self as Backend>::open().await
    }

    fn audit_log(&self) -> Arc<dyn AuditLog> {
        self.0.clone()
    }
}

jobsmith_tests::store_contract!(moto: SharedMoto);
jobsmith_tests::video_contract!(videos_moto: SharedMoto);
jobsmith_tests::audit_contract!(audit_moto: SharedMoto);

#[tokio::test]
async fn the_table_has_the_documented_shape() {
    let tables = Tables::start().await;
    let store = tables.fresh().await;
    let described = tables.client.describe_table().table_name(store.table()).send().await.expect("describe");
    let table = described.table.expect("table");
    let billing = table.billing_mode_summary.and_then(|b| b.billing_mode);
    assert_eq!(billing, Some(BillingMode::PayPerRequest));
    let mut indexes: Vec<String> =
        table.global_secondary_indexes.unwrap_or_default().into_iter().filter_map(|i| i.index_name).collect();
    indexes.sort();
    assert_eq!(
        indexes,
        [
            "executions_by_created",
            "executions_by_job",
            "executions_by_kind",
            "executions_by_status",
            "jobs_by_created",
            "jobs_due",
            "videos_by_author",
            "videos_by_created",
            "videos_by_hashtag",
            "videos_by_job",
            "videos_by_mode",
            "videos_by_run",
            "videos_by_status",
            "videos_by_value",
        ]
    );
    let ttl = tables.client.describe_time_to_live().table_name(store.table()).send().await.expect("describe ttl");
    let ttl = ttl.time_to_live_description.expect("ttl description");
    assert_eq!(ttl.attribute_name.as_deref(), Some("expires_at"));
    assert_eq!(ttl.time_to_live_status, Some(TimeToLiveStatus::Enabled));
}

/// A wall clock the test moves.
struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().expect("clock lock") = at;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

async fn started(store: &DynamoStore, e: &Execution, max_instances: u32) -> Execution {
    match store.start_execution(e, max_instances).await.expect("start") {
        StartOutcome::Started(e) => e,
        other => panic!("expected a start, got {other:?}"),
    }
}

async fn finished(store: &DynamoStore, e: &Execution, status: ExecutionStatus, at: DateTime<Utc>) -> Execution {
    let done = Execution { status, finished_at: Some(at), ..e.clone() };
    store.finish_execution(&done).await.expect("finish");
    done
}

fn all() -> PageRequest {
    PageRequest { offset: 0, limit: 1000, cursor: None }
}

#[tokio::test]
async fn expired_executions_are_invisible_though_moto_keeps_them() {
    let tables = Tables::start().await;
    let clock = Arc::new(TestClock(Mutex::new(t0())));
    let retention = Retention { succeeded: Duration::days(1), failed: Duration::days(10) };
    let store = tables.store(retention, clock.clone()).await;

    let ok = started(&store, &run("job", t0(), 1), 5).await;
    let ok = finished(&store, &ok, ExecutionStatus::Succeeded, t0() + secs(10)).await;
    let bad = started(&store, &run("job", t0() + secs(60), 1), 5).await;
    let bad = finished(&store, &bad, ExecutionStatus::Failed, t0() + secs(70)).await;
    let live = started(&store, &run("job", t0() + secs(120), 1), 5).await;
    let skipped = run("job", t0() + secs(180), 1).finish_without_running(ExecutionStatus::Skipped, "late".into(), t0());
    assert!(store.insert_finished(&skipped).await.expect("insert skipped"));

    clock.set(t0() + Duration::days(2));
    assert_eq!(store.get_execution(ok.id).await.expect("get"), None, "a success past its retention is gone");
    assert_eq!(store.get_execution(skipped.id).await.expect("get"), None, "skips keep the success retention");
    assert_eq!(store.get_execution(bad.id).await.expect("get"), Some(bad.clone()), "failures are kept longer");
    let filters = [
        ExecutionFilter::default(),
        ExecutionFilter::of_job(job_id("job")),
        ExecutionFilter::with_status(ExecutionStatus::Succeeded),
        ExecutionFilter { job_id: Some(job_id("job")), statuses: vec![ExecutionStatus::Succeeded], kind: None },
    ];
    for filter in filters {
        let page = store.list_executions(&filter, &all()).await.expect("list");
        assert!(page.items.iter().all(|e| e.id != ok.id && e.id != skipped.id), "{filter:?}: listed an expired run");
        assert_eq!(page.total as usize, page.items.len(), "{filter:?}: counted an expired run");
    }
    let everything = store.list_executions(&ExecutionFilter::default(), &all()).await.expect("list");
    let ids: Vec<_> = everything.items.iter().map(|e| e.id).collect();
    assert_eq!(ids, [live.id, bad.id], "what is left, newest first");
    assert_eq!(store.count_running().await.expect("count"), 1, "a running run never expires");

    let raw = tables
        .client
        .get_item()
        .table_name(store.table())
        .key("pk", AttributeValue::S(format!("EXEC#{}", ok.id)))
        .key("sk", AttributeValue::S("EXEC".into()))
        .send()
        .await
        .expect("raw get");
    let expires = raw.item.as_ref().and_then(|i| i.get("expires_at")).and_then(|v| v.as_n().ok()).cloned();
    let expected = (t0() + secs(10) + Duration::days(1)).timestamp().to_string();
    assert_eq!(expires, Some(expected), "moto still holds the item, with its TTL: only the reads hide it");

    let again = store.start_execution(&run("job", t0(), 1), 5).await.expect("start the expired run key");
    assert!(matches!(again, StartOutcome::Started(_)), "an expired run no longer holds its run key, got {again:?}");
    assert_eq!(
        store.purge_finished(t0() + Duration::days(30), t0()).await.expect("purge"),
        0,
        "expired runs are not counted"
    );
}

#[tokio::test]
async fn a_lapsed_lease_stops_blocking_max_instances_once_reaped() {
    let tables = Tables::start().await;
    let store = tables.fresh().await.with_lease(Duration::minutes(1));

    let crashed = started(&store, &run("job", t0(), 1), 1).await;
    let blocked = store.start_execution(&run("job", t0() + secs(30), 1), 1).await.expect("start while held");
    assert!(matches!(blocked, StartOutcome::Skipped(_)), "a live lease holds the slot, got {blocked:?}");
    assert_eq!(store.reap_expired_leases(t0() + secs(59)).await.expect("reap early"), vec![], "the lease still runs");

    assert_eq!(store.reap_expired_leases(t0() + secs(61)).await.expect("reap"), vec![crashed.id]);
    let reaped = store.get_execution(crashed.id).await.expect("get").expect("reaped run");
    assert_eq!(reaped.status, ExecutionStatus::Failed, "a reaped run is failed");
    assert_eq!(reaped.error.as_deref(), Some(LEASE_LAPSED));
    assert_eq!(reaped.finished_at, Some(t0() + secs(61)));
    assert_eq!(store.count_running().await.expect("count"), 0);
    assert_eq!(store.reap_expired_leases(t0() + secs(600)).await.expect("reap again"), vec![], "reaped once");
    let next = started(&store, &run("job", t0() + secs(90), 1), 1).await;
    assert!(!store.renew_lease(crashed.id, t0() + secs(3600)).await.expect("renew reaped"), "a reaped run is over");

    // A renewed lease holds past its first end; a start that finds the job full reaps by itself.
    assert!(store.renew_lease(next.id, t0() + secs(300)).await.expect("renew"));
    assert_eq!(store.reap_expired_leases(t0() + secs(200)).await.expect("reap"), vec![], "the renewal holds");
    let blocked = store.start_execution(&run("job", t0() + secs(200), 1), 1).await.expect("start while renewed");
    assert!(matches!(blocked, StartOutcome::Skipped(_)), "got {blocked:?}");
    let after = started(&store, &run("job", t0() + secs(301), 1), 1).await;
    let lapsed = store.get_execution(next.id).await.expect("get").expect("lapsed run");
    assert_eq!((lapsed.status, lapsed.error.as_deref()), (ExecutionStatus::Failed, Some(LEASE_LAPSED)));
    assert_eq!(store.count_running().await.expect("count"), 1, "only the new run is running");

    // Finishing frees the slot once: a late finish of the reaped run changes no counter.
    finished(&store, &after, ExecutionStatus::Succeeded, t0() + secs(320)).await;
    finished(&store, &crashed, ExecutionStatus::Succeeded, t0() + secs(330)).await;
    started(&store, &run("job", t0() + secs(400), 1), 1).await;
    let full = store.start_execution(&run("job", t0() + secs(401), 1), 1).await.expect("start beyond max");
    assert!(matches!(full, StartOutcome::Skipped(_)), "the counter still admits one, got {full:?}");
}

#[tokio::test]
async fn a_lost_update_is_a_conflict() {
    let tables = Tables::start().await;
    let store = tables.fresh().await;
    let original = job("edited", t0());
    store.insert_job(&original).await.expect("insert");

    // Two writers both read version 1; the first to write wins and the second is told. (They run
    // one after the other: moto does not isolate concurrent conditional writes, DynamoDB does.)
    let [alice, bob] = ["alice", "bob"].map(|who| {
        let mut j = original.clone();
        j.name = format!("renamed by {who}");
        j.version = 2;
        j
    });
    store.update_job(&alice, 1).await.expect("the first writer wins");
    let lost = store.update_job(&bob, 1).await.expect_err("the second writer read a stale version");
    assert!(matches!(lost, StoreError::Conflict), "a lost update must be Conflict, got {lost:?}");
    assert_eq!(store.get_job(&original.id).await.expect("get"), Some(alice), "the winner's write is the one stored");

    store.delete_job(&original.id).await.expect("delete");
    let gone = store.update_job(&original, 1).await.expect_err("update a deleted job");
    assert!(matches!(gone, StoreError::NotFound), "a missing job is NotFound, got {gone:?}");
    let listed = store.list_jobs(&JobFilter::default(), &all()).await.expect("list");
    assert_eq!(listed.total, 0, "a refused update creates nothing");
}

#[tokio::test]
async fn deep_offsets_are_capped() {
    let tables = Tables::start().await;
    let store = tables.fresh().await.with_max_offset_walk(3);
    for i in 0..10 {
        store.insert_job(&job(&format!("j{i}"), t0() + secs(i))).await.expect("insert");
    }
    let page = |offset| PageRequest { offset, limit: 1, cursor: None };
    let near_end = store.list_jobs(&JobFilter::default(), &page(8)).await.expect("near the end walks back");
    assert_eq!(near_end.items.first().map(|j| j.id.to_string()).as_deref(), Some("j8"));
    let err = store.list_jobs(&JobFilter::default(), &page(5)).await.expect_err("the middle is too deep");
    assert!(matches!(err, StoreError::OffsetTooDeep), "got {err:?}");
}

#[tokio::test]
async fn ping_fails_when_the_table_is_not_there() {
    let tables = Tables::start().await;
    tables.fresh().await.ping().await.expect("a table that exists answers");
    let missing = DynamoStore::new(tables.client.clone(), "jobsmith-no-such-table", Retention::default());
    assert!(matches!(missing.ping().await, Err(StoreError::Backend(_))), "an unreachable table is a failure");
}

/// The items of a video's partition, by sort key, as moto holds them.
async fn video_partition(tables: &Tables, store: &DynamoStore, id: VideoId) -> Vec<(String, bool)> {
    let out = tables
        .client
        .query()
        .table_name(store.table())
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("VIDEO#{id}")))
        .consistent_read(true)
        .send()
        .await
        .expect("query the video's partition");
    let mut items: Vec<(String, bool)> = out
        .items
        .unwrap_or_default()
        .iter()
        .map(|i| (i.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default(), i.contains_key("listed")))
        .collect();
    items.sort();
    items
}

#[tokio::test]
async fn a_deleted_video_keeps_its_item_and_loses_its_index_entries() {
    let tables = Tables::start().await;
    let store = tables.fresh().await;
    let video = full_video("7123456789012345678");
    store.upsert_video(&video).await.expect("upsert");
    let listed = |sk: &str| (sk.to_owned(), true);
    assert_eq!(
        video_partition(&tables, &store, video.id).await,
        [listed("TAG#comedy"), listed("TAG#funny"), listed("TAG#ça"), listed("VIDEO")],
        "the video and one item per hashtag, all in the listing indexes"
    );
    store.tombstone_video(video.id, TombstoneCause::User, t0() + secs(1)).await.expect("delete");
    assert_eq!(
        video_partition(&tables, &store, video.id).await,
        [("VIDEO".to_owned(), false)],
        "a deleted video keeps its item, without the listing sort key, and no hashtag items"
    );
    store.retry_video(video.id, t0() + secs(2)).await.expect("retry");
    assert_eq!(video_partition(&tables, &store, video.id).await.len(), 4, "a retry brings them back");
    store.delete_job_videos(&video.job_id).await.expect("delete the job's videos");
    assert_eq!(video_partition(&tables, &store, video.id).await, [], "removing the job's records leaves nothing");
}
