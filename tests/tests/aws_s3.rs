//! What only the S3 store promises, beyond the object contract (`contract_objects_s3`), against
//! moto: deletes in batches of 1,000 (seed 003's cleanup of 10,000 videos included), keys S3
//! refuses to delete reported as failed (seed 003's 206), multipart
//! uploads that never leave parts behind, and presigned URLs.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_s3::config::interceptors::{
    BeforeSerializationInterceptorContextMut, BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextMut,
};
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_s3::error::BoxError;
use aws_sdk_s3::operation::delete_objects::{DeleteObjectsInput, DeleteObjectsOutput};
use aws_sdk_s3::operation::put_object::PutObjectInput;
use aws_sdk_s3::operation::upload_part::UploadPartInput;
use aws_sdk_s3::types::Error as S3Error;
use jobsmith::adapters::aws::s3::{MIN_PART, MultipartSizes, S3ObjectStore, s3_client};
use jobsmith::domain::object_key::ObjectKey;
use jobsmith::ports::{ObjectError, ObjectStore};
use jobsmith_tests::moto::MotoServer;
use jobsmith_tests::object_contract::cleanup::confirmed_cleanup;
use jobsmith_tests::object_contract::files::{BIG_FILE, hash_file, write_file};
use jobsmith_tests::object_contract::key;
use jobsmith_tests::object_contract::listing::{list_all, put_all};
use tokio::sync::Notify;

const BUCKET: &str = "jobsmith-media";

/// Records the requests that carry object data and key lists, and can fail or announce one
/// upload part, to see what the store sends.
#[derive(Debug, Clone, Default)]
struct Requests {
    deletes: Arc<Mutex<Vec<usize>>>,
    puts: Arc<Mutex<usize>>,
    parts: Arc<Mutex<Vec<i32>>>,
    fail_part: Option<i32>,
    announce_part: Option<(i32, Arc<Notify>)>,
}

impl Requests {
    fn deletes(&self) -> Vec<usize> {
        self.deletes.lock().map(|sizes| sizes.clone()).unwrap_or_default()
    }

    fn puts(&self) -> usize {
        self.puts.lock().map(|n| *n).unwrap_or_default()
    }

    fn parts(&self) -> Vec<i32> {
        self.parts.lock().map(|parts| parts.clone()).unwrap_or_default()
    }
}

impl Intercept for Requests {
    fn name(&self) -> &'static str {
        "Requests"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        if let Some(input) = input.downcast_ref::<DeleteObjectsInput>() {
            let keys = input.delete().map_or(0, |d| d.objects().len());
            self.deletes.lock().map_err(|_| "poisoned")?.push(keys);
        }
        if input.downcast_ref::<PutObjectInput>().is_some() {
            *self.puts.lock().map_err(|_| "poisoned")? += 1;
        }
        if let Some(part) = input.downcast_ref::<UploadPartInput>().and_then(|i| i.part_number()) {
            self.parts.lock().map_err(|_| "poisoned")?.push(part);
            if let Some((announced, notify)) = &self.announce_part
                && *announced == part
            {
                notify.notify_one();
            }
            if self.fail_part == Some(part) {
                return Err("a part fails, as a network would".into());
            }
        }
        Ok(())
    }
}

async fn bucket(moto: &MotoServer) -> aws_config::SdkConfig {
    let config = moto.sdk_config().await;
    s3_client(&config, true).create_bucket().bucket(BUCKET).send().await.expect("create bucket");
    config
}

fn store_seeing(config: &aws_config::SdkConfig, requests: &Requests) -> S3ObjectStore {
    let s3 = aws_sdk_s3::config::Builder::from(config).force_path_style(true).interceptor(requests.clone()).build();
    S3ObjectStore::new(aws_sdk_s3::Client::from_conf(s3), BUCKET)
}

fn smallest_parts() -> MultipartSizes {
    MultipartSizes::new(MIN_PART, MIN_PART).expect("S3's minimum")
}

