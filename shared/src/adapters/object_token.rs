//! Page tokens of object listings, the same on every object store: base64url of a small JSON
//! body naming the prefix listed and the last key a page returned. The next page starts after
//! that key (S3's `StartAfter`; a walk of the folder), so a token means the same everywhere and
//! is checked here before any backend sees it: S3 servers differ in what they make of a
//! continuation token they did not issue (SeaweedFS takes any string as a key to start after).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::ports::ObjectError;

/// Bumped if the layout changes, so that an old token is refused rather than misread.
const VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
struct Body {
    v: u8,
    /// The prefix listed: a token continues only that listing.
    p: String,
    /// The last key returned; the next page starts after it.
    a: String,
}

pub(crate) fn encode(prefix: &str, after: &str) -> String {
    let body = Body { v: VERSION, p: prefix.to_owned(), a: after.to_owned() };
    // Two strings always serialize; an empty token would be refused by `decode`, not misread.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap_or_default())
}

/// The key to start after, for a token issued for `prefix`.
pub(crate) fn decode(token: &str, prefix: &str) -> Result<String, ObjectError> {
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| ObjectError::BadToken)?;
    let body: Body = serde_json::from_slice(&bytes).map_err(|_| ObjectError::BadToken)?;
    if body.v != VERSION || body.p != prefix || !body.a.starts_with(prefix) {
        return Err(ObjectError::BadToken);
    }
    Ok(body.a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_continues_its_own_listing_only() {
        let token = encode("videos/", "videos/0042.mp4");
        assert_eq!(decode(&token, "videos/").ok().as_deref(), Some("videos/0042.mp4"));
        assert!(matches!(decode(&token, "clips/"), Err(ObjectError::BadToken)));
        assert!(matches!(decode(&token, ""), Err(ObjectError::BadToken)));
    }

    #[test]
    fn anything_else_is_a_bad_token() {
        let wrong_version = URL_SAFE_NO_PAD.encode(br#"{"v":2,"p":"","a":"x"}"#);
        let outside_prefix = URL_SAFE_NO_PAD.encode(br#"{"v":1,"p":"v/","a":"c/x"}"#);
        for bad in ["", "videos/0042.mp4", "not base64!", &wrong_version, &outside_prefix] {
            assert!(matches!(decode(bad, "v/"), Err(ObjectError::BadToken)), "{bad}");
        }
    }
}
