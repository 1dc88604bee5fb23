//! A fresh directory for one download, removed when the video is done with, whatever happened.

use std::io;
use std::path::{Path, PathBuf};

/// Prefix of every download directory, so that a sweep after a crash can tell them apart.
pub(super) const PREFIX: &str = "scrape-";

pub(super) struct WorkDir {
    path: PathBuf,
    removed: bool,
}

impl WorkDir {
    /// Makes `<root>/scrape-<uuid>`, and `root` too if need be.
    pub(super) async fn create(root: &Path) -> io::Result<Self> {
        tokio::fs::create_dir_all(root).await?;
        let path = root.join(format!("{PREFIX}{}", uuid::Uuid::new_v4()));
        tokio::fs::create_dir(&path).await?;
        Ok(Self { path, removed: false })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    pub(super) async fn remove(mut self) {
        self.removed = true;
        if let Err(e) = tokio::fs::remove_dir_all(&self.path).await
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %self.path.display(), error = %e, "could not remove a download directory");
        }
    }
}

impl Drop for WorkDir {
    /// The path not taken through [`WorkDir::remove`]: a panic, or a future dropped mid-way.
    fn drop(&mut self) {
        if !self.removed {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
