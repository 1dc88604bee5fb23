//! Deleting many keys at once, each one reported.

use std::sync::Arc;

use jobsmith::ports::{ObjectError, ObjectStore};

use super::key;

pub async fn delete_many_reports_each_key(store: Arc<dyn ObjectStore>) {
    let kept = [key("clips/keep.mp4"), key("videos/2024/keep.mp4")];
    let doomed = [key("videos/2024/a.mp4"), key("videos/2024/b.mp4"), key("videos/c.mp4")];
    for k in kept.iter().chain(&doomed) {
        store.put(k, k.as_str().as_bytes().to_vec(), "video/mp4").await.expect("put");
    }
    let mut asked = doomed.to_vec();
    asked.push(key("videos/never-was.mp4"));
    asked.push(key("never/was/either.mp4"));

    let mut report = store.delete_many(&asked).await.expect("delete_many");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    report.deleted.sort();
    asked.sort();
    assert_eq!(report.deleted, asked, "each key reported once, missing keys as deleted");

    for k in &doomed {
        assert!(store.head(k).await.expect("head").is_none(), "{k} is gone");
        assert!(matches!(store.get(k).await, Err(ObjectError::NotFound)), "{k} is gone");
    }
    for k in &kept {
        assert_eq!(store.get(k).await.expect("get"), k.as_str().as_bytes(), "{k} is untouched");
    }
    let listed: Vec<_> = store.list("", None, 100).await.expect("list").objects.into_iter().map(|o| o.key).collect();
    assert_eq!(listed, kept, "only the kept keys are listed");

    let empty = store.delete_many(&[]).await.expect("no keys");
    assert!(empty.deleted.is_empty() && empty.failed.is_empty(), "no keys is an empty report");
    let again = store.delete_many(&doomed).await.expect("delete again");
    assert_eq!(again.deleted.len(), doomed.len(), "deleting twice is no error");
}
