//! Listing the folder in S3's order, byte order of whole keys, by walking only the directories
//! that can hold keys of the page: those on the prefix's path and past the token's key.
//!
//! Sorting each directory by name alone would be wrong: `a.mp4` sorts after `a`, yet the key
//! `a.mp4` comes before every `a/...` key, since `.` is below `/`. A directory is sorted as its
//! name with a `/` after it, which is how its keys begin.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::paths::{WORKING_MARK, backend};
use crate::domain::object_key::ObjectKey;
use crate::ports::{ObjectError, ObjectInfo};

/// What one page asks of the walk.
pub(super) struct Page<'a> {
    pub prefix: &'a str,
    /// Only keys after this one.
    pub after: Option<&'a str>,
    /// Stop at this many objects.
    pub take: usize,
}

pub(super) fn list(root: &Path, page: &Page<'_>) -> Result<Vec<ObjectInfo>, ObjectError> {
    let mut found = Vec::new();
    walk(root, "", page, &mut found)?;
    Ok(found)
}

struct Entry {
    name: String,
    is_dir: bool,
}

impl Entry {
    /// How the entry sorts among its siblings: the way the keys in or under it begin.
    fn sort_name(&self) -> String {
        if self.is_dir { format!("{}/", self.name) } else { self.name.clone() }
    }
}

/// Adds the page's objects under `dir` (whose keys begin with `rel`) to `found`, in key order,
/// until it holds `take`.
fn walk(dir: &Path, rel: &str, page: &Page<'_>, found: &mut Vec<ObjectInfo>) -> Result<(), ObjectError> {
    let mut entries = match read_entries(dir) {
        Ok(entries) => entries,
        // Deleted since its parent was read: it holds nothing now.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(backend("cannot list", dir, err)),
    };
    entries.sort_by_cached_key(Entry::sort_name);
    for entry in entries {
        if found.len() >= page.take {
            return Ok(());
        }
        let path = dir.join(&entry.name);
        if entry.is_dir {
            let begins = format!("{rel}{}/", entry.name);
            let under_prefix = begins.starts_with(page.prefix) || page.prefix.starts_with(&begins);
            // Every key under it is before `after` when `after` is past it and not inside it.
            let passed = page.after.is_some_and(|after| after > begins.as_str() && !after.starts_with(&begins));
            if under_prefix && !passed {
                walk(&path, &begins, page, found)?;
            }
            continue;
        }
        let key = format!("{rel}{}", entry.name);
        if !key.starts_with(page.prefix) || page.after.is_some_and(|after| key.as_str() <= after) {
            continue;
        }
        let Ok(key) = ObjectKey::parse(&key) else { continue };
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(backend("cannot read", &path, err)),
        };
        found.push(info(key, &meta));
    }
    Ok(())
}

/// The directories and regular files of `dir` whose names can be a key's segment: no links, no
/// working files, nothing that is not UTF-8.
fn read_entries(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        if name.contains(WORKING_MARK) || name.chars().any(char::is_control) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() || kind.is_file() {
            entries.push(Entry { name, is_dir: kind.is_dir() });
        }
    }
    Ok(entries)
}

pub(super) fn info(key: ObjectKey, meta: &std::fs::Metadata) -> ObjectInfo {
    ObjectInfo {
        key,
        size: meta.len(),
        last_modified: meta.modified().ok().map(DateTime::<Utc>::from),
        content_type: None,
    }
}