async fn open_uploads(client: &aws_sdk_s3::Client) -> usize {
    let uploads = client.list_multipart_uploads().bucket(BUCKET).send().await.expect("list multipart uploads");
    uploads.uploads().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deletes_go_in_batches_of_1000() {
    let moto = MotoServer::start().await;
    let requests = Requests::default();
    let store: Arc<dyn ObjectStore> = Arc::new(store_seeing(&bucket(&moto).await, &requests));
    let videos: Vec<ObjectKey> = (0..2_500).map(|i| key(&format!("videos/{i:05}.mp4"))).collect();
    put_all(&store, &videos).await;

    let doomed = &videos[..2_100];
    let report = store.delete_many(doomed).await.expect("delete_many");
    assert!(report.failed.is_empty(), "{:?}", report.failed.first());
    let mut deleted = report.deleted.clone();
    deleted.sort();
    assert_eq!(deleted, doomed);
    assert_eq!(requests.deletes(), vec![1_000, 1_000, 100]);
    let left: Vec<String> = videos[2_100..].iter().map(ToString::to_string).collect();
    assert_eq!(list_all(&*store, "videos/", 1_000).await, left);
}

/// Seed 003's cleanup of 10,000 video files: one listing of each prefix and one delete request
/// per 1,000 keys, ten in all (issue target: at most 11).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cleanup_of_10_000_videos_takes_ten_delete_requests() {
    let moto = MotoServer::start().await;
    let requests = Requests::default();
    let store: Arc<dyn ObjectStore> = Arc::new(store_seeing(&bucket(&moto).await, &requests));
    let videos: Vec<ObjectKey> = (0..10_000).map(|i| key(&format!("videos/bench/{i:05}.mp4"))).collect();
    put_all(&store, &videos).await;
    let report = confirmed_cleanup(store.clone()).await;
    assert_eq!((report.files_removed, report.files_failed), (10_000, 0));
    assert_eq!(requests.deletes(), vec![1_000; 10]);
    assert!(list_all(&*store, "videos/", 1_000).await.is_empty());
}

/// S3 refuses the keys holding `refused` in a DeleteObjects request, the way a bucket does for
/// objects under a legal hold or a deny policy: the request leaves them out, so the objects stay,
/// and the answer lists them under `Errors` with `AccessDenied`.
#[derive(Debug, Clone, Default)]
struct RefusesDeletes {
    refused: &'static str,
    held_back: Arc<Mutex<Vec<String>>>,
}

impl Intercept for RefusesDeletes {
    fn name(&self) -> &'static str {
        "RefusesDeletes"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(delete) = context.input_mut().downcast_mut::<DeleteObjectsInput>().and_then(|i| i.delete.as_mut())
        else {
            return Ok(());
        };
        let mut held_back = self.held_back.lock().map_err(|_| "poisoned")?;
        delete.objects.retain(|object| {
            let refused = object.key.contains(self.refused);
            if refused {
                held_back.push(object.key.clone());
            }
            !refused
        });
        Ok(())
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(Ok(output)) = context.output_or_error_mut() else { return Ok(()) };
        let Some(output) = output.downcast_mut::<DeleteObjectsOutput>() else { return Ok(()) };
        let held_back = std::mem::take(&mut *self.held_back.lock().map_err(|_| "poisoned")?);
        let errors = output.errors.get_or_insert_with(Vec::new);
        for key in held_back {
            errors.push(S3Error::builder().key(key).code("AccessDenied").message("Access Denied").build());
        }
        Ok(())
    }
}

/// Seed 003's 206: the keys S3 would not delete are reported, stay in the bucket, and keep their
/// records; the rest go.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn keys_s3_refuses_to_delete_come_back_as_the_cleanups_failed_keys() {
    let moto = MotoServer::start().await;
    let config = bucket(&moto).await;
    let refuses = RefusesDeletes { refused: "held", ..RefusesDeletes::default() };
    let s3 = aws_sdk_s3::config::Builder::from(&config).force_path_style(true).interceptor(refuses).build();
    let store: Arc<dyn ObjectStore> = Arc::new(S3ObjectStore::new(aws_sdk_s3::Client::from_conf(s3), BUCKET));
    let files = ["videos/a/one.mp4", "videos/a/held-two.mp4", "clips/a/three.webm", "videos/a/notes.txt"];
    put_all(&store, &files.map(key)).await;
    let report = confirmed_cleanup(store.clone()).await;
    assert_eq!((report.files_removed, report.files_failed), (2, 1), "{report:?}");
    assert_eq!(report.failed_keys, ["videos/a/held-two.mp4"]);
    assert!(
        report.cleanup_errors.iter().any(|e| e.contains("AccessDenied") || e.contains("Access Denied")),
        "{report:?}"
    );
    assert_eq!(list_all(&*store, "videos/", 1_000).await, ["videos/a/held-two.mp4", "videos/a/notes.txt"]);
    assert!(list_all(&*store, "clips/", 1_000).await.is_empty());
}

