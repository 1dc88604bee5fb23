//! The object store on AWS: one S3 bucket holding the `videos/` and `clips/` prefixes.
//!
//! Presigned URLs are signed with the client's credentials; in Lambda those are the function
//! role's session credentials, so a URL stops working when that session expires even if the
//! requested expiry is later. A missing key reads as 404 only when the role may `s3:ListBucket`
//! (S3 answers 403 otherwise), so the functions that read objects need it. A function that
//! calls `put_file` needs `s3:AbortMultipartUpload` too, to clean up after a failed upload.

mod download;
mod report;
mod upload;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use crate::adapters::aws::sdk::Clients;
use crate::adapters::object_token;
use crate::domain::object_key::ObjectKey;
use crate::ports::{DeleteReport, MAX_PAGE, ObjectError, ObjectInfo, ObjectPage, ObjectStore};

pub use report::{BATCH_FAILED, NO_OUTCOME};
pub use upload::{MIN_PART, MultipartSizes};

/// The most keys one DeleteObjects request takes.
pub const S3_BATCH: usize = 1_000;

/// The longest a SigV4 presigned URL can live.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3_600);

/// An S3 client from shared configuration; `force_path_style` as for [`Clients::s3`].
pub fn s3_client(config: &aws_config::SdkConfig, force_path_style: bool) -> Client {
    Clients::new(config).s3(force_path_style)
}

pub struct S3ObjectStore {
    client: Client,
    bucket: String,
    multipart: MultipartSizes,
}

impl S3ObjectStore {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into(), multipart: MultipartSizes::default() }
    }

    /// When `put_file` switches to a multipart upload, and its part size (tests use S3's
    /// smallest, to send several parts without a large file).
    pub fn with_multipart(mut self, sizes: MultipartSizes) -> Self {
        self.multipart = sizes;
        self
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// One DeleteObjects request for at most `S3_BATCH` keys.
    async fn delete_batch(&self, report: &mut DeleteReport, batch: &[ObjectKey]) -> Result<(), ObjectError> {
        let objects = batch
            .iter()
            .map(|key| ObjectIdentifier::builder().key(key.as_str()).build())
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
    async fn put(&self, key: &ObjectKey, body: Vec<u8>, content_type: &str) -> Result<(), ObjectError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| backend("put object", &e))?;
        Ok(())
    }

    async fn put_file(&self, key: &ObjectKey, path: &Path, content_type: &str) -> Result<(), ObjectError> {
        upload::put_file(&self.client, &self.bucket, self.multipart, key, path, content_type).await
    }

    async fn get(&self, key: &ObjectKey) -> Result<Vec<u8>, ObjectError> {
        let output = download::get_object(&self.client, &self.bucket, key).await?;
        let body = output.body.collect().await.map_err(|e| backend("read object body", &e))?;
        Ok(body.into_bytes().to_vec())
    }

    async fn get_to_file(&self, key: &ObjectKey, path: &Path) -> Result<u64, ObjectError> {
        download::get_to_file(&self.client, &self.bucket, key, path).await
    }

    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectInfo>, ObjectError> {
        match self.client.head_object().bucket(&self.bucket).key(key.as_str()).send().await {
            Ok(output) => Ok(Some(report::object_info(
                key.clone(),
                output.content_length(),
                output.last_modified(),
                output.content_type(),
            ))),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(err) => Err(backend("head object", &err)),
        }
    }

    /// Pages start after the last key of the one before (`StartAfter`), not at S3's own
    /// continuation token: see `object_token`. A key in the bucket that is not a valid
    /// [`ObjectKey`] (a console's `videos/` folder marker) is left out of the page, with a
    /// warning, since no caller could name it again.
    async fn list(&self, prefix: &str, token: Option<&str>, limit: u32) -> Result<ObjectPage, ObjectError> {
        let after = token.map(|t| object_token::decode(t, prefix)).transpose()?;
        if !ObjectKey::prefix_can_match(prefix) {
            return Ok(ObjectPage { objects: Vec::new(), next_token: None });
        }
        let max_keys = i32::try_from(limit.clamp(1, MAX_PAGE)).unwrap_or(1);
        let output = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .set_prefix((!prefix.is_empty()).then(|| prefix.to_owned()))
            .max_keys(max_keys)
            .set_start_after(after)
            .send()
            .await
            .map_err(|e| backend("list objects", &e))?;
        let mut objects = Vec::new();
        for object in output.contents() {
            let Some(raw) = object.key() else { continue };
            match ObjectKey::parse(raw) {
                Ok(key) => objects.push(report::object_info(key, object.size(), object.last_modified(), None)),
                Err(why) => {
                    tracing::warn!(bucket = %self.bucket, key = raw, %why, "listing skips a key jobsmith cannot name")
                }
            }
        }
        let last = output.contents().iter().rev().find_map(|o| o.key());
        let next_token = match (output.is_truncated(), last) {
            (Some(true), Some(last)) => Some(object_token::encode(prefix, last)),
            _ => None,
        };
        Ok(ObjectPage { objects, next_token })
    }

    /// Batches of 1,000 keys. A batch whose request fails reports its keys failed and the next
    /// batches are still tried, so one bad request does not hide what the others deleted.
    async fn delete_many(&self, keys: &[ObjectKey]) -> Result<DeleteReport, ObjectError> {
        let mut report = DeleteReport::default();
        for batch in keys.chunks(S3_BATCH) {
            self.delete_batch(&mut report, batch).await?;
        }
        Ok(report)
    }

    async fn presign_get(&self, key: &ObjectKey, expires_in: Duration) -> Result<String, ObjectError> {
        if expires_in > MAX_PRESIGN_EXPIRY {
            return Err(ObjectError::Backend("presigned URLs can expire after at most 7 days".to_owned()));
        }
        let config = PresigningConfig::expires_in(expires_in).map_err(|e| backend("presigning config", &e))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .presigned(config)
            .await
            .map_err(|e| backend("presign get object", &e))?;
        Ok(request.uri().to_owned())
    }
}
