//! Listing: key order, prefixes, pages and their tokens.

use std::sync::Arc;

use jobsmith::domain::object_key::ObjectKey;
use jobsmith::ports::{ObjectError, ObjectStore};
use tokio::task::JoinSet;

use super::{KeyOrder, ObjectBackend, key};

/// Stores each key with its own name as the body, many at once.
pub async fn put_all(store: &Arc<dyn ObjectStore>, keys: &[ObjectKey]) {
    for chunk in keys.chunks(64) {
        let mut puts = JoinSet::new();
        for k in chunk {
            let (store, k) = (store.clone(), k.clone());
            puts.spawn(async move { store.put(&k, k.as_str().as_bytes().to_vec(), "video/mp4").await });
        }
        while let Some(done) = puts.join_next().await {
            done.expect("put task").expect("put");
        }
    }
}

/// Every key under `prefix`, page by page, checking each page's size.
pub async fn list_all(store: &dyn ObjectStore, prefix: &str, limit: u32) -> Vec<String> {
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = store.list(prefix, token.as_deref(), limit).await.expect("list");
        assert!(page.objects.len() <= limit as usize, "a page over the limit");
        keys.extend(page.objects.into_iter().map(|o| String::from(o.key)));
        match page.next_token {
            Some(next) => token = Some(next),
            None => return keys,
        }
    }
}

/// `listed` holds the `wanted` keys, each once, in S3's order if the backend keeps it.
fn assert_listed<B: ObjectBackend>(listed: Vec<String>, wanted: &[&str], what: &str) {
    if B::KEY_ORDER == KeyOrder::Bytes {
        assert_eq!(listed, wanted, "{what}");
        return;
    }
    let mut sorted = listed.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), listed.len(), "{what}: a key listed twice in {listed:?}");
    assert_eq!(sorted, wanted, "{what}");
}

pub async fn list_is_in_key_order_and_filters_by_prefix<B: ObjectBackend>(store: Arc<dyn ObjectStore>) {
    // '-' and '.' sort before '/', so `v/a.mp4` comes before `v/a/...` even though a folder
    // store finds the latter in a directory named `v/a`.
    let sorted = [
        "v/a-b.mp4",
        "v/a.mp4",
        "v/a/b.mp4",
        "v/a/c/d.mp4",
        "v/a0.mp4",
        "v/b.mp4",
        "v/\u{e9}.mp4",
        "va.mp4",
        "w/x.mp4",
    ];
    let keys: Vec<ObjectKey> = sorted.iter().map(|k| key(k)).collect();
    // Stored out of order.
    for k in keys.iter().rev() {
        store.put(k, b"x".to_vec(), "video/mp4").await.expect("put");
    }
    let all = sorted.to_vec();
    let cases: [(&str, u32, &[&str], &str); 8] = [
        ("", 1_000, &all, "every key, in byte order of keys"),
        ("", 2, &all, "the same order across pages"),
        ("v/", 1_000, &all[..7], "a folder's keys"),
        ("v/a", 1_000, &all[..5], "a prefix is a plain string prefix"),
        ("v/a", 1, &all[..5], "a plain string prefix, a key a page"),
        ("v/a/", 1_000, &all[2..4], "a folder within a folder"),
        ("v/a/c/d.mp4", 1_000, &all[3..4], "a whole key lists itself"),
        ("v", 3, &all[..8], "a prefix that is not a folder"),
    ];
    for (prefix, limit, wanted, what) in cases {
        assert_listed::<B>(list_all(&*store, prefix, limit).await, wanted, &format!("{what} ({prefix:?} by {limit})"));
    }
    // No key starts with the last three, whatever a server makes of them.
    for nothing in ["x/", "v/a/b.mp4/", "v/../w/", "/v/", "v//"] {
        assert!(list_all(&*store, nothing, 10).await.is_empty(), "{nothing} holds no key");
    }
}

pub async fn pages_visit_every_key_once(store: Arc<dyn ObjectStore>) {
    let mut keys: Vec<ObjectKey> = (0..2_500).map(|i| key(&format!("paged/{:02}/{i:05}.mp4", i % 13))).collect();
    let neighbours = [key("paged.mp4"), key("pager/x.mp4"), key("a/first.mp4")];
    put_all(&store, &keys).await;
    put_all(&store, &neighbours).await;
    keys.sort();
    let expected: Vec<String> = keys.iter().map(ToString::to_string).collect();

    assert_eq!(list_all(&*store, "paged/", 97).await, expected, "every key once, in key order, in pages of 97");
    assert_eq!(list_all(&*store, "paged/", 1_000).await, expected);
    assert_eq!(list_all(&*store, "paged/07/", 50).await.len(), 192, "a folder's worth");

    let first = store.list("paged/", None, 97).await.expect("first page");
    let token = first.next_token.expect("more pages");
    let again = store.list("paged/", Some(&token), 97).await.expect("a token can be used twice");
    let again_too = store.list("paged/", Some(&token), 97).await.expect("a token can be used twice");
    assert_eq!(again.objects, again_too.objects);
    assert_eq!(again.objects.first().map(|o| o.key.to_string()).as_deref(), Some(expected[97].as_str()));
}

pub async fn page_limits_are_held_to_1_through_1000(store: Arc<dyn ObjectStore>) {
    let keys: Vec<ObjectKey> = (0..1_001).map(|i| key(&format!("limits/{i:04}"))).collect();
    put_all(&store, &keys).await;
    let zero = store.list("limits/", None, 0).await.expect("limit 0");
    assert_eq!(zero.objects.len(), 1, "a limit of 0 pages one key, so that listing moves on");
    assert!(zero.next_token.is_some());
    let huge = store.list("limits/", None, u32::MAX).await.expect("a huge limit");
    assert_eq!(huge.objects.len(), 1_000, "at most 1,000 keys a page");
    let rest = store.list("limits/", huge.next_token.as_deref(), u32::MAX).await.expect("the rest");
    assert_eq!(rest.objects.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(), ["limits/1000"]);
    assert_eq!(rest.next_token, None, "the last page says so");
    let exact = store.list("limits/0", None, 1_000).await.expect("exactly one page");
    assert_eq!(exact.objects.len(), 1_000);
    assert_eq!(exact.next_token, None, "a page that ends the listing has no token, even when full");
}

pub async fn foreign_tokens_are_refused(store: Arc<dyn ObjectStore>) {
    put_all(&store, &[key("a/1"), key("a/2"), key("a/3"), key("b/1"), key("b/2")]).await;
    let a = store.list("a/", None, 1).await.expect("page of a/");
    let token = a.next_token.expect("a/ has more");
    let forged = ["", "a/1", "garbage", "eyJ2IjoxfQ", &format!("{token}x")];
    for bad in forged.iter().map(|t| t.to_string()).chain([token.clone()]) {
        let prefix = if bad == token { "b/" } else { "a/" };
        let result = store.list(prefix, Some(&bad), 10).await;
        assert!(matches!(result, Err(ObjectError::BadToken)), "{bad:?} on {prefix} must be BadToken, got {result:?}");
    }
}
