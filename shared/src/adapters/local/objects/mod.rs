//! The object store of the embedded default: a folder (`<data dir>/objects`), one file per
//! object at its key's path, so `videos/a.mp4` is `<root>/videos/a.mp4`.
//!
//! Writes are atomic (a working file beside the key's, synced, renamed over it), so a crash never
//! leaves part of a file under a real key. No link is followed (`paths`). Listing walks the
//! directories in S3's key order (`listing`); a directory's whole listing is read for each page,
//! which is cheap next to the stat calls it avoids but does grow with the directory.
//!
//! What a folder cannot do that S3 can: hold both `a` and `a/b` (the second write fails with a
//! backend error), keep a content type (`head` reports none), or hand out a URL. Downloads of
//! local objects go through the jobsmith server (`GET /api/v1/files/{key}`, which streams them
//! with `open`), and `presign_get` answers [`ObjectError::NoDirectUrl`].

mod listing;
mod paths;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use self::paths::{Found, backend};
use crate::adapters::object_token;
use crate::adapters::part_file::PartFile;
use crate::domain::object_key::ObjectKey;
use crate::ports::{DeleteReport, MAX_PAGE, ObjectError, ObjectInfo, ObjectPage, ObjectReader, ObjectStore};

pub struct LocalObjectStore {
    root: Arc<Path>,
}

impl LocalObjectStore {
    /// Opens the folder at `root`, creating it if need be, and removes the working files of
    /// writes a crash interrupted.
    pub fn open(root: &Path) -> Result<Self, ObjectError> {
        std::fs::create_dir_all(root).map_err(|e| backend("cannot create", root, e))?;
        // Resolved once: the root itself may be a link (a data directory on another disk).
        let root = root.canonicalize().map_err(|e| backend("cannot resolve", root, e))?;
        paths::sweep_working_files(&root).map_err(|e| backend("cannot clean up working files in", &root, e))?;
        Ok(Self { root: root.into() })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Runs file system work off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Path) -> Result<T, ObjectError> + Send + 'static,
    ) -> Result<T, ObjectError> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || work(&root))
            .await
            .map_err(|e| ObjectError::Backend(format!("object store task failed: {e}")))?
    }
}

fn caller_file(what: &str, path: &Path, err: impl std::fmt::Display) -> ObjectError {
    ObjectError::File(format!("{what} {}: {err}", path.display()))
}

#[async_trait]
impl ObjectStore for LocalObjectStore {
    /// The content type is not kept.
    async fn put(&self, key: &ObjectKey, body: Vec<u8>, _content_type: &str) -> Result<(), ObjectError> {
        let key = key.clone();
        self.blocking(move |root| {
            paths::write_atomic(root, &key, |file| {
                std::io::Write::write_all(file, &body)
                    .map_err(|e| ObjectError::Backend(format!("cannot write object {key}: {e}")))
            })
        })
        .await
    }

    /// The content type is not kept.
    async fn put_file(&self, key: &ObjectKey, path: &Path, _content_type: &str) -> Result<(), ObjectError> {
        let (key, source) = (key.clone(), path.to_owned());
        self.blocking(move |root| {
            let mut input = std::fs::File::open(&source).map_err(|e| caller_file("cannot read", &source, e))?;
            let meta = input.metadata().map_err(|e| caller_file("cannot read", &source, e))?;
            if !meta.is_file() {
                return Err(caller_file("cannot upload", &source, "not a regular file"));
            }
            paths::write_atomic(root, &key, |file| {
                std::io::copy(&mut input, file).map(drop).map_err(|e| backend("cannot copy into the store", &source, e))
            })
        })
        .await
    }

