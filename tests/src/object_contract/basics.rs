//! One object at a time: round trips, missing keys, replacing, content types.

use std::sync::Arc;

use chrono::Utc;
use jobsmith::ports::{ObjectError, ObjectStore};

use super::{ObjectBackend, key};

pub async fn put_then_get_and_head_round_trip(store: Arc<dyn ObjectStore>) {
    let before = Utc::now() - chrono::Duration::minutes(5);
    let cases: [(&str, &[u8]); 4] = [
        ("videos/abc.mp4", b"not really a video"),
        ("clips/a b/c (1).mp4", b"spaces and brackets"),
        ("meta/\u{e9}t\u{e9}/\u{1f3ac}.json", br#"{"unicode": true}"#),
        ("empty", b""),
    ];
    for (raw, body) in cases {
        let k = key(raw);
        store.put(&k, body.to_vec(), "application/octet-stream").await.expect("put");
        assert_eq!(store.get(&k).await.expect("get"), body, "{raw}: the body round-trips");
        let info = store.head(&k).await.expect("head").unwrap_or_else(|| panic!("{raw}: head finds it"));
        assert_eq!(info.key, k);
        assert_eq!(info.size, body.len() as u64, "{raw}: head reports the size");
        let modified = info.last_modified.unwrap_or_else(|| panic!("{raw}: head reports when it was written"));
        assert!(modified > before && modified < Utc::now() + chrono::Duration::minutes(5), "{raw}: {modified}");
    }
}

pub async fn missing_keys_are_not_found(store: Arc<dyn ObjectStore>) {
    store.put(&key("videos/here.mp4"), b"x".to_vec(), "video/mp4").await.expect("put");
    for raw in ["videos/missing.mp4", "videos", "videos/here.mp4/deeper", "nowhere/at/all"] {
        let k = key(raw);
        assert!(matches!(store.get(&k).await, Err(ObjectError::NotFound)), "{raw}: get is NotFound");
        assert!(store.head(&k).await.expect("head").is_none(), "{raw}: head is None");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let kept = dir.path().join("kept.mp4");
    std::fs::write(&kept, b"old").expect("write");
    let fresh = dir.path().join("fresh.mp4");
    let missing = key("videos/missing.mp4");
    assert!(matches!(store.get_to_file(&missing, &kept).await, Err(ObjectError::NotFound)));
    assert!(matches!(store.get_to_file(&missing, &fresh).await, Err(ObjectError::NotFound)));
    assert_eq!(std::fs::read(&kept).expect("read"), b"old", "a failed download leaves the file as it was");
    assert!(!fresh.exists(), "a failed download creates no file");
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1, "and leaves no partial file");
}

pub async fn a_write_replaces_the_object(store: Arc<dyn ObjectStore>) {
    let k = key("videos/replaced.mp4");
    store.put(&k, b"a longer first version".to_vec(), "video/mp4").await.expect("put");
    store.put(&k, b"second".to_vec(), "video/mp4").await.expect("put again");
    assert_eq!(store.get(&k).await.expect("get"), b"second");
    assert_eq!(store.head(&k).await.expect("head").map(|i| i.size), Some(6));

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("third.mp4");
    std::fs::write(&file, b"third, from a file").expect("write");
    store.put_file(&k, &file, "video/mp4").await.expect("put_file over it");
    assert_eq!(store.get(&k).await.expect("get"), b"third, from a file");
    let listed = store.list("videos/", None, 10).await.expect("list");
    assert_eq!(listed.objects.len(), 1, "one key, however often it is written");
    assert_eq!(listed.objects[0].size, 18);
}

pub async fn content_type_is_kept_where_the_backend_keeps_one<B: ObjectBackend>(store: Arc<dyn ObjectStore>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("clip.webm");
    std::fs::write(&file, b"webm frames").expect("write");
    store.put(&key("meta/a.json"), b"{}".to_vec(), "application/json").await.expect("put");
    store.put_file(&key("clips/a.webm"), &file, "video/webm").await.expect("put_file");
    for (raw, wanted) in [("meta/a.json", "application/json"), ("clips/a.webm", "video/webm")] {
        let info = store.head(&key(raw)).await.expect("head").expect("exists");
        let expected = B::KEEPS_CONTENT_TYPE.then(|| wanted.to_owned());
        assert_eq!(info.content_type, expected, "{raw}");
    }
    let listed = store.list("", None, 10).await.expect("list");
    assert!(listed.objects.iter().all(|o| o.content_type.is_none()), "listings carry no content type");
}
