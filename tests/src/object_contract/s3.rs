//! S3 stores for the contract: a fresh bucket each, on any S3 server.

use jobsmith::adapters::aws::s3::{MIN_PART, MultipartSizes, S3ObjectStore, s3_client};

/// A store in a new bucket of its own, that switches to multipart uploads at S3's smallest part
/// size (5 MiB), so that [`super::files::BIG_FILE`] goes up in three parts.
pub async fn fresh_bucket(config: &aws_config::SdkConfig) -> S3ObjectStore {
    let client = s3_client(config, true);
    let bucket = format!("jobsmith-{}", uuid::Uuid::new_v4().simple());
    client.create_bucket().bucket(&bucket).send().await.expect("create bucket");
    let sizes = MultipartSizes::new(MIN_PART, MIN_PART).expect("S3's own minimum is within its limits");
    S3ObjectStore::new(client, bucket).with_multipart(sizes)
}
