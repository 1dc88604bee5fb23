//! The object contract over the S3 store on moto, each check in a bucket of its own on the moto
//! server this test binary shares.

use std::sync::Arc;

use jobsmith::adapters::aws::s3::S3ObjectStore;
use jobsmith::ports::ObjectStore;
use jobsmith_tests::moto::MotoServer;
use jobsmith_tests::object_contract::{ObjectBackend, s3};

struct Moto(Arc<S3ObjectStore>);

impl ObjectBackend for Moto {
    const KEEPS_CONTENT_TYPE: bool = true;

    async fn open() -> Self {
        let moto = MotoServer::shared().await;
        Self(Arc::new(s3::fresh_bucket(&moto.sdk_config().await).await))
    }

    fn store(&self) -> Arc<dyn ObjectStore> {
        self.0.clone()
    }
}

jobsmith_tests::object_contract!(moto: Moto);
