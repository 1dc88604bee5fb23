//! Object keys (every object the stores hold) and seed 000's clip names.
//!
//! An accepted key must stay under the store's root once joined to it, have no `.`/`..` or empty
//! segment and read back as itself; an accepted clip name must be a single segment that, under
//! the clips prefix, is an accepted key that stays under that prefix.
#![no_main]

use std::path::{Component, Path};

use jobsmith::domain::clip_name::ClipName;
use jobsmith::domain::object_key::{MAX_KEY_BYTES, ObjectKey};
use libfuzzer_sys::fuzz_target;

fn stays_under(root: &Path, key: &str) {
    let joined = root.join(key);
    assert!(joined.starts_with(root), "{key:?} leaves the root");
    let below = joined.strip_prefix(root).unwrap_or_else(|_| panic!("{key:?} leaves the root"));
    for part in below.components() {
        assert!(matches!(part, Component::Normal(_)), "{key:?} has a {part:?} component");
    }
    assert_eq!(below.components().count(), key.split('/').count(), "{key:?} reads as other segments");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let root = Path::new("/srv/objects");

    if let Ok(key) = ObjectKey::parse(text) {
        assert_eq!(key.as_str(), text);
        assert!(!text.is_empty() && text.len() <= MAX_KEY_BYTES && !text.starts_with('/'));
        assert!(!text.contains('\\') && !text.chars().any(char::is_control), "{text:?}");
        for segment in key.segments() {
            assert!(!matches!(segment, "" | "." | ".."), "{text:?} has the segment {segment:?}");
        }
        stays_under(root, text);
        assert_eq!(ObjectKey::parse(key.as_str()).as_ref(), Ok(&key));
        // Every valid key is under a prefix that can match it.
        let cut = text.char_indices().map(|(i, _)| i).nth(text.chars().count() / 2).unwrap_or(0);
        assert!(ObjectKey::prefix_can_match(&text[..cut]), "{text:?} under {:?}", &text[..cut]);
        let stored: ObjectKey = serde_json::from_value(serde_json::Value::String(text.to_owned()))
            .unwrap_or_else(|e| panic!("{text:?} does not load: {e}"));
        assert_eq!(stored, key);
    } else {
        let refused = serde_json::from_value::<ObjectKey>(serde_json::Value::String(text.to_owned()));
        assert!(refused.is_err(), "{text:?} loads though it does not parse");
    }

    if let Ok(name) = ClipName::parse(text) {
        assert_eq!(name.as_str(), text);
        assert!(!text.contains('/') && !text.starts_with('.'), "{text:?}");
        let key = format!("clips/{text}");
        let key = ObjectKey::parse(&key).unwrap_or_else(|e| panic!("clip {text:?} makes no key: {e:?}"));
        assert_eq!(key.segments().collect::<Vec<_>>(), ["clips", text]);
        stays_under(&root.join("clips"), text);
    }
});
