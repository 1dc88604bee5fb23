//! The object contract over the S3 store on a real S3 server, SeaweedFS, and seed 003's cleanup
//! there; each check on a server of its own: one starts in about a second, and each keeps its
//! data in a temporary directory that goes with it.

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

/// Seed 003's cleanup on a real S3 server: only the video files under `videos/` and `clips/` go,
/// and the statistics say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_003s_cleanup_deletes_only_video_files_on_a_real_s3_server() {
    use jobsmith::domain::object_key::ObjectKey;
    use jobsmith_tests::object_contract::cleanup::confirmed_cleanup;

    let backend = Seaweed::open().await;
    let store = backend.store();
    let videos = ["videos/a/1.mp4", "videos/a/2.WEBM", "clips/v/0001.mkv"];
    let kept = ["videos/a/1.json", "clips/v/notes.txt", "other/3.mp4"];
    for key in videos.iter().chain(&kept) {
        store.put(&ObjectKey::parse(key).unwrap(), b"bytes".to_vec(), "application/octet-stream").await.unwrap();
    }
    let report = confirmed_cleanup(store.clone()).await;
    assert_eq!((report.total_files_before, report.files_removed, report.files_failed), (3, 3, 0));
    for key in videos {
        assert!(store.head(&ObjectKey::parse(key).unwrap()).await.unwrap().is_none(), "{key} went");
    }
    for key in kept {
        assert!(store.head(&ObjectKey::parse(key).unwrap()).await.unwrap().is_some(), "{key} stays");
    }
}
