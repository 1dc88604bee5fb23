//! One server per data directory. Two would each fire every job, and the second's start-up
//! recovery would mark the first's live runs interrupted and kill them. An advisory `flock` on a
//! file in the directory is held for the process's life and released by the kernel however the
//! process ends, so a crash never leaves a stale lock behind.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

pub const LOCK_FILE: &str = "jobsmith.lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "the data directory {} is in use by another jobsmith server{}; stop it first, or give this one another --data-dir",
        .dir.display(),
        .holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default()
    )]
    InUse { dir: PathBuf, holder: Option<u32> },
    #[error("cannot lock the data directory {}: {source}", .dir.display())]
    Io { dir: PathBuf, source: std::io::Error },
}

/// Held while the server runs; dropping it releases the directory.
#[derive(Debug)]
pub struct DataDirLock {
    _held: Flock<File>,
}

impl DataDirLock {
    /// Locks `dir` without waiting, and writes this process's id into the lock file so that a
    /// refused server can say who holds it.
    pub fn acquire(dir: &Path) -> Result<Self, LockError> {
        let io = |source| LockError::Io { dir: dir.to_path_buf(), source };
        // Not truncated on open: until the lock is ours, the file is the holder's to describe.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(LOCK_FILE))
            .map_err(io)?;
        let mut held = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(held) => held,
            Err((mut file, Errno::EWOULDBLOCK)) => {
                return Err(LockError::InUse { dir: dir.to_path_buf(), holder: holder_pid(&mut file) });
            }
            Err((_, errno)) => return Err(io(errno.into())),
        };
        held.set_len(0).map_err(io)?;
        held.rewind().map_err(io)?;
        write!(held, "{}", std::process::id()).and_then(|()| held.flush()).map_err(io)?;
        Ok(Self { _held: held })
    }
}

fn holder_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = DataDirLock::acquire(dir.path()).expect("the first lock");
        // flock locks belong to an open file, so a second open in this process contends as
        // another process would.
        match DataDirLock::acquire(dir.path()) {
            Err(LockError::InUse { holder, .. }) => assert_eq!(holder, Some(std::process::id())),
            other => panic!("expected the directory in use, got {other:?}"),
        }
        let refused = DataDirLock::acquire(dir.path()).expect_err("still held").to_string();
        assert!(refused.contains(&format!("(pid {})", std::process::id())), "{refused}");
        drop(first);
        DataDirLock::acquire(dir.path()).expect("free again once released");
    }

    #[test]
    fn a_missing_directory_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("nope");
        assert!(matches!(DataDirLock::acquire(&missing), Err(LockError::Io { .. })));
    }
}
