//! What the clip and cleanup use cases read from the object store alike: every video file under
//! a prefix, and the one way its failures become an internal error.

use crate::domain::cleanup::is_video_file;
use crate::ports::{MAX_PAGE, ObjectError, ObjectInfo, ObjectStore};

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

/// The store's failure is the server's: the text is for logs.
pub(super) fn object_failure(err: ObjectError) -> AppError {
    AppError::Internal(format!("object store: {err}"))
}
