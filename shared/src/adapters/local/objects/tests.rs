//! What only the folder promises, beyond the object contract (`tests/src/object_contract`):
//! no link is followed, working files never show, deletes leave no empty directories.

use std::os::unix::fs::symlink;

use super::*;

fn key(raw: &str) -> ObjectKey {
    ObjectKey::parse(raw).expect("valid key")
}

fn store() -> (tempfile::TempDir, LocalObjectStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = LocalObjectStore::open(&dir.path().join("objects")).expect("open");
    (dir, store)
}

async fn keys(store: &LocalObjectStore, prefix: &str) -> Vec<String> {
    let page = store.list(prefix, None, 1_000).await.expect("list");
    page.objects.into_iter().map(|o| o.key.into()).collect()
}

#[tokio::test]
async fn links_inside_the_root_are_not_followed() {
    let (dir, store) = store();
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).expect("outside dir");
    std::fs::write(outside.join("secret.txt"), b"secret").expect("secret");
    symlink(&outside, store.root().join("escape")).expect("dir link");
    symlink(outside.join("secret.txt"), store.root().join("secret.txt")).expect("file link");

    for linked in ["escape/secret.txt", "secret.txt"] {
        assert!(matches!(store.get(&key(linked)).await, Err(ObjectError::Backend(_))), "{linked}");
        assert!(matches!(store.head(&key(linked)).await, Err(ObjectError::Backend(_))), "{linked}");
    }
    let write = store.put(&key("escape/new.txt"), b"x".to_vec(), "text/plain").await;
    assert!(matches!(write, Err(ObjectError::Backend(_))), "no write through a linked directory");
    assert!(!outside.join("new.txt").exists());
    let report = store.delete_many(&[key("escape/secret.txt")]).await.expect("delete");
    assert_eq!(report.failed.len(), 1, "no delete through a linked directory");
    assert!(outside.join("secret.txt").exists());
    assert!(keys(&store, "").await.is_empty(), "links are not listed");
}

#[tokio::test]
async fn a_write_replacing_a_link_replaces_the_link_not_its_target() {
    let (dir, store) = store();
    let target = dir.path().join("target.txt");
    std::fs::write(&target, b"untouched").expect("target");
    symlink(&target, store.root().join("k")).expect("link");
    store.put(&key("k"), b"new".to_vec(), "text/plain").await.expect("put renames over the link");
    assert_eq!(std::fs::read(&target).expect("target"), b"untouched");
    assert_eq!(store.get(&key("k")).await.expect("get"), b"new");
}

#[tokio::test]
async fn working_files_are_never_listed_and_open_sweeps_them() {
    let (_dir, store) = store();
    store.put(&key("videos/a.mp4"), b"a".to_vec(), "video/mp4").await.expect("put");
    let leftover = store.root().join("videos").join(format!("{}crashed.part", paths::WORKING_MARK));
    std::fs::write(&leftover, b"half").expect("leftover");
    assert_eq!(keys(&store, "").await, ["videos/a.mp4"]);

    let reopened = LocalObjectStore::open(store.root()).expect("reopen");
    assert!(!leftover.exists(), "open removes what a crash left");
    assert_eq!(keys(&reopened, "").await, ["videos/a.mp4"]);
}

#[tokio::test]
async fn deleting_removes_the_directories_it_empties_up_to_the_root() {
    let (_dir, store) = store();
    store.put(&key("clips/2024/05/a.mp4"), b"a".to_vec(), "video/mp4").await.expect("put");
    store.put(&key("clips/keep.mp4"), b"k".to_vec(), "video/mp4").await.expect("put");
    let report = store.delete_many(&[key("clips/2024/05/a.mp4")]).await.expect("delete");
    assert_eq!(report.deleted, [key("clips/2024/05/a.mp4")]);
    assert!(!store.root().join("clips/2024").exists(), "emptied directories go");
    assert!(store.root().join("clips").is_dir(), "a directory still holding objects stays");

    store.delete_many(&[key("clips/keep.mp4")]).await.expect("delete");
    assert!(!store.root().join("clips").exists());
    assert!(store.root().is_dir(), "the root stays");
}

#[tokio::test]
async fn a_key_cannot_be_both_an_object_and_a_folder() {
    let (_dir, store) = store();
    store.put(&key("a/b"), b"b".to_vec(), "text/plain").await.expect("put a/b");
    assert!(matches!(store.put(&key("a"), b"a".to_vec(), "text/plain").await, Err(ObjectError::Backend(_))));
    assert!(matches!(store.get(&key("a")).await, Err(ObjectError::NotFound)), "a folder is not an object");
    assert!(store.head(&key("a")).await.expect("head").is_none());
    assert!(matches!(store.put(&key("a/b/c"), b"c".to_vec(), "text/plain").await, Err(ObjectError::Backend(_))));
    assert!(store.head(&key("a/b/c")).await.expect("head").is_none(), "an object is not a folder");
    assert_eq!(keys(&store, "").await, ["a/b"], "no working file is left by the refused writes");
    let entries: Vec<_> = std::fs::read_dir(store.root().join("a")).expect("read").collect();
    assert_eq!(entries.len(), 1);
}

#[tokio::test]
async fn there_are_no_direct_urls() {
    let (_dir, store) = store();
    let url = store.presign_get(&key("videos/a.mp4"), Duration::from_secs(60)).await;
    assert!(matches!(url, Err(ObjectError::NoDirectUrl)));
}

#[tokio::test]
async fn a_missing_source_or_destination_folder_is_a_file_error() {
    let (dir, store) = store();
    let missing = store.put_file(&key("v/a"), &dir.path().join("nope.mp4"), "video/mp4").await;
    assert!(matches!(missing, Err(ObjectError::File(_))));
    store.put(&key("v/a"), b"a".to_vec(), "video/mp4").await.expect("put");
    let nowhere = store.get_to_file(&key("v/a"), &dir.path().join("no/such/dir/a.mp4")).await;
    assert!(matches!(nowhere, Err(ObjectError::File(_))));
}
