//! What the clip, cleanup and retention use cases do with stored files alike: every video file
//! under a prefix, every uploaded video's record, deletes a page of keys at a time, and the one way
//! the object store's failures become an internal error.

use crate::domain::cleanup::is_video_file;
use crate::domain::object_key::ObjectKey;
use crate::domain::video::{Video, VideoStatus};
use crate::ports::{
    DeleteReport, MAX_PAGE, ObjectError, ObjectInfo, ObjectStore, PageRequest, VideoFilter, VideoStore,
};

use super::error::{AppError, AppResult};

/// Every video file under `prefix`, a page of keys at a time. A key is kept only if it is under
/// the prefix it was listed for, whatever the store answered.
pub(super) async fn video_files_under(objects: &dyn ObjectStore, prefix: &str) -> AppResult<Vec<ObjectInfo>> {
    let mut files = Vec::new();
    let mut token = None;
    loop {
        let page = objects.list(prefix, token.as_deref(), MAX_PAGE).await.map_err(object_failure)?;
        files.extend(
            page.objects.into_iter().filter(|o| o.key.as_str().starts_with(prefix) && is_video_file(o.key.as_str())),
        );
        match page.next_token {
            Some(next) => token = Some(next),
            None => return Ok(files),
        }
    }
}

/// Deletes `keys`, at most [`MAX_PAGE`] a request (S3 deletes 1,000 keys a call), with each key's
/// outcome. A failing request ends it: the keys of the requests before it are gone all the same.
pub(super) async fn delete_keys(objects: &dyn ObjectStore, keys: &[ObjectKey]) -> AppResult<DeleteReport> {
    let mut report = DeleteReport::default();
    for batch in keys.chunks(MAX_PAGE as usize) {
        let outcome = objects.delete_many(batch).await.map_err(object_failure)?;
        report.deleted.extend(outcome.deleted);
        report.failed.extend(outcome.failed);
    }
    Ok(report)
}

/// What `keep` makes of every listed, uploaded video, read a page at a time: only what a caller
/// needs of each is held, however many there are.
pub(super) async fn uploaded_videos<T>(
    videos: &dyn VideoStore,
    mut keep: impl FnMut(Video) -> Option<T>,
) -> AppResult<Vec<T>> {
    let filter = VideoFilter { status: Some(VideoStatus::Uploaded), ..VideoFilter::default() };
    let mut kept = Vec::new();
    let mut cursor = None;
    loop {
        let page = videos.list_videos(&filter, &PageRequest { offset: 0, limit: 100, cursor }).await?;
        kept.extend(page.items.into_iter().filter_map(&mut keep));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(kept),
        }
    }
}

/// The store's failure is the server's: the text is for logs.
pub(super) fn object_failure(err: ObjectError) -> AppError {
    AppError::Internal(format!("object store: {err}"))
}
