//! How much room the disk under a directory has left, from `statvfs`: the bytes an unprivileged
//! process may still write (`f_bavail`), not counting the blocks kept for root, since the server
//! does not run as root and could never use them.

use std::io;
use std::path::Path;

use crate::app::scrape::FreeSpace;

#[derive(Debug, Clone, Copy, Default)]
pub struct StatvfsFreeSpace;

impl FreeSpace for StatvfsFreeSpace {
    fn available_bytes(&self, dir: &Path) -> io::Result<u64> {
        let stats = nix::sys::statvfs::statvfs(dir).map_err(io::Error::from)?;
        // Both are narrower than u64 on some targets (32-bit `c_ulong`), never wider.
        #[allow(clippy::useless_conversion)]
        let (blocks, fragment) = (u64::from(stats.blocks_available()), u64::from(stats.fragment_size()));
        Ok(blocks.saturating_mul(fragment))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_some_room_on_the_test_disk_and_fails_on_a_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let free = StatvfsFreeSpace.available_bytes(dir.path()).unwrap();
        assert!(free > 0);
        let missing = StatvfsFreeSpace.available_bytes(&dir.path().join("missing")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
