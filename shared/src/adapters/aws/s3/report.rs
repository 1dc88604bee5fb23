//! Turning S3 answers into the port's types, apart from the requests so it is tested on its own.

use std::collections::{HashMap, HashSet};

use aws_sdk_s3::operation::delete_objects::DeleteObjectsOutput;
use chrono::{DateTime, Utc};

use crate::domain::object_key::ObjectKey;
use crate::ports::{DeleteReport, ObjectInfo};

/// What a key is reported with when S3's answer names neither its deletion nor an error.
pub const NO_OUTCOME: &str = "S3 reported no outcome for this key";

/// What each key of a batch is reported with when the whole request failed (the details go to
/// the log, since the report may reach a response body).
pub const BATCH_FAILED: &str = "the delete request failed";

/// Adds one DeleteObjects answer (sent with `Quiet` off, so every deleted key is listed) for
/// `batch` to the report. S3 lists a key that did not exist as deleted, and so does the report.
/// Keys S3 names are matched to the batch's, so a key it never asked about is not reported.
pub fn record_batch(report: &mut DeleteReport, batch: &[ObjectKey], output: &DeleteObjectsOutput) {
    let asked: HashMap<&str, &ObjectKey> = batch.iter().map(|key| (key.as_str(), key)).collect();
    let mut seen = HashSet::new();
    for key in output.deleted().iter().filter_map(|d| asked.get(d.key()?)) {
        if seen.insert(key.as_str()) {
            report.deleted.push((*key).clone());
        }
    }
    for error in output.errors() {
        let Some(key) = error.key().and_then(|k| asked.get(k)) else { continue };
        if seen.insert(key.as_str()) {
            let reason = match (error.code(), error.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(text), None) | (None, Some(text)) => text.to_owned(),
                (None, None) => "S3 refused to delete this key".to_owned(),
            };
            report.failed.push(((*key).clone(), reason));
        }
    }
    for key in batch {
        if seen.insert(key.as_str()) {
            report.failed.push((key.clone(), NO_OUTCOME.to_owned()));
        }
    }
}

/// Marks every key of a batch whose request failed as not deleted.
pub fn record_failed_batch(report: &mut DeleteReport, batch: &[ObjectKey]) {
    report.failed.extend(batch.iter().map(|key| (key.clone(), BATCH_FAILED.to_owned())));
}

pub fn object_info(
    key: ObjectKey,
    size: Option<i64>,
    modified: Option<&aws_sdk_s3::primitives::DateTime>,
    content_type: Option<&str>,
) -> ObjectInfo {
    ObjectInfo {
        key,
        // S3 never reports a negative size; treat one as empty rather than fail the listing.
        size: size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
        last_modified: modified.and_then(|t| DateTime::<Utc>::from_timestamp(t.secs(), t.subsec_nanos())),
        content_type: content_type.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::types::{DeletedObject, Error};

    use super::*;

    fn keys(raw: &[&str]) -> Vec<ObjectKey> {
        raw.iter().map(|k| ObjectKey::parse(k).expect("valid key")).collect()
    }

    fn key(raw: &str) -> ObjectKey {
        ObjectKey::parse(raw).expect("valid key")
    }

    #[test]
    fn deleted_errors_and_silent_keys_are_each_reported_once() {
        let output = DeleteObjectsOutput::builder()
            .deleted(DeletedObject::builder().key("videos/a.mp4").build())
            .deleted(DeletedObject::builder().key("videos/missing.mp4").build())
            .deleted(DeletedObject::builder().key("videos/never-asked.mp4").build())
            .errors(Error::builder().key("videos/locked.mp4").code("AccessDenied").message("Access Denied").build())
            .build();
        let mut report = DeleteReport::default();
        let batch = keys(&["videos/a.mp4", "videos/missing.mp4", "videos/locked.mp4", "videos/silent.mp4"]);
        record_batch(&mut report, &batch, &output);
        assert_eq!(report.deleted, keys(&["videos/a.mp4", "videos/missing.mp4"]));
        assert_eq!(
            report.failed,
            vec![
                (key("videos/locked.mp4"), "AccessDenied: Access Denied".to_owned()),
                (key("videos/silent.mp4"), NO_OUTCOME.to_owned()),
            ]
        );
    }

    #[test]
    fn a_failed_request_fails_its_whole_batch() {
        let mut report = DeleteReport::default();
        record_failed_batch(&mut report, &keys(&["a", "b"]));
        assert!(report.deleted.is_empty());
        assert_eq!(report.failed.len(), 2);
        assert!(report.failed.iter().all(|(_, why)| why == BATCH_FAILED));
    }

    #[test]
    fn object_info_converts_size_and_time() {
        let at = aws_sdk_s3::primitives::DateTime::from_secs_and_nanos(1_700_000_000, 500_000_000);
        let info = object_info(key("clips/x.mp4"), Some(42), Some(&at), Some("video/mp4"));
        assert_eq!(info.size, 42);
        assert_eq!(info.last_modified, DateTime::from_timestamp(1_700_000_000, 500_000_000));
        assert_eq!(info.content_type.as_deref(), Some("video/mp4"));
        assert_eq!(object_info(key("k"), Some(-1), None, None).size, 0);
    }
}
