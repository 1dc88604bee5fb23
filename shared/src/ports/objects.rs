//! The object store: where videos and clips live, a folder locally and S3 on AWS. Every adapter
//! passes the same contract suite (`tests/src/object_contract`).

use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::object_key::ObjectKey;

/// The most keys a listing page holds, whatever the caller asks: S3's own page limit.
pub const MAX_PAGE: u32 = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("no such object")]
    NotFound,
    #[error("invalid page token")]
    BadToken,
    /// The store has no URL of its own that downloads an object: the local folder is served
    /// through the jobsmith server instead (a download route is still to be built).
    #[error("this object store has no direct download URLs")]
    NoDirectUrl,
    /// The caller's local file, to upload from or download into, could not be read or written;
    /// the text is for logs.
    #[error("local file: {0}")]
    File(String),
    /// The backend failed; the text is for logs, never for a response body.
    #[error("object store failure: {0}")]
    Backend(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: ObjectKey,
    pub size: u64,
    pub last_modified: Option<DateTime<Utc>>,
    /// The content type the object was stored with: from `head`, on a backend that keeps one
    /// (S3). Listings do not carry it, and the local folder keeps none.
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPage {
    pub objects: Vec<ObjectInfo>,
    /// Continues the listing where this page ended, for the same prefix.
    pub next_token: Option<String>,
}

/// An object being read, for serving a download without holding it whole.
pub struct ObjectReader {
    pub size: u64,
    pub body: Pin<Box<dyn tokio::io::AsyncRead + Send>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteReport {
    pub deleted: Vec<ObjectKey>,
    /// Keys that could not be deleted, with why (fit for a response: no paths, no backend text).
    pub failed: Vec<(ObjectKey, String)>,
}

/// Keys are [`ObjectKey`]s under prefixes such as `videos/` and `clips/`; the use cases check a
/// key's prefix before deleting it. Writing a key replaces what it held, and a reader sees the
/// old object or the new one, never part of either.
///
/// Media goes through the file methods, which stream: a 1 GiB video never sits whole in memory.
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// Stores a small body whole (a JSON sidecar, a thumbnail).
    async fn put(&self, key: &ObjectKey, body: Vec<u8>, content_type: &str) -> Result<(), ObjectError>;

    /// Stores the file at `path`, read from disk as it is sent.
    async fn put_file(&self, key: &ObjectKey, path: &Path, content_type: &str) -> Result<(), ObjectError>;

    async fn get(&self, key: &ObjectKey) -> Result<Vec<u8>, ObjectError>;

    /// Writes the object to a file at `path`, replacing any file there, and returns its size.
    /// The file appears at `path` only once complete; on any error `path` is left as it was.
    async fn get_to_file(&self, key: &ObjectKey, path: &Path) -> Result<u64, ObjectError>;

    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectInfo>, ObjectError>;

    /// Objects whose keys start with `prefix` (a plain string prefix, as S3 filters), at most
    /// `limit` per page (held to 1..=[`MAX_PAGE`]); the pages visit every key once. `token` is a
    /// page's `next_token` with the same prefix; any other token is [`ObjectError::BadToken`].
    ///
    /// Keys come in S3's order, byte order of whole keys, on S3 and in the folder. An
    /// S3-compatible server may differ: SeaweedFS walks its directories, so `a/b` comes before
    /// `a-b` and `a.mp4` there.
    async fn list(&self, prefix: &str, token: Option<&str>, limit: u32) -> Result<ObjectPage, ObjectError>;

    /// Deletes each key, reporting each one's outcome; a key that does not exist counts as
    /// deleted. Backends batch as they can (1,000 keys per S3 request).
    async fn delete_many(&self, keys: &[ObjectKey]) -> Result<DeleteReport, ObjectError>;

    /// A URL that downloads the object without credentials until it expires, or
    /// [`ObjectError::NoDirectUrl`] from a store that has none (the local folder).
    async fn presign_get(&self, key: &ObjectKey, expires_in: Duration) -> Result<String, ObjectError>;

    /// The object, read as it is consumed. This default reads it whole first; a store whose
    /// objects are downloaded through the jobsmith server (the local folder) streams instead.
    async fn open(&self, key: &ObjectKey) -> Result<ObjectReader, ObjectError> {
        let body = self.get(key).await?;
        Ok(ObjectReader { size: body.len() as u64, body: Box::pin(std::io::Cursor::new(body)) })
    }
}
