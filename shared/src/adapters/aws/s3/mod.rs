//! The object store on AWS: one S3 bucket holding the `videos/` and `clips/` prefixes.
//!
//! Presigned URLs are signed with the client's credentials; in Lambda those are the function
//! role's session credentials, so a URL stops working when that session expires even if the
//! requested expiry is later. A missing key reads as 404 only when the role may `s3:ListBucket`
//! (S3 answers 403 otherwise), so the functions that read objects need it.

mod report;

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use crate::ports::{DeleteReport, ObjectError, ObjectInfo, ObjectPage, ObjectStore};

pub use report::{BATCH_FAILED, NO_OUTCOME};

/// The most keys one DeleteObjects request takes, and the most one listing page returns.
pub const S3_BATCH: usize = 1_000;

/// The longest a SigV4 presigned URL can live.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3_600);

/// An S3 client from shared configuration. Emulators (moto) and most self-hosted S3 servers
/// need path-style addressing (`http://host/bucket/key`): pass `true` when an endpoint URL is
/// configured.
pub fn s3_client(config: &aws_config::SdkConfig, force_path_style: bool) -> Client {
    let config = aws_sdk_s3::config::Builder::from(config).force_path_style(force_path_style).build();
    Client::from_conf(config)
}

pub struct S3ObjectStore {
    client: Client,
    bucket: String,
}

impl S3ObjectStore {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// One DeleteObjects request for at most `S3_BATCH` keys.
    async fn delete_batch(&self, report: &mut DeleteReport, batch: &[String]) -> Result<(), ObjectError> {
        let objects = batch
            .iter()
            .map(|key| ObjectIdentifier::builder().key(key).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ObjectError::Backend(format!("cannot build the delete request: {e}")))?;
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .quiet(false)
            .build()
            .map_err(|e| ObjectError::Backend(format!("cannot build the delete request: {e}")))?;
        let result = self.client.delete_objects().bucket(&self.bucket).delete(delete).send().await;
        match result {
            Ok(output) => report::record_batch(report, batch, &output),
            Err(err) => {
                tracing::error!(bucket = %self.bucket, keys = batch.len(), error = %DisplayErrorContext(&err), "S3 delete batch failed");
                report::record_failed_batch(report, batch);
            }
        }
        Ok(())
    }
}

fn backend<E: std::error::Error + 'static>(what: &str, err: &E) -> ObjectError {
    ObjectError::Backend(format!("{what}: {}", DisplayErrorContext(err)))
}

#[async_trait]
impl ObjectStore for S3ObjectStore {
    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), ObjectError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| backend("put object", &e))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, ObjectError> {
        let output = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(output) => output,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                return Err(ObjectError::NotFound);
            }
            Err(err) => return Err(backend("get object", &err)),
        };
        let body = output.body.collect().await.map_err(|e| backend("read object body", &e))?;
        Ok(body.into_bytes().to_vec())
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, ObjectError> {
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(output) => Ok(Some(report::object_info(key, output.content_length(), output.last_modified()))),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(err) => Err(backend("head object", &err)),
        }
    }

    /// The page token is S3's continuation token. `limit` is held to 1..=1,000: S3 pages at
    /// most 1,000 keys, and a page of none would never move the listing on.
    async fn list(&self, prefix: &str, token: Option<&str>, limit: u32) -> Result<ObjectPage, ObjectError> {
        if token.is_some_and(str::is_empty) {
            return Err(ObjectError::BadToken);
        }
        let max_keys = i32::try_from(limit.clamp(1, S3_BATCH as u32)).unwrap_or(1);
        let result = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .max_keys(max_keys)
            .set_continuation_token(token.map(str::to_owned))
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            // S3 calls a token it does not recognise an invalid argument; with a token given,
            // that is the only argument the client controls.
            Err(err) if token.is_some() && err.as_service_error().and_then(|e| e.code()) == Some("InvalidArgument") => {
                return Err(ObjectError::BadToken);
            }
            Err(err) => return Err(backend("list objects", &err)),
        };
        let objects = output
            .contents()
            .iter()
            .filter_map(|o| Some(report::object_info(o.key()?, o.size(), o.last_modified())))
            .collect();
        let next_token = if output.is_truncated() == Some(true) {
            output.next_continuation_token().map(str::to_owned)
        } else {
            None
        };
        Ok(ObjectPage { objects, next_token })
    }

    /// Batches of 1,000 keys. A batch whose request fails reports its keys failed and the next
    /// batches are still tried, so one bad request does not hide what the others deleted.
    async fn delete_many(&self, keys: &[String]) -> Result<DeleteReport, ObjectError> {
        let mut report = DeleteReport::default();
        for batch in keys.chunks(S3_BATCH) {
            self.delete_batch(&mut report, batch).await?;
        }
        Ok(report)
    }

    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, ObjectError> {
        if expires_in > MAX_PRESIGN_EXPIRY {
            return Err(ObjectError::Backend("presigned URLs can expire after at most 7 days".to_owned()));
        }
        let config = PresigningConfig::expires_in(expires_in).map_err(|e| backend("presigning config", &e))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| backend("presign get object", &e))?;
        Ok(request.uri().to_owned())
    }
}
