//! The Lambda HTTP functions answer real API Gateway v2 (HttpApi) events exactly as the local
//! server answers the same requests, and the authorizer turns API keys into the context they
//! trust. The AWS side runs on moto; the local side on SQLite; both share one script root.
//! The events come from `jobsmith_tests::apigw`.

use axum::http::{Method, StatusCode};
use jobsmith::adapters::aws::app::{AwsApp, AwsConfig, vars};
use jobsmith::adapters::aws::dynamo::create_table;
use jobsmith::adapters::local::media::MediaTools;
use jobsmith::adapters::local::script::{Interpreters, ScriptEnvironment};
use jobsmith::adapters::local::{LocalApp, LocalConfig, ScrapeConfig};
use jobsmith::app::VideoService;
use jobsmith::domain::cleanup::CleanupGuard;
use jobsmith::domain::principal::{KeyRing, Role, generate_key};
use jobsmith::http::routes::{ROUTES, RouteSpec, function};
use jobsmith::test_support::aws::{EXECUTOR_ARN, SCHEDULER_ROLE_ARN};
use jobsmith::test_support::fixtures::scheduler_job_body;
use jobsmith::test_support::videos::{full_video, video};
use jobsmith_functions::lambda_http::aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request;
use jobsmith_functions::lambda_http::tower::ServiceExt;
use jobsmith_functions::{authorize, http_router};
use jobsmith_tests::apigw;
use jobsmith_tests::function_reach::AppsByReach;
use jobsmith_tests::moto::MotoServer;
use serde_json::{Value, json};

mod request_counts;

const GROUP: &str = "jobsmith-functions-test";

/// Who calls: the authorizer's context on the Lambda side, the matching key locally.
#[derive(Clone, Copy)]
enum Caller {
    Nobody,
    Operator,
    Viewer,
}

struct Harness {
    _moto: MotoServer,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    /// The Lambda side: one app per reach, each function served by the one its binary wires.
    aws: AppsByReach,
    local: axum::Router,
    /// The local side's videos, which tests record as a scrape would.
    local_videos: VideoService,
    operator_key: String,
    viewer_key: String,
}

async fn harness() -> Harness {
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), "jobs").await.expect("create the table");
    jobsmith::test_support::aws::create_schedule_groups(&aws_sdk_scheduler::Client::new(&sdk), GROUP).await;
    let scripts = tempfile::tempdir().expect("script root");
    std::fs::write(scripts.path().join("ok.sh"), "#!/usr/bin/env bash\necho ok\n").expect("write the script");
    let root = scripts.path().to_string_lossy().into_owned();

    let operator = generate_key("ops", Role::Operator).expect("key");
    let viewer = generate_key("reader", Role::Viewer).expect("key");
    let keys = format!("{}\n{}", operator.config_line, viewer.config_line);

    let env = [
        (vars::TABLE, "jobs"),
        (vars::BUCKET, "media"),
        (vars::SCHEDULE_GROUP, GROUP),
        (vars::EXECUTOR_ARN, EXECUTOR_ARN),
        (vars::SCHEDULER_ROLE_ARN, SCHEDULER_ROLE_ARN),
        (vars::S3_FORCE_PATH_STYLE, "true"),
        (vars::SCRIPT_ROOTS, root.as_str()),
        (vars::API_KEYS, keys.as_str()),
    ];
    let aws = AppsByReach::build(|reach| {
        let config = AwsConfig::from_env(|name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()))
            .expect("config");
        AwsApp::build_reaching(config, &sdk, reach).expect("build the AWS app")
    });

    let data = tempfile::tempdir().expect("data dir");
    let local = LocalApp::open(LocalConfig {
        data_dir: data.path().to_path_buf(),
        script_roots: vec![scripts.path().to_path_buf()],
        misfire_grace: chrono::Duration::seconds(60),
        interpreters: Interpreters::default(),
        script_env: ScriptEnvironment::from_process(),
        keys: KeyRing::parse(&keys).expect("keys"),
        media: MediaTools::default(),
        scrape: offline_scrapes(),
        // What a deployment has unless told otherwise.
        cleanup: CleanupGuard::production(),
    })
    .expect("open the local app");
    Harness {
        _moto: moto,
        _dirs: (scripts, data),
        local: local.router(),
        local_videos: local.videos.clone(),
        aws,
        operator_key: operator.key,
        viewer_key: viewer.key,
    }
}

