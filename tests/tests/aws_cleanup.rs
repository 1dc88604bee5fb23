//! Seed 003 on AWS: the `cleanup-all-videos` function, sent API Gateway's event, deletes the video
//! files of a real bucket on moto in pages, keeps everything else, writes the audit log to the
//! table, and `list-audit` reads it back with the caller's address as API Gateway saw it.

use aws_sdk_s3::primitives::ByteStream;
use jobsmith::adapters::aws::app::{AwsApp, AwsConfig, vars};
use jobsmith::adapters::aws::dynamo::create_table;
use jobsmith::adapters::aws::s3::s3_client;
use jobsmith::domain::object_key::ObjectKey;
use jobsmith::http::routes::function;
use jobsmith::ports::ObjectStore;
use jobsmith::test_support::aws::{EXECUTOR_ARN, SCHEDULER_ROLE_ARN};
use jobsmith_functions::lambda_http::tower::ServiceExt;
use jobsmith_functions::{FunctionRoutes, http_router};
use jobsmith_tests::apigw;
use jobsmith_tests::moto::MotoServer;
use serde_json::{Value, json};

const TOKEN: &str = "a-deployments-own-token";
const BUCKET: &str = "media";

async fn app(moto: &MotoServer, mode: &str) -> AwsApp {
    let sdk = moto.sdk_config().await;
    let env = [
        (vars::TABLE, "jobs"),
        (vars::BUCKET, BUCKET),
        (vars::SCHEDULE_GROUP, "cleanup-test"),
        (vars::EXECUTOR_ARN, EXECUTOR_ARN),
        (vars::SCHEDULER_ROLE_ARN, SCHEDULER_ROLE_ARN),
        (vars::S3_FORCE_PATH_STYLE, "true"),
        (vars::MODE, mode),
        (vars::CLEANUP_TOKEN, TOKEN),
    ];
    let config =
        AwsConfig::from_env(|name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())).expect("config");
    AwsApp::build(config, &sdk).expect("build the AWS app")
}

async fn call(app: &AwsApp, routes: FunctionRoutes, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let admin = json!({"principal": "ops-admin", "role": "admin"});
    let event = apigw::http_event(method, path, body, Some(&admin)).to_string();
    let request = jobsmith_functions::lambda_http::request::from_str(&event).expect("an API Gateway v2 event");
    let response = http_router(app, routes).oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_empties_the_buckets_video_prefixes_in_pages_and_audits_it() {
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), "jobs").await.expect("create the table");
    let s3 = s3_client(&sdk, true);
    s3.create_bucket().bucket(BUCKET).send().await.expect("bucket");
    // More than one page of videos (S3 lists and deletes 1,000 keys a request).
    let mut videos: Vec<String> = (0..1_050).map(|n| format!("clips/v1/{n:04}.mp4")).collect();
    videos.push("videos/tiktok/a/2026/01/1.MOV".to_owned());
    let kept = ["videos/tiktok/a/2026/01/1.json", "clips/v1/cover.jpg", "elsewhere/x.mp4"];
    for key in videos.iter().map(String::as_str).chain(kept) {
        s3.put_object().bucket(BUCKET).key(key).body(ByteStream::from_static(b"v")).send().await.expect("put");
    }
    let production = app(&moto, "production").await;
    let sent = json!({"confirmation_token": TOKEN, "confirm_action": "DELETE_ALL_VIDEO_DATA"});
    let (status, refused) =
        call(&production, function::cleanup_all_videos, "POST", "/api/v1/cleanup-all-videos/", Some(&sent)).await;
    assert_eq!(
        (status, refused),
        (403, json!({"success": false, "error": "This operation is only allowed in development mode"}))
    );

    let app = app(&moto, "development").await;
    let (status, answer) =
        call(&app, function::cleanup_all_videos, "POST", "/api/v1/cleanup-all-videos", Some(&sent)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["statistics"],
        json!({"total_files_before": 1_051, "directories_processed": 2, "files_removed": 1_051, "files_failed": 0, "cleanup_errors": []})
    );
    for key in &videos[..3] {
        assert!(app.objects.head(&ObjectKey::parse(key).unwrap()).await.unwrap().is_none(), "{key} went");
    }
    for key in kept {
        assert!(app.objects.head(&ObjectKey::parse(key).unwrap()).await.unwrap().is_some(), "{key} stays");
    }
    let (status, log) = call(&app, function::list_audit, "GET", "/api/v1/audit?limit=10", None).await;
    assert_eq!(status, 200, "{log}");
    let entries = log["entries"].as_array().expect("entries");
    let seen: Vec<(&str, u64)> =
        entries.iter().map(|e| (e["outcome"].as_str().unwrap(), e["status"].as_u64().unwrap())).collect();
    assert_eq!(seen, [("completed", 200), ("refused", 403)]);
    assert_eq!(entries[0]["principal"], "ops-admin");
    assert_eq!(entries[0]["client_address"], "192.0.2.1");
    assert_eq!(entries[0]["user_agent"], "curl/8.5.0");
    assert_eq!(entries[0]["counts"]["files_removed"], 1_051);
}
