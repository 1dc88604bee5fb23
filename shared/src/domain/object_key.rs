//! Object keys that are safe for every backend: a key names a file under the local store's root
//! as well as an S3 object, so it can never climb out of the root or mean two different things.

use std::fmt;

use serde::{Deserialize, Serialize};

/// S3's own limit, in bytes of UTF-8.
pub const MAX_KEY_BYTES: usize = 1_024;

/// The longest file name most file systems take (ext4, XFS, APFS): a longer segment could be
/// stored in S3 but not in the local folder, and keys must mean the same on both.
pub const MAX_SEGMENT_BYTES: usize = 255;

/// A `/`-separated relative path such as `videos/2024/abc.mp4`: non-empty segments, none of them
/// `.` or `..`, no backslash (a separator on Windows and in some S3 tools), no control character
/// (NUL ends a C path; the others do not survive S3's XML listings or a log line), at most
/// [`MAX_KEY_BYTES`] in all and [`MAX_SEGMENT_BYTES`] per segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ObjectKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectKeyError {
    #[error("object key must not be empty")]
    Empty,
    #[error("object key must be at most {MAX_KEY_BYTES} bytes")]
    TooLong,
    #[error("object key segments must be at most {MAX_SEGMENT_BYTES} bytes")]
    SegmentTooLong,
    #[error("object key must be relative (no leading '/')")]
    Absolute,
    #[error("object key must not have an empty segment ('//' or a trailing '/')")]
    EmptySegment,
    #[error("object key must not have a '.' or '..' segment")]
    DotSegment,
    #[error("object key must not contain a backslash or a control character")]
    BadCharacter,
}

impl ObjectKey {
    pub fn parse(raw: &str) -> Result<Self, ObjectKeyError> {
        if raw.is_empty() {
            return Err(ObjectKeyError::Empty);
        }
        if raw.len() > MAX_KEY_BYTES {
            return Err(ObjectKeyError::TooLong);
        }
        if raw.starts_with('/') {
            return Err(ObjectKeyError::Absolute);
        }
        if raw.chars().any(|c| c == '\\' || c.is_control()) {
            return Err(ObjectKeyError::BadCharacter);
        }
        for segment in raw.split('/') {
            match segment {
                "" => return Err(ObjectKeyError::EmptySegment),
                "." | ".." => return Err(ObjectKeyError::DotSegment),
                s if s.len() > MAX_SEGMENT_BYTES => return Err(ObjectKeyError::SegmentTooLong),
                _ => {}
            }
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The segments, first to last; never empty, none of them empty.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// Whether some valid key starts with `prefix`. A listing under any other prefix is empty,
    /// whatever a server would make of it (SeaweedFS reads `/videos/` as `videos/`).
    pub fn prefix_can_match(prefix: &str) -> bool {
        if prefix.len() > MAX_KEY_BYTES || prefix.chars().any(|c| c == '\\' || c.is_control()) {
            return false;
        }
        // Every segment but the last is whole; the last may be the start of a longer one.
        let mut segments: Vec<&str> = prefix.split('/').collect();
        let partial = segments.pop().unwrap_or_default();
        partial.len() <= MAX_SEGMENT_BYTES
            && segments.iter().all(|s| !matches!(*s, "" | "." | "..") && s.len() <= MAX_SEGMENT_BYTES)
    }

    /// Whether the key lies under `prefix` as a plain string prefix, the way S3 filters a
    /// listing: `videos/` holds `videos/a.mp4`, `vid` holds it too.
    pub fn starts_with(&self, prefix: &str) -> bool {
        self.0.starts_with(prefix)
    }
}

impl TryFrom<String> for ObjectKey {
    type Error = ObjectKeyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ObjectKey> for String {
    fn from(key: ObjectKey) -> Self {
        key.0
    }
}

impl AsRef<str> for ObjectKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_relative_slash_separated_paths() {
        let longest = format!("{}ab", "a/".repeat(MAX_KEY_BYTES / 2 - 1));
        let long_segment = format!("v/{}", "s".repeat(MAX_SEGMENT_BYTES));
        let others = ["a", "videos/abc.mp4", "clips/a b/c.mp4", "v/.hidden", "v/..x", "v/x..", "é/ü.mp4"];
        for ok in others.iter().copied().chain([longest.as_str(), long_segment.as_str()]) {
            assert_eq!(ObjectKey::parse(ok).map(String::from), Ok(ok.to_owned()), "{ok}");
        }
    }

    #[test]
    fn refuses_keys_that_could_escape_or_alias() {
        let cases: &[(&str, ObjectKeyError)] = &[
            ("", ObjectKeyError::Empty),
            ("/etc/passwd", ObjectKeyError::Absolute),
            ("/", ObjectKeyError::Absolute),
            ("videos/", ObjectKeyError::EmptySegment),
            ("videos//a", ObjectKeyError::EmptySegment),
            ("..", ObjectKeyError::DotSegment),
            ("videos/../etc", ObjectKeyError::DotSegment),
            ("./a", ObjectKeyError::DotSegment),
            ("a/.", ObjectKeyError::DotSegment),
            ("a\\..\\b", ObjectKeyError::BadCharacter),
            ("a\0b", ObjectKeyError::BadCharacter),
            ("a\nb", ObjectKeyError::BadCharacter),
            ("a\u{7f}", ObjectKeyError::BadCharacter),
        ];
        for (raw, why) in cases {
            assert_eq!(ObjectKey::parse(raw).as_ref(), Err(why), "{raw:?}");
        }
        assert_eq!(ObjectKey::parse(&"x".repeat(MAX_KEY_BYTES + 1)), Err(ObjectKeyError::TooLong));
        assert_eq!(ObjectKey::parse(&"x".repeat(MAX_SEGMENT_BYTES + 1)), Err(ObjectKeyError::SegmentTooLong));
    }

    #[test]
    fn a_prefix_can_match_only_if_a_valid_key_starts_with_it() {
        for possible in ["", "v", "videos/", "videos/a", "v/.", "v/..", "v/..x", "v/a b/"] {
            assert!(ObjectKey::prefix_can_match(possible), "{possible:?}");
        }
        for impossible in ["/", "/videos/", "v//", "v/./", "../", "v/../w/", "a\\b", "a\0"] {
            assert!(!ObjectKey::prefix_can_match(impossible), "{impossible:?}");
        }
        assert!(!ObjectKey::prefix_can_match(&"x".repeat(MAX_SEGMENT_BYTES + 1)));
    }

    #[test]
    fn deserializing_checks_too() {
        assert!(serde_json::from_str::<ObjectKey>("\"../x\"").is_err());
        let key: ObjectKey = serde_json::from_str("\"clips/c.mp4\"").expect("valid key");
        assert_eq!(key.segments().collect::<Vec<_>>(), ["clips", "c.mp4"]);
        assert!(key.starts_with("clips/") && key.starts_with("cl") && !key.starts_with("videos/"));
    }
}
