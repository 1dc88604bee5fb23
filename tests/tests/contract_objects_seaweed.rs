//! The object contract over the S3 store on a real S3 server, SeaweedFS, each check on a server
//! of its own: one starts in about a second, and each keeps its data in a temporary directory
//! that goes with it.

use std::sync::Arc;

use jobsmith::adapters::aws::s3::S3ObjectStore;
use jobsmith::ports::ObjectStore;
use jobsmith_tests::object_contract::{KeyOrder, ObjectBackend, s3};
use jobsmith_tests::seaweed::SeaweedServer;

struct Seaweed {
    store: Arc<S3ObjectStore>,
    _server: SeaweedServer,
}

impl ObjectBackend for Seaweed {
    const KEEPS_CONTENT_TYPE: bool = true;
    // SeaweedFS lists as it walks its directories, not in S3's byte order.
    const KEY_ORDER: KeyOrder = KeyOrder::DirectoryWalk;

    async fn open() -> Self {
        let server = SeaweedServer::start().await;
        let store = s3::fresh_bucket(&server.sdk_config().await).await;
        Self { store: Arc::new(store), _server: server }
    }

    fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }
}

jobsmith_tests::object_contract!(seaweed: Seaweed);