/// A request as API Gateway sends it behind the request authorizer, with `caller`'s context.
fn apigw_v2_event(method: &Method, path_and_query: &str, body: Option<&Value>, caller: Caller) -> Value {
    let context = match caller {
        Caller::Nobody => None,
        Caller::Operator => Some(json!({"principal": "ops", "role": "operator"})),
        Caller::Viewer => Some(json!({"principal": "reader", "role": "viewer"})),
    };
    apigw::http_event(method.as_str(), path_and_query, body, context.as_ref())
}

/// The table's route API Gateway sends a request to: the one whose template matches, a static
/// segment winning over a parameter, as API Gateway picks the most specific route.
fn route_of(method: &Method, path_and_query: &str) -> &'static RouteSpec {
    let path = path_and_query.split('?').next().unwrap_or_default();
    let matches = |template: &str| {
        let (template, path): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
        // A greedy `{*rest}` (API Gateway's `{rest+}`) takes one segment or more.
        let greedy = template.last().is_some_and(|t| t.starts_with("{*"));
        let fixed = if greedy { template.len() - 1 } else { template.len() };
        (if greedy { path.len() > fixed } else { path.len() == fixed })
            && template.iter().take(fixed).zip(&path).all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
    };
    ROUTES
        .iter()
        .filter(|r| r.method == method.as_str() && matches(r.path))
        .min_by_key(|r| r.path.matches('{').count())
        .unwrap_or_else(|| panic!("API Gateway has no route for {method} {path}"))
}

/// The function that serves [`route_of`]'s route.
fn function_of(method: &Method, path_and_query: &str) -> &'static str {
    route_of(method, path_and_query).function
}

/// `function`'s routes, served over the app its binary wires, as API Gateway reaches them.
fn lambda_router(apps: &AppsByReach, function: &str) -> axum::Router {
    let (_, routes) =
        function::every().into_iter().find(|(name, _)| *name == function).expect("every function is listed");
    http_router(apps.of(function), routes)
}

fn is_document(path: &str) -> bool {
    path == "/openapi.json" || path == "/docs" || path.starts_with("/docs/") || path.starts_with("/redoc")
}

struct Answer {
    status: StatusCode,
    body: Value,
}

impl Harness {
    async fn lambda(&self, method: &Method, path: &str, body: Option<&Value>, caller: Caller) -> Answer {
        let event = apigw_v2_event(method, path, body, caller).to_string();
        let request = jobsmith_functions::lambda_http::request::from_str(&event).expect("an API Gateway v2 event");
        // API Gateway sends the documents to the api-docs function and each route to the function
        // the route table gives it.
        let router = if is_document(path) {
            jobsmith::http::docs_router()
        } else {
            lambda_router(&self.aws, function_of(method, path))
        };
        let response = router.oneshot(request).await.expect("infallible");
        answer(response).await
    }

    /// `function` alone, sent a request that may belong to another function.
    async fn lambda_of(&self, function: &str, method: &Method, path: &str, caller: Caller) -> Answer {
        let event = apigw_v2_event(method, path, None, caller).to_string();
        let request = jobsmith_functions::lambda_http::request::from_str(&event).expect("an API Gateway v2 event");
        answer(lambda_router(&self.aws, function).oneshot(request).await.expect("infallible")).await
    }

    async fn local(&self, method: &Method, path: &str, body: Option<&Value>, caller: Caller) -> Answer {
        let mut request = axum::http::Request::builder().method(method.clone()).uri(path);
        match caller {
            Caller::Nobody => {}
            Caller::Operator => request = request.header("x-api-key", &self.operator_key),
            Caller::Viewer => request = request.header("x-api-key", &self.viewer_key),
        }
        let request = match body {
            Some(body) => {
                request.header("content-type", "application/json").body(axum::body::Body::from(body.to_string()))
            }
            None => request.body(axum::body::Body::empty()),
        }
        .expect("request");
        answer(self.local.clone().oneshot(request).await.expect("infallible")).await
    }

    /// Sends the same request to both and checks they agree; returns the Lambda's answer.
    async fn same(&self, method: Method, path: &str, body: Option<Value>, caller: Caller) -> Answer {
        let lambda = self.lambda(&method, path, body.as_ref(), caller).await;
        let local = self.local(&method, path, body.as_ref(), caller).await;
        assert_eq!(lambda.status, local.status, "{method} {path}: {} vs {}", lambda.body, local.body);
        assert_eq!(mask(&lambda.body), mask(&local.body), "{method} {path}");
        lambda
    }
}

async fn answer(response: axum::response::Response) -> Answer {
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await.expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    Answer { status, body }
}

