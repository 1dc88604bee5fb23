//! The S3 object store against moto: paging, batched deletes, round trips, presigned URLs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_s3::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_s3::config::{ConfigBag, Intercept};
use aws_sdk_s3::error::BoxError;
use aws_sdk_s3::operation::delete_objects::DeleteObjectsInput;
use jobsmith::adapters::aws::s3::{S3ObjectStore, s3_client};
use jobsmith::ports::{ObjectError, ObjectStore};
use jobsmith_tests::moto::MotoServer;
use tokio::task::JoinSet;

const BUCKET: &str = "jobsmith-media";

/// Records how many keys each DeleteObjects request carried, to see the batching.
#[derive(Debug, Clone, Default)]
struct DeleteRequests(Arc<Mutex<Vec<usize>>>);

impl DeleteRequests {
    fn sizes(&self) -> Vec<usize> {
        self.0.lock().map(|sizes| sizes.clone()).unwrap_or_default()
    }
}

impl Intercept for DeleteRequests {
    fn name(&self) -> &'static str {
        "DeleteRequests"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(input) = context.input().downcast_ref::<DeleteObjectsInput>() {
            let keys = input.delete().map_or(0, |d| d.objects().len());
            self.0.lock().map_err(|_| "poisoned")?.push(keys);
        }
        Ok(())
    }
}

async fn bucket(moto: &MotoServer) -> aws_config::SdkConfig {
    let config = moto.sdk_config().await;
    s3_client(&config, true).create_bucket().bucket(BUCKET).send().await.expect("create bucket");
    config
}

async fn put_all(store: &Arc<S3ObjectStore>, keys: &[String]) {
    for chunk in keys.chunks(64) {
        let mut puts = JoinSet::new();
        for key in chunk {
            let (store, key) = (store.clone(), key.clone());
            puts.spawn(async move { store.put(&key, key.as_bytes().to_vec(), "video/mp4").await });
        }
        while let Some(done) = puts.join_next().await {
            done.expect("put task").expect("put");
        }
    }
}

async fn list_all(store: &S3ObjectStore, prefix: &str, limit: u32) -> Vec<String> {
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = store.list(prefix, token.as_deref(), limit).await.expect("list");
        assert!(page.objects.len() <= limit as usize, "page over the limit");
        keys.extend(page.objects.into_iter().map(|o| o.key));
        match page.next_token {
            Some(next) => token = Some(next),
            None => return keys,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_through_thousands_and_deletes_in_batches_of_1000() {
    let moto = MotoServer::start().await;
    let config = bucket(&moto).await;
    let deletes = DeleteRequests::default();
    let s3 = aws_sdk_s3::config::Builder::from(&config).force_path_style(true).interceptor(deletes.clone()).build();
    let store = Arc::new(S3ObjectStore::new(aws_sdk_s3::Client::from_conf(s3), BUCKET));

    let videos: Vec<String> = (0..2_500).map(|i| format!("videos/{i:05}.mp4")).collect();
    let clips: Vec<String> = (0..30).map(|i| format!("clips/{i:03}.mp4")).collect();
    put_all(&store, &videos).await;
    put_all(&store, &clips).await;

    assert_eq!(list_all(&store, "videos/", 300).await, videos, "every video once, in key order");
    assert_eq!(list_all(&store, "clips/", 1_000).await, clips);

    let doomed = &videos[..2_100];
    let report = store.delete_many(doomed).await.expect("delete_many");
    assert!(report.failed.is_empty(), "{:?}", report.failed.first());
    let mut deleted = report.deleted.clone();
    deleted.sort();
    assert_eq!(deleted, doomed);
    assert_eq!(deletes.sizes(), vec![1_000, 1_000, 100]);

    assert_eq!(list_all(&store, "videos/", 1_000).await, &videos[2_100..]);
    assert!(store.head(&videos[0]).await.expect("head").is_none());
    assert_eq!(list_all(&store, "clips/", 1_000).await, clips, "other prefixes untouched");
}

#[tokio::test]
async fn missing_keys_count_as_deleted_and_no_keys_is_an_empty_report() {
    let moto = MotoServer::start().await;
    let store = S3ObjectStore::new(s3_client(&bucket(&moto).await, true), BUCKET);
    store.put("videos/here.mp4", b"x".to_vec(), "video/mp4").await.expect("put");
    let keys = vec!["videos/here.mp4".to_owned(), "videos/never-was.mp4".to_owned()];
    let mut report = store.delete_many(&keys).await.expect("delete_many");
    report.deleted.sort();
    assert_eq!(report.deleted, keys);
    assert!(report.failed.is_empty());
    assert_eq!(store.delete_many(&[]).await.expect("empty").deleted.len(), 0);
}

#[tokio::test]
async fn head_and_get_round_trip_and_missing_keys() {
    let moto = MotoServer::start().await;
    let store = S3ObjectStore::new(s3_client(&bucket(&moto).await, true), BUCKET);
    let body = b"not really a video".to_vec();
    store.put("clips/a b/c.mp4", body.clone(), "video/mp4").await.expect("put");

    let info = store.head("clips/a b/c.mp4").await.expect("head").expect("exists");
    assert_eq!(info.key, "clips/a b/c.mp4");
    assert_eq!(info.size, body.len() as u64);
    assert!(info.last_modified.is_some());
    assert_eq!(store.get("clips/a b/c.mp4").await.expect("get"), body);

    assert!(matches!(store.get("clips/nope.mp4").await, Err(ObjectError::NotFound)));
    assert!(store.head("clips/nope.mp4").await.expect("head").is_none());
    assert!(matches!(store.list("clips/", Some(""), 10).await, Err(ObjectError::BadToken)));
}

#[tokio::test]
async fn presigned_url_downloads_without_credentials() {
    let moto = MotoServer::start().await;
    let store = S3ObjectStore::new(s3_client(&bucket(&moto).await, true), BUCKET);
    store.put("videos/v.mp4", b"frames".to_vec(), "video/mp4").await.expect("put");

    let url = store.presign_get("videos/v.mp4", Duration::from_secs(900)).await.expect("presign");
    assert!(url.starts_with(&format!("{}/{BUCKET}/videos/v.mp4?", moto.endpoint())), "{url}");
    assert!(url.contains("X-Amz-Expires=900"), "{url}");
    let response = reqwest::get(&url).await.expect("GET the presigned URL");
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.bytes().await.expect("body").as_ref(), b"frames");

    let too_long = Duration::from_secs(7 * 24 * 3_600 + 1);
    assert!(matches!(store.presign_get("videos/v.mp4", too_long).await, Err(ObjectError::Backend(_))));
}
