//! The object contract over the local folder store, each check in a folder of its own.

use std::sync::Arc;

use jobsmith::adapters::local::objects::LocalObjectStore;
use jobsmith::ports::ObjectStore;
use jobsmith_tests::object_contract::ObjectBackend;

struct Folder {
    store: Arc<LocalObjectStore>,
    _dir: tempfile::TempDir,
}

impl ObjectBackend for Folder {
    const KEEPS_CONTENT_TYPE: bool = false;

    async fn open() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = LocalObjectStore::open(&dir.path().join("objects")).expect("open the folder store");
        Self { store: Arc::new(store), _dir: dir }
    }

    fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }
}

jobsmith_tests::object_contract!(folder: Folder);