/// Times depend on when each side ran; everything else must match. Seed 001 writes its times
/// without an offset, so those count as times too: two sides a second apart differ there.
fn mask(value: &Value) -> Value {
    let is_time = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text).is_ok()
            || chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
    };
    match value {
        Value::String(text) if is_time(text) => json!("<time>"),
        Value::Array(items) => Value::Array(items.iter().map(mask).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), mask(v))).collect()),
        other => other.clone(),
    }
}

fn scheduler_job(id: &str) -> Value {
    scheduler_job_body(id, "Domain sync")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_documents_answer_as_the_local_server_does() {
    let h = harness().await;
    let health = h.same(Method::GET, "/api/health", None, Caller::Nobody).await;
    assert_eq!((health.status, health.body), (StatusCode::OK, json!({"status": "healthy", "scheduler_running": true})));
    h.same(Method::GET, "/api/v1/scheduler/job-types", None, Caller::Viewer).await;
    h.same(Method::GET, "/api/v1/scheduler/task-functions", None, Caller::Viewer).await;
    h.same(Method::GET, "/api/jobs", None, Caller::Viewer).await;
    h.same(Method::GET, "/api/v1/scheduler/jobs?page=1&per_page=5", None, Caller::Viewer).await;
    h.same(Method::GET, "/api/v1/scheduler/executions", None, Caller::Viewer).await;
    let openapi = h.same(Method::GET, "/openapi.json", None, Caller::Nobody).await;
    assert!(openapi.body["paths"]["/api/v1/scheduler/jobs"].is_object());
    let page = h.same(Method::GET, "/docs/", None, Caller::Nobody).await;
    assert_eq!(page.status, StatusCode::OK);

    // The API functions leave the documents, and the Swagger UI's weight, to api-docs.
    let response = h.lambda_of("get-job", &Method::GET, "/openapi.json", Caller::Nobody).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND, "{}", response.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_answers_only_its_own_routes_and_others_in_their_familys_404() {
    let h = harness().await;
    let created = h.same(Method::POST, "/api/v1/scheduler/jobs", Some(scheduler_job("own-1")), Caller::Operator).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let own = h.lambda_of("get-job", &Method::GET, "/api/v1/scheduler/jobs/own-1", Caller::Viewer).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    // The same path with another function's method, and another function's path, in each family.
    let update = h.lambda_of("get-job", &Method::DELETE, "/api/v1/scheduler/jobs/own-1", Caller::Operator).await;
    assert_eq!(
        (update.status, update.body),
        (StatusCode::NOT_FOUND, json!({"detail": "Not found: /api/v1/scheduler/jobs/own-1"}))
    );
    let listed = h.lambda_of("get-job", &Method::GET, "/api/jobs", Caller::Viewer).await;
    assert_eq!(listed.status, StatusCode::NOT_FOUND);
    assert_eq!(listed.body["success"], false, "{}", listed.body);
    let health = h.lambda_of("list-jobs", &Method::GET, "/api/health", Caller::Nobody).await;
    assert_eq!(health.status, StatusCode::NOT_FOUND, "{}", health.body);
    let still = h.same(Method::GET, "/api/v1/scheduler/jobs/own-1", None, Caller::Viewer).await;
    assert_eq!(still.status, StatusCode::OK, "nothing was deleted: {}", still.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_created_read_and_deleted_alike_in_both_families() {
    let h = harness().await;
    let created = h.same(Method::POST, "/api/v1/scheduler/jobs", Some(scheduler_job("sync-1")), Caller::Operator).await;
    assert!(created.status.is_success(), "{}", created.body);
    assert_eq!(created.body["createdBy"], "ops", "the authorizer's principal reached the handler");
    let scripts_job =
        json!({"job_id": "backup", "job_type": "bash", "script_path": "ok.sh", "run_date": "2099-12-31T23:59:59"});
    let scheduled = h.same(Method::POST, "/api/schedule-job", Some(scripts_job), Caller::Operator).await;
    assert!(scheduled.status.is_success(), "{}", scheduled.body);

    h.same(Method::GET, "/api/v1/scheduler/jobs/sync-1", None, Caller::Viewer).await;
    h.same(Method::GET, "/api/job/backup", None, Caller::Viewer).await;
    let listed = h.same(Method::GET, "/api/jobs", None, Caller::Viewer).await;
    assert_eq!(listed.body["total"], 2, "{}", listed.body);
    h.same(Method::PUT, "/api/pause-job/backup", None, Caller::Operator).await;
    h.same(Method::PUT, "/api/v1/scheduler/jobs/sync-1/status", Some(json!({"isEnabled": false})), Caller::Operator)
        .await;
    h.same(Method::DELETE, "/api/remove-job/backup", None, Caller::Operator).await;
    h.same(Method::DELETE, "/api/v1/scheduler/jobs/sync-1", None, Caller::Operator).await;
    h.same(Method::GET, "/api/v1/scheduler/jobs", None, Caller::Viewer).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_and_refusals_have_each_familys_shape() {
    let h = harness().await;
    // Seed 001 (`{"error"}`), seed 000 (`{"success": false, "error"}`), seed 004 (`{"detail"}`).
    let missing = json!({"job_id": "x", "job_type": "bash", "script_path": "ok.sh"});
    let scripts_job = h.same(Method::POST, "/api/schedule-job", Some(missing), Caller::Operator).await;
    assert_eq!(scripts_job.status, StatusCode::BAD_REQUEST);
    assert_eq!(scripts_job.body, json!({"error": "Missing required fields: run_date"}));
    let gone = h.same(Method::GET, "/api/job/nope", None, Caller::Viewer).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let bulk = h.same(Method::DELETE, "/api/jobs/all", None, Caller::Operator).await;
    assert_eq!(bulk.status, StatusCode::FORBIDDEN, "bulk delete needs admin");
    assert_eq!(bulk.body["success"], false);

    let mut invalid = scheduler_job("bad id!");
    invalid["retryCount"] = json!(-1);
    let detail = h.same(Method::POST, "/api/v1/scheduler/jobs", Some(invalid), Caller::Operator).await;
    assert_eq!(detail.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(detail.body["detail"].is_array(), "{}", detail.body);
    let paging = h.same(Method::GET, "/api/v1/scheduler/jobs?per_page=0", None, Caller::Viewer).await;
    assert_eq!(paging.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = h.same(Method::GET, "/api/v1/scheduler/jobs/nope", None, Caller::Viewer).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let viewer = h.same(Method::POST, "/api/v1/scheduler/jobs", Some(scheduler_job("v")), Caller::Viewer).await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN);
    assert!(viewer.body["detail"].as_str().is_some_and(|d| d.contains("operator")), "{}", viewer.body);

    // No authorizer context on a protected route (a template that forgot the authorizer): the
    // router refuses it rather than serving anonymously.
    let anonymous = h.lambda(&Method::GET, "/api/v1/scheduler/jobs", None, Caller::Nobody).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(anonymous.body["detail"].is_string(), "{}", anonymous.body);
}

/// Seed 002's videos and stats over DynamoDB answer as over SQLite, with the same videos
/// recorded on both sides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn videos_and_stats_answer_alike_over_dynamodb_and_sqlite() {
    let h = harness().await;
    let empty = h.same(Method::GET, "/api/v1/videos", None, Caller::Viewer).await;
    assert_eq!((empty.status, empty.body), (StatusCode::OK, json!({"total": 0, "videos": []})));
    let (uploaded, pending) = (full_video("1"), video("2"));
    for store in [h.aws.everything().videos.store(), h.local_videos.store()] {
        for recorded in [&uploaded, &pending] {
            store.upsert_video(recorded).await.expect("record the video");
        }
    }
    let listed = h.same(Method::GET, "/api/v1/videos", None, Caller::Viewer).await;
    assert_eq!(listed.body["total"], 2, "{}", listed.body);
    for query in ["status=uploaded", "hashtag=funny&mode=profile", "author_username=nobody", "limit=1&offset=1"] {
        let answer = h.same(Method::GET, &format!("/api/v1/videos?{query}"), None, Caller::Viewer).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
    }
    let bad = h.same(Method::GET, "/api/v1/videos?status=done&limit=0", None, Caller::Viewer).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let path = format!("/api/v1/videos/{}", uploaded.id);
    let one = h.same(Method::GET, &path, None, Caller::Viewer).await;
    assert_eq!(one.body["drive_file_id"], "videos/tiktok/khaby.lame/1.mp4", "{}", one.body);
    let stats = h.same(Method::GET, "/api/v1/stats", None, Caller::Viewer).await;
    assert_eq!((stats.body["total_videos"].clone(), stats.body["uploaded_videos"].clone()), (json!(2), json!(1)));

    let refused = h.same(Method::DELETE, &path, None, Caller::Viewer).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let deleted = h.same(Method::DELETE, &path, None, Caller::Operator).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = h.same(Method::GET, &path, None, Caller::Viewer).await;
    assert_eq!((gone.status, gone.body), (StatusCode::NOT_FOUND, json!({"detail": "Video not found"})));
    let stats = h.same(Method::GET, "/api/v1/stats", None, Caller::Viewer).await;
    assert_eq!((stats.body["total_videos"].clone(), stats.body["total_storage_bytes"].clone()), (json!(1), json!(0)));
}

fn authorizer_event(headers: Value) -> ApiGatewayV2CustomAuthorizerV2Request {
    serde_json::from_value(apigw::authorizer_event(headers)).expect("an authorizer event")
}

#[test]
fn the_authorizer_allows_a_good_key_with_its_role_and_denies_the_rest() {
    let operator = generate_key("ops", Role::Operator).expect("key");
    let keys = KeyRing::parse(&operator.config_line).expect("keys");

    let allowed = authorize(&keys, authorizer_event(json!({"x-api-key": operator.key})));
    assert_eq!(
        serde_json::to_value(&allowed).expect("json"),
        json!({"isAuthorized": true, "context": {"principal": "ops", "role": "operator"}})
    );

    let denied = json!({"isAuthorized": false, "context": {}});
    for headers in [json!({"x-api-key": "jsk_not-a-key"}), json!({"X-Api-Key": "jsk_not-a-key"}), json!({})] {
        let answer = serde_json::to_value(authorize(&keys, authorizer_event(headers.clone()))).expect("json");
        assert_eq!(answer, denied, "{headers}");
    }
    let nobody = authorize(&KeyRing::default(), authorizer_event(json!({"x-api-key": operator.key})));
    assert!(!nobody.is_authorized, "no configured keys admit nobody");
}

/// Seed 002's jobs over DynamoDB, S3 and EventBridge Scheduler answer as over SQLite and the
/// folder: the same bodies but for ids and times (moto never fires the run's schedule, so the
/// AWS run stays where the create left it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrape_jobs_answer_alike_over_dynamodb_and_sqlite() {
    let h = harness().await;
    let body = json!({"mode": "profile", "value": "khaby.lame", "limit": 5, "drive_folder_id": "drive/1"});
    let lambda = h.lambda(&Method::POST, "/api/v1/jobs", Some(&body), Caller::Operator).await;
    let local = h.local(&Method::POST, "/api/v1/jobs", Some(&body), Caller::Operator).await;
    assert_eq!(
        (lambda.status, local.status),
        (StatusCode::CREATED, StatusCode::CREATED),
        "{} / {}",
        lambda.body,
        local.body
    );
    assert_eq!(without_id(&lambda.body), without_id(&local.body));
    assert_eq!(lambda.body["status"], "running", "{}", lambda.body);

    let invalid = h.same(Method::POST, "/api/v1/jobs", Some(json!({"mode": "channel"})), Caller::Operator).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let viewer = h.same(Method::POST, "/api/v1/jobs", Some(body), Caller::Viewer).await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN);
}

/// `id`, masked like a time: each side makes its own.
fn without_id(body: &Value) -> Value {
    let mut body = mask(body);
    body["id"] = json!("<id>");
    body
}

/// On S3 a file's link is a presigned URL that downloads it; the download route answers with a
/// redirect to one, where the local server streams the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_route_redirects_to_s3_and_streams_locally() {
    let h = harness().await;
    let sdk = h._moto.sdk_config().await;
    jobsmith::adapters::aws::s3::s3_client(&sdk, true).create_bucket().bucket("media").send().await.expect("bucket");
    let key = jobsmith::domain::object_key::ObjectKey::parse("videos/drive/1/2026/01/a b.mp4").expect("key");
    let bytes = b"not really a video".to_vec();
    for objects in [h.aws.everything().videos.objects(), h.local_videos.objects()] {
        objects.put(&key, bytes.clone(), "video/mp4").await.expect("store the file");
    }
    let path = "/api/v1/files/videos/drive/1/2026/01/a%20b.mp4";

    let event = apigw_v2_event(&Method::GET, path, None, Caller::Viewer).to_string();
    let request = jobsmith_functions::lambda_http::request::from_str(&event).expect("an API Gateway v2 event");
    let response = lambda_router(&h.aws, "get-file").oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    let location = response.headers()["location"].to_str().expect("a URL").to_owned();
    assert!(location.starts_with(h._moto.endpoint()) && location.contains("X-Amz-Signature"), "{location}");
    let fetched = reqwest::get(&location).await.expect("fetch the presigned URL");
    assert_eq!(fetched.bytes().await.expect("the body").as_ref(), bytes.as_slice());

    let local = h.local(&Method::GET, path, None, Caller::Viewer).await;
    assert_eq!((local.status, local.body), (StatusCode::OK, json!("not really a video")));
    for missing in ["/api/v1/files/videos/none.mp4", "/api/v1/files/jobs/table.json"] {
        let answer = h.same(Method::GET, missing, None, Caller::Viewer).await;
        assert_eq!(
            (answer.status, answer.body),
            (StatusCode::NOT_FOUND, json!({"detail": "File not found"})),
            "{missing}"
        );
    }
}

/// Both sides' answers, compared with the ids each side made for itself left out.
async fn alike_but_new_ids(h: &Harness, method: Method, path: &str, body: Option<Value>, caller: Caller) -> Answer {
    let lambda = h.lambda(&method, path, body.as_ref(), caller).await;
    let local = h.local(&method, path, body.as_ref(), caller).await;
    assert_eq!(lambda.status, local.status, "{method} {path}: {} vs {}", lambda.body, local.body);
    assert_eq!(without_ids(&mask(&lambda.body)), without_ids(&mask(&local.body)), "{method} {path}");
    lambda
}

fn without_ids(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(without_ids).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| *k != "id" && *k != "retry_job_id")
                .map(|(k, v)| (k.clone(), without_ids(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Seed 002's scheduled jobs and the video retry answer over DynamoDB and EventBridge Scheduler
/// as over SQLite and the in-process scheduler.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_scrapes_and_retries_answer_alike_over_dynamodb_and_sqlite() {
    use jobsmith::domain::video::{FailureClass, SourceUrl, Video, VideoFailure};

    let h = harness().await;
    let seed = json!({"name": "Daily Scrape - @khaby.lame", "mode": "profile", "value": "khaby.lame", "limit": 50,
        "no_watermark": true, "interval_minutes": 1440, "enabled": true});
    let created = alike_but_new_ids(&h, Method::POST, "/api/v1/scheduled-jobs", Some(seed), Caller::Operator).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!((&created.body["interval_minutes"], &created.body["total_runs"]), (&json!(1440), &json!(0)));
    let short = json!({"name": "n", "mode": "profile", "value": "v", "interval_minutes": 4});
    let refused = h.same(Method::POST, "/api/v1/scheduled-jobs", Some(short), Caller::Operator).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["detail"][0]["loc"], json!(["body", "interval_minutes"]));

    // One id on both sides: a scrape job on an interval made through seed 004 is a scheduled job.
    let mut scrape = scheduler_job_body("scrape-1", "Hourly scrape");
    scrape["taskFunctionId"] = json!(3);
    scrape["taskArgs"] = json!({"value": "khaby.lame", "limit": 10});
    let made = h.same(Method::POST, "/api/v1/scheduler/jobs", Some(scrape), Caller::Operator).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let listed = alike_but_new_ids(&h, Method::GET, "/api/v1/scheduled-jobs", None, Caller::Viewer).await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(2), "{}", listed.body);
    let one = h.same(Method::GET, "/api/v1/scheduled-jobs/scrape-1", None, Caller::Viewer).await;
    assert_eq!((&one.body["interval_minutes"], &one.body["limit"]), (&json!(360), &json!(10)));
    let patched = h
        .same(Method::PATCH, "/api/v1/scheduled-jobs/scrape-1", Some(json!({"interval_minutes": 60})), Caller::Operator)
        .await;
    assert_eq!((patched.status, &patched.body["interval_minutes"]), (StatusCode::OK, &json!(60)));
    let toggled = h.same(Method::POST, "/api/v1/scheduled-jobs/scrape-1/toggle", None, Caller::Operator).await;
    assert_eq!((&toggled.body["enabled"], &toggled.body["next_run_at"]), (&json!(false), &Value::Null));
    let disabled = h.same(Method::GET, "/api/v1/scheduled-jobs?enabled=false", None, Caller::Viewer).await;
    assert_eq!(disabled.body.as_array().map(Vec::len), Some(1), "{}", disabled.body);
    let viewer = h.same(Method::POST, "/api/v1/scheduled-jobs/scrape-1/toggle", None, Caller::Viewer).await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN);
    let deleted = h.same(Method::DELETE, "/api/v1/scheduled-jobs/scrape-1", None, Caller::Operator).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = h.same(Method::GET, "/api/v1/scheduled-jobs/scrape-1", None, Caller::Viewer).await;
    assert_eq!((gone.status, gone.body), (StatusCode::NOT_FOUND, json!({"detail": "Scheduled job not found"})));
    h.same(Method::POST, "/api/v1/scheduler/jobs", Some(scheduler_job("script-1")), Caller::Operator).await;
    let script = h.same(Method::GET, "/api/v1/scheduled-jobs/script-1", None, Caller::Viewer).await;
    assert_eq!(script.status, StatusCode::NOT_FOUND, "a script job is no scheduled scrape");

    // A failed video on a loopback page nothing answers on: the runs each side starts stay offline.
    let now = chrono::Utc::now();
    let page = SourceUrl::parse("http://127.0.0.1:9/@khaby.lame/video/r1").expect("url");
    let failed = Video { source_url: page, ..video("r1") }
        .start_download(now)
        .and_then(|v| v.fail(VideoFailure::new(FailureClass::NotFound, "gone"), now))
        .expect("a failed video");
    let uploaded = full_video("u1");
    for store in [h.aws.everything().videos.store(), h.local_videos.store()] {
        for recorded in [&failed, &uploaded] {
            store.upsert_video(recorded).await.expect("record the video");
        }
    }
    let path = format!("/api/v1/videos/{}/retry", failed.id);
    let retried = alike_but_new_ids(&h, Method::POST, &path, None, Caller::Operator).await;
    assert_eq!((retried.status, &retried.body["status"]), (StatusCode::OK, &json!("pending")), "{}", retried.body);
    assert!(retried.body["retry_job_id"].is_string(), "{}", retried.body);
    let stored = h.same(Method::POST, &format!("/api/v1/videos/{}/retry", uploaded.id), None, Caller::Operator).await;
    assert_eq!(stored.status, StatusCode::BAD_REQUEST, "{}", stored.body);
    let unknown = "/api/v1/videos/00000000-0000-8000-8000-000000000000/retry";
    let missing = h.same(Method::POST, unknown, None, Caller::Operator).await;
    assert_eq!((missing.status, missing.body), (StatusCode::NOT_FOUND, json!({"detail": "Video not found"})));
}

/// Seed 002's health on AWS, public like `/api/health`: the table, the bucket and the schedule
/// group really checked on moto; a missing bucket makes it `degraded`, still a 200, and names
/// nothing of the failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrape_health_checks_the_table_the_bucket_and_the_schedule_group() {
    let h = harness().await;
    let degraded = h.lambda(&Method::GET, "/api/v1/stats/health", None, Caller::Nobody).await;
    assert_eq!(degraded.status, StatusCode::OK, "{}", degraded.body);
    assert_eq!(degraded.body["status"], "degraded", "the bucket does not exist yet: {}", degraded.body);
    assert_eq!(
        (degraded.body["database"].clone(), degraded.body["google_drive"].clone(), degraded.body["scheduler"].clone()),
        (json!(true), json!(false), json!(true)),
        "{}",
        degraded.body
    );
    assert!(!degraded.body.to_string().contains("media"), "names no bucket: {}", degraded.body);

    let sdk = h._moto.sdk_config().await;
    let s3 = jobsmith::adapters::aws::s3::s3_client(&sdk, true);
    s3.create_bucket().bucket("media").send().await.expect("create the bucket");
    let healthy = h.lambda(&Method::GET, "/api/v1/stats/health", None, Caller::Nobody).await;
    assert_eq!(healthy.status, StatusCode::OK);
    let body = &healthy.body;
    assert_eq!(body["status"], "healthy", "{body}");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!((body["tools"].clone(), body["platforms"].clone()), (json!([]), json!([])), "the executor's, not here");
    assert!(chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().expect("a timestamp")).is_ok(), "{body}");

    // The local server answers with the same fields, and the ReDoc page is served alike.
    let local = h.local(&Method::GET, "/api/v1/stats/health", None, Caller::Nobody).await;
    let redoc = h.same(Method::GET, "/redoc", None, Caller::Nobody).await;
    assert_eq!(redoc.status, StatusCode::OK);
    let fields = |value: &Value| value.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    assert_eq!(fields(&local.body), fields(body), "{}", local.body);
}

