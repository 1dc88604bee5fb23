//! The local object folder with deletes that fail by name: what the cleanup and retention tests
//! answer a partial delete with.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;

use crate::adapters::local::objects::LocalObjectStore;
use crate::domain::object_key::ObjectKey;
use crate::ports::{DeleteReport, ObjectError, ObjectInfo, ObjectPage, ObjectReader, ObjectStore};

/// The folder, but every key with `locked` in it fails to delete, as a file another process
/// holds would.
pub struct LockedFiles(pub LocalObjectStore);

#[async_trait]
impl ObjectStore for LockedFiles {
    async fn put(&self, key: &ObjectKey, body: Vec<u8>, content_type: &str) -> Result<(), ObjectError> {
        self.0.put(key, body, content_type).await
    }
    async fn put_file(&self, key: &ObjectKey, path: &Path, content_type: &str) -> Result<(), ObjectError> {
        self.0.put_file(key, path, content_type).await
    }
    async fn get(&self, key: &ObjectKey) -> Result<Vec<u8>, ObjectError> {
        self.0.get(key).await
    }
    async fn get_to_file(&self, key: &ObjectKey, path: &Path) -> Result<u64, ObjectError> {
        self.0.get_to_file(key, path).await
    }
    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectInfo>, ObjectError> {
        self.0.head(key).await
    }
    async fn list(&self, prefix: &str, token: Option<&str>, limit: u32) -> Result<ObjectPage, ObjectError> {
        self.0.list(prefix, token, limit).await
    }
    async fn delete_many(&self, keys: &[ObjectKey]) -> Result<DeleteReport, ObjectError> {
        let (locked, free): (Vec<ObjectKey>, Vec<ObjectKey>) =
            keys.iter().cloned().partition(|k| k.as_str().contains("locked"));
        let mut report = self.0.delete_many(&free).await?;
        report.failed.extend(locked.into_iter().map(|k| (k, "Permission denied".to_owned())));
        Ok(report)
    }
    async fn presign_get(&self, key: &ObjectKey, expires_in: Duration) -> Result<String, ObjectError> {
        self.0.presign_get(key, expires_in).await
    }
    async fn open(&self, key: &ObjectKey) -> Result<ObjectReader, ObjectError> {
        self.0.open(key).await
    }
}
