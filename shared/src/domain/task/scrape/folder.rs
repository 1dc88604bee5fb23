//! Seed 002's `drive_folder_id`: the folder a run's videos go to instead of `<mode>/<value>`.
//! The seed named a Google Drive folder; here it is a prefix under `videos/` in the object store,
//! so it is held to what every backend keeps as the same path and what cannot climb out of the
//! videos prefix or collide with a video's own `<yyyy>/<mm>/<id>` tail in surprising ways.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Long enough for any Drive folder id and a few levels of names; short enough that the key
/// under it (`videos/<folder>/<yyyy>/<mm>/<id>.<ext>`) stays far inside S3's 1,024 bytes.
pub const MAX_FOLDER_BYTES: usize = 200;

/// A relative `/`-separated path of letters, digits, `-`, `_` and `.`: no empty segment, no `.`
/// or `..` segment, no leading or trailing `/`, at most [`MAX_FOLDER_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StorageFolder(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StorageFolderError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_FOLDER_BYTES} characters")]
    TooLong,
    #[error("must be a relative path: no leading '/'")]
    Absolute,
    #[error("must not have an empty, '.' or '..' segment")]
    BadSegment,
    #[error("may contain only letters, digits, '-', '_', '.' and '/'")]
    BadCharacter,
}

impl StorageFolder {
    pub fn parse(raw: &str) -> Result<Self, StorageFolderError> {
        if raw.is_empty() {
            return Err(StorageFolderError::Empty);
        }
        if raw.len() > MAX_FOLDER_BYTES {
            return Err(StorageFolderError::TooLong);
        }
        if raw.starts_with('/') {
            return Err(StorageFolderError::Absolute);
        }
        if !raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/')) {
            return Err(StorageFolderError::BadCharacter);
        }
        if raw.split('/').any(|segment| matches!(segment, "" | "." | "..")) {
            return Err(StorageFolderError::BadSegment);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StorageFolder {
    type Error = StorageFolderError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<StorageFolder> for String {
    fn from(folder: StorageFolder) -> Self {
        folder.0
    }
}

impl fmt::Display for StorageFolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_ids_and_nested_names_are_folders() {
        let longest = "a".repeat(MAX_FOLDER_BYTES);
        for ok in ["optional-folder-id", "1AbC_xyz-9", "TikTok/profile/khaby.lame", "v1.2", "..x", longest.as_str()] {
            assert_eq!(StorageFolder::parse(ok).map(String::from), Ok(ok.to_owned()), "{ok}");
        }
    }

    #[test]
    fn paths_that_escape_or_alias_are_refused() {
        let cases: &[(&str, StorageFolderError)] = &[
            ("", StorageFolderError::Empty),
            ("/etc", StorageFolderError::Absolute),
            ("a/../../b", StorageFolderError::BadSegment),
            ("..", StorageFolderError::BadSegment),
            ("./a", StorageFolderError::BadSegment),
            ("a//b", StorageFolderError::BadSegment),
            ("a/", StorageFolderError::BadSegment),
            ("a\\b", StorageFolderError::BadCharacter),
            ("a b", StorageFolderError::BadCharacter),
            ("é", StorageFolderError::BadCharacter),
            ("a\0", StorageFolderError::BadCharacter),
            ("a?b", StorageFolderError::BadCharacter),
        ];
        for (raw, why) in cases {
            assert_eq!(StorageFolder::parse(raw).as_ref(), Err(why), "{raw:?}");
        }
        assert_eq!(StorageFolder::parse(&"a".repeat(MAX_FOLDER_BYTES + 1)), Err(StorageFolderError::TooLong));
        assert!(serde_json::from_str::<StorageFolder>("\"../x\"").is_err());
    }
}
