//! The store contract over `SqliteStore`, each check on a fresh database file.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jobsmith::adapters::local::sqlite::SqliteStore;
use jobsmith::ports::{ExecutionStore, JobStore};
use jobsmith_tests::contract;

/// Hands out a new file in one temporary directory per test; the directory outlives the stores.
struct Files {
    dir: tempfile::TempDir,
    next: AtomicUsize,
}

impl Files {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir"), next: AtomicUsize::new(0) }
    }

    fn open(&self) -> SqliteStore {
        let path: PathBuf = self.dir.path().join(format!("store-{}.db", self.next.fetch_add(1, Ordering::Relaxed)));
        SqliteStore::open(&path).expect("open sqlite store")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn job_store_contract() {
    let files = Files::new();
    contract::run_job_store_contract(|| {
        let store: Arc<dyn JobStore> = Arc::new(files.open());
        async move { store }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn execution_store_contract() {
    let files = Files::new();
    contract::run_execution_store_contract(|| {
        let store: Arc<dyn ExecutionStore> = Arc::new(files.open());
        async move { store }
    })
    .await;
}

/// The in-memory store shares one connection between reads and writes; it must keep the same
/// promises.
#[tokio::test]
async fn in_memory_store_keeps_the_contract() {
    contract::run_job_store_contract(|| {
        let store: Arc<dyn JobStore> = Arc::new(SqliteStore::open_in_memory().expect("open in memory"));
        async move { store }
    })
    .await;
    contract::run_execution_store_contract(|| {
        let store: Arc<dyn ExecutionStore> = Arc::new(SqliteStore::open_in_memory().expect("open in memory"));
        async move { store }
    })
    .await;
}
