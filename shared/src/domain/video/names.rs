//! The names a video is found and filtered by, each parsed once at the edge: a value of one of
//! these types is bounded, has no control characters, and is in the one spelling stores compare
//! (lowercase where the platforms ignore case), so that a filter matches what a scrape stored.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    #[error("{what} must be at most {max} bytes")]
    TooLong { what: &'static str, max: usize },
    #[error("{what} must not contain {forbidden}")]
    BadCharacter { what: &'static str, forbidden: &'static str },
}

/// Checks the rules every name shares and returns it.
fn bounded(what: &'static str, raw: &str, max: usize, spaces: bool) -> Result<String, NameError> {
    if raw.is_empty() {
        return Err(NameError::Empty { what });
    }
    if raw.len() > max {
        return Err(NameError::TooLong { what, max });
    }
    if raw.chars().any(char::is_control) {
        return Err(NameError::BadCharacter { what, forbidden: "control characters" });
    }
    if !spaces && raw.chars().any(char::is_whitespace) {
        return Err(NameError::BadCharacter { what, forbidden: "whitespace" });
    }
    Ok(raw.to_owned())
}

/// A string newtype whose only constructor is its parser, also on deserializing.
macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> Self {
                name.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

name_type!(
    /// Where a video comes from: `tiktok`, or the name of the extractor that found it for other
    /// sources (yt-dlp's `generic`, `youtube`, `instagram`…). Lowercase ASCII letters, digits
    /// and `_ . : -`, at most 32 bytes.
    Platform
);

impl Platform {
    pub const MAX_BYTES: usize = 32;

    /// Extractor names are case-insensitive (`TikTok` is `tiktok`).
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let lower = bounded("platform", &raw.to_ascii_lowercase(), Self::MAX_BYTES, false)?;
        if !lower.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.:-".contains(&b)) {
            return Err(NameError::BadCharacter {
                what: "platform",
                forbidden: "characters other than a-z 0-9 _ . : -",
            });
        }
        Ok(Self(lower))
    }

    pub fn tiktok() -> Self {
        Self("tiktok".to_owned())
    }
}

name_type!(
    /// The platform's own id for a video, as its extractor reports it (TikTok's are digits; a
    /// generic extractor's can be any text). Kept exactly: ids are case-sensitive on some
    /// platforms. At most 256 bytes, no control characters.
    PlatformVideoId
);

impl PlatformVideoId {
    pub const MAX_BYTES: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, NameError> {
        bounded("platform video id", raw, Self::MAX_BYTES, true).map(Self)
    }
}

/// Drops the one marker a user may type in front of a name (`@user`, `#tag`), then lowercases:
/// the platforms compare usernames and hashtags without case.
fn normalized(raw: &str, marker: char) -> String {
    raw.strip_prefix(marker).unwrap_or(raw).to_lowercase()
}

name_type!(
    /// What a scrape was asked for: a username (profile mode) or a hashtag (hashtag mode), without
    /// its `@` or `#` and lowercased. At most 128 bytes, no whitespace or control characters.
    ScrapeValue
);

impl ScrapeValue {
    pub const MAX_BYTES: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let marker = if raw.starts_with('#') { '#' } else { '@' };
        bounded("value", &normalized(raw, marker), Self::MAX_BYTES, false).map(Self)
    }
}

name_type!(
    /// A video author's username, without `@` and lowercased. At most 128 bytes, no whitespace or
    /// control characters.
    AuthorUsername
);

impl AuthorUsername {
    pub const MAX_BYTES: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, NameError> {
        bounded("author username", &normalized(raw, '@'), Self::MAX_BYTES, false).map(Self)
    }
}

name_type!(
    /// One hashtag of a video, without `#` and lowercased. At most 150 bytes, no whitespace, no
    /// control characters and no `#` inside (which would make it two tags).
    Hashtag
);

impl Hashtag {
    pub const MAX_BYTES: usize = 150;

    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let tag = bounded("hashtag", &normalized(raw, '#'), Self::MAX_BYTES, false)?;
        if tag.contains('#') {
            return Err(NameError::BadCharacter { what: "hashtag", forbidden: "'#' after its start" });
        }
        Ok(Self(tag))
    }
}

name_type!(
    /// The page a video was found at: an `http` or `https` URL of at most 2,048 bytes, without
    /// whitespace or control characters.
    SourceUrl
);

impl SourceUrl {
    pub const MAX_BYTES: usize = 2_048;

    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let url = bounded("source url", raw, Self::MAX_BYTES, false)?;
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.len() <= "https://".len() {
            return Err(NameError::BadCharacter { what: "source url", forbidden: "a scheme other than http(s)" });
        }
        Ok(Self(url))
    }
}

/// How a scrape names what it fetches: a profile's videos or a hashtag's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScrapeMode {
    Profile,
    Hashtag,
}

impl ScrapeMode {
    pub const ALL: [ScrapeMode; 2] = [Self::Profile, Self::Hashtag];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Profile => "profile",
            Self::Hashtag => "hashtag",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == raw)
    }
}
