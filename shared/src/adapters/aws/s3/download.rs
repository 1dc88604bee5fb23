//! Reading an object into a file as its body arrives, so that a 1 GiB video never sits whole in
//! memory, and the file is at its path only once all of it is there.

use std::path::Path;

use aws_sdk_s3::Client;
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use tokio::io::AsyncWriteExt;

use super::backend;
use crate::adapters::part_file::PartFile;
use crate::domain::object_key::ObjectKey;
use crate::ports::ObjectError;

/// GetObject, with a missing key as `NotFound`.
pub(super) async fn get_object(client: &Client, bucket: &str, key: &ObjectKey) -> Result<GetObjectOutput, ObjectError> {
    match client.get_object().bucket(bucket).key(key.as_str()).send().await {
        Ok(output) => Ok(output),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => Err(ObjectError::NotFound),
        Err(err) => Err(backend("get object", &err)),
    }
}

pub(super) async fn get_to_file(
    client: &Client,
    bucket: &str,
    key: &ObjectKey,
    path: &Path,
) -> Result<u64, ObjectError> {
    let output = get_object(client, bucket, key).await?;
    let expected = output.content_length.and_then(|n| u64::try_from(n).ok());
    let file_error = |e: std::io::Error| ObjectError::File(format!("cannot write {}: {e}", path.display()));
    // Scratch copies for processing: not synced to disk, since a lost one is fetched again.
    let (part, file) = PartFile::create(path).map_err(file_error)?;
    let mut file = tokio::fs::File::from_std(file);
    let mut body = output.body;
    let mut written: u64 = 0;
    while let Some(chunk) = body.try_next().await.map_err(|e| backend("read object body", &e))? {
        file.write_all(&chunk).await.map_err(file_error)?;
        written += chunk.len() as u64;
    }
    file.flush().await.map_err(file_error)?;
    drop(file);
    if let Some(expected) = expected
        && expected != written
    {
        return Err(ObjectError::Backend(format!("object body ended after {written} of {expected} bytes")));
    }
    part.commit().map_err(file_error)?;
    Ok(written)
}
