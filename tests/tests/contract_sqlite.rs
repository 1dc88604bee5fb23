//! The store, video and audit contracts over `SqliteStore`: each check on a fresh database file, and
//! again on the in-memory store, which shares one connection between reads and writes and must
//! keep the same promises.

use std::sync::Arc;

use jobsmith::adapters::local::sqlite::SqliteStore;
use jobsmith::ports::{AuditLog, ExecutionStore, JobStore, VideoStore};
use jobsmith_tests::audit_contract::AuditBackend;
use jobsmith_tests::contract::{Backend, Writes};
use jobsmith_tests::video_contract::VideoBackend;

/// A store in a database file of its own; the directory goes with the store.
struct SqliteFile {
    store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
}

impl Backend for SqliteFile {
    const WRITES: Writes = Writes::Isolated;

    async fn open() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("store.db")).expect("open sqlite store");
        Self { store: Arc::new(store), _dir: dir }
    }

    fn job_store(&self) -> Arc<dyn JobStore> {
        self.store.clone()
    }

    fn execution_store(&self) -> Arc<dyn ExecutionStore> {
        self.store.clone()
    }
}

impl VideoBackend for SqliteFile {
    async fn open() -> Self {
        <Self as Backend>::open().await
    }

    fn video_store(&self) -> Arc<dyn VideoStore> {
        self.store.clone()
    }
}

impl AuditBackend for SqliteFile {
    async fn open() -> Self {
        <Self as Backend>::open().await
    }

    fn audit_log(&self) -> Arc<dyn AuditLog> {
        self.store.clone()
    }
}

struct SqliteInMemory(Arc<SqliteStore>);

impl Backend for SqliteInMemory {
    const WRITES: Writes = Writes::Isolated;

    async fn open() -> Self {
        Self(Arc::new(SqliteStore::open_in_memory().expect("open in memory")))
    }

    fn job_store(&self) -> Arc<dyn JobStore> {
        self.0.clone()
    }

    fn execution_store(&self) -> Arc<dyn ExecutionStore> {
        self.0.clone()
    }
}

impl VideoBackend for SqliteInMemory {
    async fn open() -> Self {
        <Self as Backend>::open().await
    }

    fn video_store(&self) -> Arc<dyn VideoStore> {
        self.0.clone()
    }
}

impl AuditBackend for SqliteInMemory {
    async fn open() -> Self {
        <Self as Backend>::open().await
    }

    fn audit_log(&self) -> Arc<dyn AuditLog> {
        self.0.clone()
    }
}

jobsmith_tests::store_contract!(file: SqliteFile);
jobsmith_tests::store_contract!(in_memory: SqliteInMemory);
jobsmith_tests::video_contract!(videos_file: SqliteFile);
jobsmith_tests::video_contract!(videos_in_memory: SqliteInMemory);
jobsmith_tests::audit_contract!(audit_file: SqliteFile);
jobsmith_tests::audit_contract!(audit_in_memory: SqliteInMemory);