    async fn get(&self, key: &ObjectKey) -> Result<Vec<u8>, ObjectError> {
        let key = key.clone();
        self.blocking(move |root| {
            let Found::File(path, _) = paths::find(root, &key)? else { return Err(ObjectError::NotFound) };
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut paths::open_found(&path)?, &mut body)
                .map_err(|e| backend("cannot read", &path, e))?;
            Ok(body)
        })
        .await
    }

    async fn get_to_file(&self, key: &ObjectKey, path: &Path) -> Result<u64, ObjectError> {
        let (key, dest) = (key.clone(), path.to_owned());
        self.blocking(move |root| {
            let Found::File(source, _) = paths::find(root, &key)? else { return Err(ObjectError::NotFound) };
            let mut input = paths::open_found(&source)?;
            let (part, mut output) = PartFile::create(&dest).map_err(|e| caller_file("cannot write", &dest, e))?;
            let size = std::io::copy(&mut input, &mut output).map_err(|e| backend("cannot copy", &source, e))?;
            drop(output);
            part.commit().map_err(|e| caller_file("cannot write", &dest, e))?;
            Ok(size)
        })
        .await
    }

    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectInfo>, ObjectError> {
        let key = key.clone();
        self.blocking(move |root| match paths::find(root, &key)? {
            Found::File(_, meta) => Ok(Some(listing::info(key, &meta))),
            Found::Missing => Ok(None),
        })
        .await
    }

    async fn list(&self, prefix: &str, token: Option<&str>, limit: u32) -> Result<ObjectPage, ObjectError> {
        let after = token.map(|t| object_token::decode(t, prefix)).transpose()?;
        if !ObjectKey::prefix_can_match(prefix) {
            return Ok(ObjectPage { objects: Vec::new(), next_token: None });
        }
        let take = limit.clamp(1, MAX_PAGE) as usize;
        let prefix = prefix.to_owned();
        self.blocking(move |root| {
            // One more than the page, to know whether another page follows.
            let page = listing::Page { prefix: &prefix, after: after.as_deref(), take: take + 1 };
            let mut objects = listing::list(root, &page)?;
            let next_token = if objects.len() > take {
                objects.truncate(take);
                objects.last().map(|last| object_token::encode(&prefix, last.key.as_str()))
            } else {
                None
            };
            Ok(ObjectPage { objects, next_token })
        })
        .await
    }

    async fn delete_many(&self, keys: &[ObjectKey]) -> Result<DeleteReport, ObjectError> {
        let keys = keys.to_vec();
        self.blocking(move |root| {
            let mut report = DeleteReport::default();
            for key in keys {
                match delete_one(root, &key) {
                    Ok(()) => report.deleted.push(key),
                    Err(err) => {
                        tracing::error!(%key, error = %err, "cannot delete a local object");
                        report.failed.push((key, "the object could not be deleted".to_owned()));
                    }
                }
            }
            Ok(report)
        })
        .await
    }

    async fn presign_get(&self, _key: &ObjectKey, _expires_in: Duration) -> Result<String, ObjectError> {
        Err(ObjectError::NoDirectUrl)
    }

    /// The file itself, read as the download is sent: a 1 GiB video never sits in memory.
    async fn open(&self, key: &ObjectKey) -> Result<ObjectReader, ObjectError> {
        let key = key.clone();
        let (file, size) = self
            .blocking(move |root| {
                let Found::File(path, _) = paths::find(root, &key)? else { return Err(ObjectError::NotFound) };
                let file = paths::open_found(&path)?;
                // The size of the file opened: a write may have replaced the one found meanwhile.
                let size = file.metadata().map_err(|e| backend("cannot read", &path, e))?.len();
                Ok((file, size))
            })
            .await?;
        Ok(ObjectReader { size, body: Box::pin(tokio::fs::File::from_std(file)) })
    }
}

/// Removes `key`'s file and the directories it leaves empty; a key that is not there is done.
fn delete_one(root: &Path, key: &ObjectKey) -> Result<(), ObjectError> {
    let Found::File(path, _) = paths::find(root, key)? else { return Ok(()) };
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(backend("cannot delete", &path, err)),
    }
    paths::prune_empty_dirs(root, &path);
    Ok(())
}