/// Listing, reading, cancelling and deleting runs over DynamoDB answer in the same shapes as
/// over SQLite. Each side reads its own run (ids differ); moto never fires the AWS run, so it
/// stays running until cancelled, where the local one, with no yt-dlp here, ends on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrape_runs_are_listed_read_cancelled_and_deleted_alike() {
    let h = harness().await;
    let body = json!({"mode": "hashtag", "value": "funny", "limit": 3});
    let aws_id = h.lambda(&Method::POST, "/api/v1/jobs", Some(&body), Caller::Operator).await.body["id"].clone();
    let local_id = h.local(&Method::POST, "/api/v1/jobs", Some(&body), Caller::Operator).await.body["id"].clone();
    let (aws_id, local_id) = (aws_id.as_str().expect("an id").to_owned(), local_id.as_str().expect("an id").to_owned());

    let aws = h.lambda(&Method::GET, "/api/v1/jobs", None, Caller::Viewer).await;
    let local = h.local(&Method::GET, "/api/v1/jobs", None, Caller::Viewer).await;
    assert_eq!((aws.status, local.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(aws.body[0]["id"], aws_id.as_str(), "{}", aws.body);
    assert_eq!(local.body[0]["id"], local_id.as_str(), "{}", local.body);
    assert_eq!(object_keys(&aws.body[0]), object_keys(&local.body[0]));
    let completed = h.same(Method::GET, "/api/v1/jobs?status=completed", None, Caller::Viewer).await;
    assert_eq!(completed.body, json!([]));
    h.same(Method::GET, "/api/v1/jobs?status=done", None, Caller::Viewer).await;

    let aws = h.lambda(&Method::GET, &format!("/api/v1/jobs/{aws_id}"), None, Caller::Viewer).await;
    let local = h.local(&Method::GET, &format!("/api/v1/jobs/{local_id}"), None, Caller::Viewer).await;
    assert_eq!((aws.status, local.status), (StatusCode::OK, StatusCode::OK), "{} / {}", aws.body, local.body);
    assert_eq!(object_keys(&aws.body), ["drive_links", "job", "videos"]);
    assert_eq!(object_keys(&aws.body["job"]), object_keys(&local.body["job"]));
    assert_eq!((&aws.body["videos"], &local.body["videos"]), (&json!([]), &json!([])));

    let unknown = "550e8400-e29b-41d4-a716-446655440000";
    for (method, path) in [
        (Method::GET, format!("/api/v1/jobs/{unknown}")),
        (Method::GET, "/api/v1/jobs/nope".to_owned()),
        (Method::POST, format!("/api/v1/jobs/{unknown}/cancel")),
        (Method::DELETE, format!("/api/v1/jobs/{unknown}")),
    ] {
        let answer = h.same(method, &path, None, Caller::Operator).await;
        assert_eq!((answer.status, answer.body), (StatusCode::NOT_FOUND, json!({"detail": "Job not found"})), "{path}");
    }

    let cancelled = h.lambda(&Method::POST, &format!("/api/v1/jobs/{aws_id}/cancel"), None, Caller::Operator).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let refused = h.lambda(&Method::POST, &format!("/api/v1/jobs/{aws_id}/cancel"), None, Caller::Viewer).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // The local run fails at once (its page is nowhere); deleting waits for a run to end.
    let started = std::time::Instant::now();
    loop {
        let local = h.local(&Method::GET, &format!("/api/v1/jobs/{local_id}"), None, Caller::Viewer).await;
        if !["pending", "running"].contains(&local.body["job"]["status"].as_str().unwrap_or_default()) {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "the local run never ended: {}", local.body);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let path = format!("/api/v1/jobs/{local_id}?delete_files=true");
    let deleted = h.local(&Method::DELETE, &path, None, Caller::Operator).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let gone = h.local(&Method::GET, &format!("/api/v1/jobs/{local_id}"), None, Caller::Viewer).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    // The AWS run was asked to stop, but no executor ever took it: deleting it goes on anyway.
    let deleted = h.lambda(&Method::DELETE, &format!("/api/v1/jobs/{aws_id}"), None, Caller::Operator).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let gone = h.lambda(&Method::GET, &format!("/api/v1/jobs/{aws_id}"), None, Caller::Viewer).await;
    assert_eq!((gone.status, gone.body), (StatusCode::NOT_FOUND, json!({"detail": "Job not found"})));
}

fn object_keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    keys.sort();
    keys
}

/// Scrape runs that fail at once, whatever yt-dlp the machine has: their pages are on a loopback
/// port nothing listens on, so no test reaches TikTok.
fn offline_scrapes() -> ScrapeConfig {
    let nowhere = "http://127.0.0.1:9/{value}";
    let urls = jobsmith::domain::scrape_url::ScrapeUrls::from_config(Some(nowhere), Some(nowhere)).expect("a template");
    ScrapeConfig { urls, ..ScrapeConfig::default() }
}
