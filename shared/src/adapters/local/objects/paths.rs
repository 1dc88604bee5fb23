//! From keys to files under the root, never through a symbolic link: a link inside the folder
//! could otherwise read, replace or delete files anywhere. Every directory on a key's way is
//! checked not to be a link, and the file itself is opened with `O_NOFOLLOW`. (Someone who can
//! write inside the root could still swap a checked directory for a link before it is used; the
//! root is the server's own data directory, which nothing else writes.)

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;

use crate::domain::object_key::ObjectKey;
use crate::ports::ObjectError;

/// Working files' names start with a backslash, which no key may contain: a working file is
/// never listed as an object and never collides with one.
pub(super) const WORKING_MARK: char = '\\';

/// How often a write retries when the directory it made was removed under it, by a delete
/// pruning what it saw as an empty directory.
const WRITE_TRIES: usize = 3;

pub(super) fn backend(what: &str, path: &Path, err: impl std::fmt::Display) -> ObjectError {
    ObjectError::Backend(format!("{what} {}: {err}", path.display()))
}

fn not_followed(path: &Path) -> ObjectError {
    backend("refusing a symbolic link or special file at", path, "the object store follows no links")
}

/// Where a key's file is, when there is one.
pub(super) enum Found {
    File(PathBuf, Metadata),
    Missing,
}

/// Finds `key`'s file. A directory where the key's file would be (it holds longer keys) means
/// the key does not exist.
pub(super) fn find(root: &Path, key: &ObjectKey) -> Result<Found, ObjectError> {
    let mut path = root.to_path_buf();
    let mut segments = key.segments().peekable();
    while let Some(segment) = segments.next() {
        path.push(segment);
        let last = segments.peek().is_none();
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(err) if is_missing(&err) => return Ok(Found::Missing),
            Err(err) => return Err(backend("cannot read", &path, err)),
        };
        let kind = meta.file_type();
        match (last, kind.is_dir(), kind.is_file()) {
            (false, true, _) => {}
            (true, _, true) => return Ok(Found::File(path, meta)),
            (_, true, _) | (false, _, true) => return Ok(Found::Missing),
            _ => return Err(not_followed(&path)),
        }
    }
    Ok(Found::Missing)
}

/// `NotFound`, or a file where a directory was expected on the way (`ENOTDIR`).
fn is_missing(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::NotFound || err.raw_os_error() == Some(nix::libc::ENOTDIR)
}

/// Opens a file `find` returned for reading, without following a link put there since.
pub(super) fn open_found(path: &Path) -> Result<File, ObjectError> {
    match OpenOptions::new().read(true).custom_flags(OFlag::O_NOFOLLOW.bits()).open(path) {
        Ok(file) => Ok(file),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Err(ObjectError::NotFound),
        Err(err) if err.raw_os_error() == Some(nix::libc::ELOOP) => Err(not_followed(path)),
        Err(err) => Err(backend("cannot open", path, err)),
    }
}

/// Makes the directories of `key`'s path, checking each is a real directory, and returns the
/// last one with the key's file name.
fn make_dirs(root: &Path, key: &ObjectKey) -> Result<(PathBuf, String), ObjectError> {
    let segments: Vec<&str> = key.segments().collect();
    let (name, dirs) = segments.split_last().ok_or_else(|| ObjectError::Backend("an empty key".to_owned()))?;
    let mut dir = root.to_path_buf();
    for segment in dirs {
        dir.push(segment);
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                let meta = std::fs::symlink_metadata(&dir).map_err(|e| backend("cannot read", &dir, e))?;
                if meta.is_file() {
                    return Err(backend("cannot store under", &dir, "it is an object, not a folder"));
                }
                if !meta.is_dir() {
                    return Err(not_followed(&dir));
                }
            }
            Err(err) => return Err(backend("cannot create", &dir, err)),
        }
    }
    Ok((dir, (*name).to_owned()))
}

/// Writes `key`'s file atomically: a working file in the same directory, filled by `fill`,
/// synced, then renamed over the key's file, and the directory synced so the rename lasts. A
/// crash leaves at worst a working file, which no listing shows and `open` sweeps away.
pub(super) fn write_atomic(
    root: &Path,
    key: &ObjectKey,
    mut fill: impl FnMut(&mut File) -> Result<(), ObjectError>,
) -> Result<(), ObjectError> {
    let mut tries = 0;
    let (dir, name, temp, mut file) = loop {
        tries += 1;
        let (dir, name) = make_dirs(root, key)?;
        let temp = dir.join(format!("{WORKING_MARK}{}.part", uuid::Uuid::new_v4().simple()));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => break (dir, name, temp, file),
            Err(err) if err.kind() == io::ErrorKind::NotFound && tries < WRITE_TRIES => continue,
            Err(err) => return Err(backend("cannot create", &temp, err)),
        }
    };
    let written = fill(&mut file)
        .and_then(|()| file.flush().map_err(|e| backend("cannot write", &temp, e)))
        .and_then(|()| file.sync_all().map_err(|e| backend("cannot sync", &temp, e)));
    drop(file);
    let target = dir.join(&name);
    let renamed = written.and_then(|()| match std::fs::rename(&temp, &target) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::IsADirectory || err.kind() == io::ErrorKind::DirectoryNotEmpty => {
            Err(backend("cannot store", &target, "it is a folder of other objects"))
        }
        Err(err) => Err(backend("cannot rename onto", &target, err)),
    });
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    renamed?;
    File::open(&dir).and_then(|d| d.sync_all()).map_err(|e| backend("cannot sync", &dir, e))
}

/// Removes the empty directories from `file`'s up to, not including, the root.
pub(super) fn prune_empty_dirs(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(current) = dir {
        if current == root || !current.starts_with(root) || std::fs::remove_dir(current).is_err() {
            return;
        }
        dir = current.parent();
    }
}

/// Removes the working files a crash left anywhere under `dir`, following no links.
pub(super) fn sweep_working_files(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            sweep_working_files(&entry.path())?;
        } else if kind.is_file() && entry.file_name().to_string_lossy().starts_with(WORKING_MARK) {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}