#[tokio::test]
async fn big_files_go_up_in_parts_and_small_ones_in_one_put() {
    let moto = MotoServer::start().await;
    let config = bucket(&moto).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big.mp4");
    let written = write_file(&big, BIG_FILE, 1);
    let small = dir.path().join("small.mp4");
    write_file(&small, MIN_PART - 1, 2);

    let requests = Requests::default();
    let store = store_seeing(&config, &requests).with_multipart(smallest_parts());
    store.put_file(&key("videos/big.mp4"), &big, "video/mp4").await.expect("put big");
    assert_eq!(requests.parts(), [1, 2, 3], "12 MiB in 5 MiB parts");
    assert_eq!(requests.puts(), 0);
    store.put_file(&key("videos/small.mp4"), &small, "video/mp4").await.expect("put small");
    assert_eq!((requests.parts().len(), requests.puts()), (3, 1), "below the threshold: one PutObject");

    let copy = dir.path().join("copy.mp4");
    store.get_to_file(&key("videos/big.mp4"), &copy).await.expect("get big");
    assert_eq!(hash_file(&copy), written);

    let defaults = Requests::default();
    let store = store_seeing(&config, &defaults);
    store.put_file(&key("videos/big-again.mp4"), &big, "video/mp4").await.expect("put with defaults");
    assert_eq!((defaults.parts().len(), defaults.puts()), (0, 1), "12 MiB is below the default 16 MiB threshold");
}

#[tokio::test]
async fn a_failed_part_aborts_the_upload() {
    let moto = MotoServer::start().await;
    let config = bucket(&moto).await;
    let client = s3_client(&config, true);
    // moto lists an upload in progress, so that the check below can see one left behind.
    let probe = client.create_multipart_upload().bucket(BUCKET).key("probe").send().await.expect("probe upload");
    assert_eq!(open_uploads(&client).await, 1);
    let probe_id = probe.upload_id().expect("probe id");
    client.abort_multipart_upload().bucket(BUCKET).key("probe").upload_id(probe_id).send().await.expect("abort");

    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big.mp4");
    write_file(&big, BIG_FILE, 3);
    let requests = Requests { fail_part: Some(2), ..Requests::default() };
    let store = store_seeing(&config, &requests).with_multipart(smallest_parts());
    let result = store.put_file(&key("videos/big.mp4"), &big, "video/mp4").await;
    assert!(matches!(result, Err(ObjectError::Backend(_))), "{result:?}");
    assert_eq!(requests.parts(), [1, 2], "no part after the failed one");
    assert_eq!(open_uploads(&client).await, 0, "the upload is aborted, its parts gone");
    assert!(store.head(&key("videos/big.mp4")).await.expect("head").is_none(), "no object appears");
}

#[tokio::test]
async fn a_cancelled_upload_is_aborted_in_the_background() {
    let moto = MotoServer::start().await;
    let config = bucket(&moto).await;
    let client = s3_client(&config, true);
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big.mp4");
    write_file(&big, BIG_FILE, 4);
    let second_part = Arc::new(Notify::new());
    let requests = Requests { announce_part: Some((2, second_part.clone())), ..Requests::default() };
    let store = store_seeing(&config, &requests).with_multipart(smallest_parts());

    // A caller's timeout drops the upload while its second part is on the way.
    let target = key("videos/big.mp4");
    tokio::select! {
        result = store.put_file(&target, &big, "video/mp4") => panic!("finished first: {result:?}"),
        () = second_part.notified() => {}
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while open_uploads(&client).await > 0 {
        assert!(Instant::now() < deadline, "the cancelled upload was not aborted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(store.head(&target).await.expect("head").is_none());
}

#[tokio::test]
async fn presigned_url_downloads_without_credentials() {
    let moto = MotoServer::start().await;
    let store = S3ObjectStore::new(s3_client(&bucket(&moto).await, true), BUCKET);
    store.put(&key("videos/v.mp4"), b"frames".to_vec(), "video/mp4").await.expect("put");

    let url = store.presign_get(&key("videos/v.mp4"), Duration::from_secs(900)).await.expect("presign");
    assert!(url.starts_with(&format!("{}/{BUCKET}/videos/v.mp4?", moto.endpoint())), "{url}");
    assert!(url.contains("X-Amz-Expires=900"), "{url}");
    let response = reqwest::get(&url).await.expect("GET the presigned URL");
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.bytes().await.expect("body").as_ref(), b"frames");

    let too_long = Duration::from_secs(7 * 24 * 3_600 + 1);
    assert!(matches!(store.presign_get(&key("videos/v.mp4"), too_long).await, Err(ObjectError::Backend(_))));
}
