//! Storing a file without reading it into memory: one PutObject streamed from the file below a
//! threshold, a multipart upload above it whose parts are each streamed from their range of the
//! file, one part at a time. A multipart upload that fails is aborted, so S3 keeps no orphan
//! parts (the bucket's lifecycle rule is the backstop for a process that dies mid-upload).

use std::path::Path;

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};

use super::backend;
use crate::domain::object_key::ObjectKey;
use crate::ports::ObjectError;

const MIB: u64 = 1024 * 1024;
/// S3's smallest part, except the last.
pub const MIN_PART: u64 = 5 * MIB;
/// S3's largest part, and its largest single PutObject.
pub const MAX_PART: u64 = 5 * 1024 * MIB;
/// S3's most parts in one upload.
const MAX_PARTS: u64 = 10_000;

/// When a file goes up in parts, and how big they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultipartSizes {
    threshold: u64,
    part_size: u64,
}

impl Default for MultipartSizes {
    /// Files from 16 MiB go up in 8 MiB parts: a 1 GiB video is 128 requests, each small enough
    /// to retry cheaply.
    fn default() -> Self {
        Self { threshold: 16 * MIB, part_size: 8 * MIB }
    }
}

impl MultipartSizes {
    /// Files of `threshold` bytes or more go up in parts of `part_size`. `None` when a part
    /// would be outside S3's limits, or a single PutObject could exceed its 5 GiB.
    pub fn new(threshold: u64, part_size: u64) -> Option<Self> {
        let fits = (MIN_PART..=MAX_PART).contains(&part_size) && threshold <= MAX_PART;
        fits.then_some(Self { threshold, part_size })
    }

    /// The parts of a file of `len` bytes as (part number, offset, length). Parts grow past the
    /// configured size when it would take more than S3's 10,000 of them.
    fn parts(&self, len: u64) -> impl Iterator<Item = (i32, u64, u64)> {
        let size = self.part_size.max(len.div_ceil(MAX_PARTS));
        (0..len.div_ceil(size)).map(move |i| {
            let offset = i * size;
            // At most 10,000 parts, so the number fits.
            (i32::try_from(i + 1).unwrap_or(i32::MAX), offset, size.min(len - offset))
        })
    }
}

fn file_error(what: &str, path: &Path, err: impl std::fmt::Display) -> ObjectError {
    ObjectError::File(format!("{what} {}: {err}", path.display()))
}

pub(super) async fn put_file(
    client: &Client,
    bucket: &str,
    sizes: MultipartSizes,
    key: &ObjectKey,
    path: &Path,
    content_type: &str,
) -> Result<(), ObjectError> {
    let meta = tokio::fs::metadata(path).await.map_err(|e| file_error("cannot read", path, e))?;
    if !meta.is_file() {
        return Err(file_error("cannot upload", path, "not a regular file"));
    }
    let len = meta.len();
    if len < sizes.threshold || len == 0 {
        let body = ByteStream::read_from()
            .path(path)
            .length(Length::Exact(len))
            .build()
            .await
            .map_err(|e| file_error("cannot read", path, e))?;
        client
            .put_object()
            .bucket(bucket)
            .key(key.as_str())
            .content_type(content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| backend("put object", &e))?;
        return Ok(());
    }
    let upload = Multipart::create(client, bucket, key, content_type).await?;
    let result = upload.send_parts(sizes, path, len).await;
    match result {
        Ok(parts) => upload.complete(parts).await,
        Err(err) => {
            upload.abort().await;
            Err(err)
        }
    }
}

/// One multipart upload. Dropped unfinished (a caller's timeout cancelled it), it aborts itself
/// in the background, since nothing else would.
struct Multipart<'a> {
    client: &'a Client,
    bucket: &'a str,
    key: &'a ObjectKey,
    upload_id: String,
    finished: bool,
}

impl<'a> Multipart<'a> {
    async fn create(
        client: &'a Client,
        bucket: &'a str,
        key: &'a ObjectKey,
        content_type: &str,
    ) -> Result<Self, ObjectError> {
        // CRC32 per part, named here: S3 refuses part checksums of an algorithm the upload was
        // not created with, and then wants each part's checksum again to complete it.
        let output = client
            .create_multipart_upload()
            .bucket(bucket)
            .key(key.as_str())
            .content_type(content_type)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .send()
            .await
            .map_err(|e| backend("create multipart upload", &e))?;
        let upload_id = output
            .upload_id()
            .ok_or_else(|| ObjectError::Backend("S3 started a multipart upload without an id".to_owned()))?;
        Ok(Self { client, bucket, key, upload_id: upload_id.to_owned(), finished: false })
    }

