//! Measurements against the local targets (GET by id at 20,000/s with p99 under 10 ms on two
//! cores; the last page of 100,000 jobs as fast as the first; startup under 50 ms). Ignored by
//! default; run with
//! `cargo test --release -p jobsmith-shared --lib sqlite::bench -- --ignored --nocapture`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::SqliteStore;
use super::tests::job;
use crate::domain::ids::JobId;
use crate::domain::job::JobFilter;
use crate::ports::{JobStore, PageRequest};

const JOBS: usize = 100_000;
const CLIENTS: usize = 64;
const GETS_PER_CLIENT: usize = 2_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

#[test]
#[ignore = "a measurement, not a check"]
fn local_targets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let store = SqliteStore::open(&path).unwrap();
        let started = Instant::now();
        for i in 0..JOBS {
            let mut j = job(&format!("job-{i:06}"));
            j.created_at += chrono::TimeDelta::milliseconds(i as i64);
            store.insert_job(&j).await.unwrap();
        }
        println!("insert {JOBS} jobs one by one: {:?}", started.elapsed());
    });

    let started = Instant::now();
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    println!("open with {JOBS} jobs: {:?}", started.elapsed());

    rt.block_on(async {
        let started = Instant::now();
        let mut clients = tokio::task::JoinSet::new();
        for c in 0..CLIENTS {
            let store = store.clone();
            clients.spawn(async move {
                let mut latencies = Vec::with_capacity(GETS_PER_CLIENT);
                for i in 0..GETS_PER_CLIENT {
                    let id = JobId::parse(&format!("job-{:06}", (c * 7919 + i * 104_729) % JOBS)).unwrap();
                    let t = Instant::now();
                    assert!(store.get_job(&id).await.unwrap().is_some());
                    latencies.push(t.elapsed());
                }
                latencies
            });
        }
        let mut latencies: Vec<Duration> = clients.join_all().await.into_iter().flatten().collect();
        let elapsed = started.elapsed();
        latencies.sort();
        println!(
            "get_job, {CLIENTS} concurrent clients: {:.0}/s, p50 {:?}, p99 {:?}, max {:?}",
            latencies.len() as f64 / elapsed.as_secs_f64(),
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99),
            latencies[latencies.len() - 1],
        );

        for offset in [0, 10_000, 50_000, 50_001, 90_000, JOBS as u64 - 100] {
            let page = PageRequest { offset, limit: 100, cursor: None };
            let mut times: Vec<Duration> = Vec::new();
            for _ in 0..20 {
                let t = Instant::now();
                let listed = store.list_jobs(&JobFilter::default(), &page).await.unwrap();
                times.push(t.elapsed());
                assert_eq!(listed.items.len(), 100);
            }
            times.sort();
            println!("list_jobs offset {offset}, limit 100: median {:?}", times[times.len() / 2]);
        }
        let enabled = JobFilter { enabled: Some(true), ..Default::default() };
        let t = Instant::now();
        store.list_jobs(&enabled, &PageRequest { offset: JOBS as u64 - 100, limit: 100, cursor: None }).await.unwrap();
        println!("list_jobs enabled filter, last page: {:?}", t.elapsed());
    });
}
