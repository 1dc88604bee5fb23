//! A file that appears at its path only once it is complete: it is written under a temporary
//! name beside the destination (the same directory, so the same file system, so the final
//! rename is atomic) and removed if it is never committed.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

pub(crate) struct PartFile {
    temp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl PartFile {
    /// Creates the temporary file beside `dest`, which must name a file in an existing directory.
    pub(crate) fn create(dest: &Path) -> io::Result<(Self, File)> {
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the destination has no file name"))?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{}.part", uuid::Uuid::new_v4().simple()));
        let temp = dest.with_file_name(temp_name);
        let file = OpenOptions::new().write(true).create_new(true).open(&temp)?;
        Ok((Self { temp, dest: dest.to_owned(), committed: false }, file))
    }

    /// Renames the finished file onto the destination, replacing what was there.
    pub(crate) fn commit(mut self) -> io::Result<()> {
        std::fs::rename(&self.temp, &self.dest)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_destination_changes_only_on_commit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let dest = dir.path().join("out.mp4");
        std::fs::write(&dest, b"old").expect("old file");

        let (part, mut file) = PartFile::create(&dest).expect("create");
        file.write_all(b"new").expect("write");
        assert_eq!(std::fs::read(&dest).expect("read"), b"old", "not before the commit");
        drop(part);
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1, "an abandoned part is removed");

        let (part, mut file) = PartFile::create(&dest).expect("create");
        file.write_all(b"new").expect("write");
        part.commit().expect("commit");
        assert_eq!(std::fs::read(&dest).expect("read"), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1, "no part left behind");
    }

    #[test]
    fn a_destination_without_a_directory_or_name_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(PartFile::create(&dir.path().join("missing/out.mp4")).is_err());
        assert!(PartFile::create(Path::new("/")).is_err());
    }
}