    async fn send_parts(
        &self,
        sizes: MultipartSizes,
        path: &Path,
        len: u64,
    ) -> Result<Vec<CompletedPart>, ObjectError> {
        let mut completed = Vec::new();
        for (number, offset, length) in sizes.parts(len) {
            // Streamed from its range of the file; the SDK reopens the range to retry.
            let body = ByteStream::read_from()
                .path(path)
                .offset(offset)
                .length(Length::Exact(length))
                .build()
                .await
                .map_err(|e| file_error("cannot read", path, e))?;
            let output = self
                .client
                .upload_part()
                .bucket(self.bucket)
                .key(self.key.as_str())
                .upload_id(&self.upload_id)
                .part_number(number)
                .checksum_algorithm(ChecksumAlgorithm::Crc32)
                .body(body)
                .send()
                .await
                .map_err(|e| backend("upload part", &e))?;
            completed.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(output.e_tag().map(str::to_owned))
                    .set_checksum_crc32(output.checksum_crc32().map(str::to_owned))
                    .build(),
            );
        }
        Ok(completed)
    }

    async fn complete(mut self, parts: Vec<CompletedPart>) -> Result<(), ObjectError> {
        let result = self
            .client
            .complete_multipart_upload()
            .bucket(self.bucket)
            .key(self.key.as_str())
            .upload_id(&self.upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await;
        match result {
            Ok(_) => {
                self.finished = true;
                Ok(())
            }
            Err(err) => {
                self.abort().await;
                Err(backend("complete multipart upload", &err))
            }
        }
    }

    async fn abort(mut self) {
        self.finished = true;
        let result = abort_request(self.client, self.bucket, self.key.as_str(), &self.upload_id).send().await;
        if let Err(err) = result {
            tracing::error!(bucket = self.bucket, key = %self.key, upload_id = %self.upload_id,
                error = %aws_sdk_s3::error::DisplayErrorContext(&err),
                "cannot abort a failed multipart upload; the bucket's lifecycle rule will");
        }
    }
}

fn abort_request(
    client: &Client,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> aws_sdk_s3::operation::abort_multipart_upload::builders::AbortMultipartUploadFluentBuilder {
    client.abort_multipart_upload().bucket(bucket).key(key).upload_id(upload_id)
}

impl Drop for Multipart<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let request = abort_request(self.client, self.bucket, self.key.as_str(), &self.upload_id);
        let (key, upload_id) = (self.key.to_string(), self.upload_id.clone());
        runtime.spawn(async move {
            if let Err(err) = request.send().await {
                tracing::error!(%key, %upload_id, error = %aws_sdk_s3::error::DisplayErrorContext(&err),
                    "cannot abort a cancelled multipart upload; the bucket's lifecycle rule will");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_file_in_order() {
        let sizes = MultipartSizes::default();
        let parts: Vec<_> = sizes.parts(20 * MIB + 1).collect();
        assert_eq!(parts, vec![(1, 0, 8 * MIB), (2, 8 * MIB, 8 * MIB), (3, 16 * MIB, 4 * MIB + 1)]);
        assert_eq!(sizes.parts(8 * MIB).count(), 1);
        assert_eq!(sizes.parts(1024 * MIB).count(), 128);
    }

    #[test]
    fn parts_grow_to_stay_within_10000() {
        let sizes = MultipartSizes::default();
        let len = 100_000 * MIB;
        let parts: Vec<_> = sizes.parts(len).collect();
        assert_eq!(parts.len(), 10_000);
        assert_eq!(parts.iter().map(|p| p.2).sum::<u64>(), len);
        assert_eq!(parts.last().map(|p| p.0), Some(10_000));
    }

    #[test]
    fn sizes_stay_within_s3_limits() {
        assert!(MultipartSizes::new(5 * MIB, 5 * MIB).is_some());
        assert!(MultipartSizes::new(0, MAX_PART).is_some());
        assert!(MultipartSizes::new(16 * MIB, MIN_PART - 1).is_none());
        assert!(MultipartSizes::new(16 * MIB, MAX_PART + 1).is_none());
        assert!(MultipartSizes::new(MAX_PART + 1, 8 * MIB).is_none());
    }
}
