//! The `{filename}` of seed 000's `DELETE /api/clips/{filename}`: one clip file's name, which can
//! only ever name a file in the clips prefix.

use std::fmt;

use super::cleanup::is_video_file;
use super::object_key::MAX_SEGMENT_BYTES;

/// A single path segment that is a video file's name: no separator (a `%2F` arrives decoded, as a
/// `/`), no backslash, no control character (NUL included), not `.`/`..` or hidden, at most
/// [`MAX_SEGMENT_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClipName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Invalid clip name: a clip is named by its file name alone, such as 0190a1b2-….mp4")]
pub struct ClipNameError;

impl ClipName {
    pub fn parse(raw: &str) -> Result<Self, ClipNameError> {
        let fits = !raw.is_empty()
            && raw.len() <= MAX_SEGMENT_BYTES
            && !raw.starts_with('.')
            && !raw.chars().any(|c| c == '/' || c == '\\' || c.is_control())
            && is_video_file(raw);
        if fits { Ok(Self(raw.to_owned())) } else { Err(ClipNameError) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClipName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_video_files_own_name_is_a_clip_name() {
        for good in ["0190a1b2-0000-7000-8000-000000000000-001.mp4", "clip.MKV", "a b.webm"] {
            assert_eq!(ClipName::parse(good).map(|n| n.to_string()), Ok(good.to_owned()));
        }
        let long = format!("{}.mp4", "a".repeat(MAX_SEGMENT_BYTES));
        for bad in [
            "",
            "..",
            "../x.mp4",
            "/etc/x.mp4",
            "a/b.mp4",
            "a\\b.mp4",
            "a\0.mp4",
            ".hidden.mp4",
            "notes.txt",
            "all",
            long.as_str(),
        ] {
            assert_eq!(ClipName::parse(bad), Err(ClipNameError), "{bad:?}");
        }
    }
}
