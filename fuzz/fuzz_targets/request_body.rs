//! Every route that reads a JSON body, through the whole router (auth layer, extractors, each
//! family's decoders and checks, the use cases) over the local adapters in a temporary directory.
//!
//! Whatever the body, the answer must not be a server error, must be JSON, and a refusal must
//! carry its family's error shape.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use jobsmith::test_support::router::RouterHarness;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tower::ServiceExt;

/// Each route with a body, with the key its family's refusals carry.
const ROUTES: &[(&str, &str, &str)] = &[
    ("POST", "/api/schedule-job", "error"),
    ("POST", "/api/clips", "error"),
    ("POST", "/api/v1/scheduler/jobs", "detail"),
    ("PUT", "/api/v1/scheduler/jobs/fuzz-job", "detail"),
    ("PUT", "/api/v1/scheduler/jobs/fuzz-job/status", "detail"),
    ("POST", "/api/v1/scheduled-jobs", "detail"),
    ("PATCH", "/api/v1/scheduled-jobs/fuzz-job", "detail"),
    ("POST", "/api/v1/jobs", "detail"),
    ("PUT", "/api/v1/videos/fuzz-video/pin", "detail"),
    ("POST", "/api/v1/cleanup-all-videos/", "error"),
];

struct World {
    runtime: tokio::runtime::Runtime,
    harness: RouterHarness,
}

fn world() -> World {
    // The harness finds yt-dlp and ffmpeg on PATH: with none there, an accepted clip or scrape
    // job fails at once instead of fetching the page it names.
    let empty = std::env::temp_dir().join("jobsmith-fuzz-empty-path");
    std::fs::create_dir_all(&empty).unwrap_or_else(|e| panic!("empty PATH dir: {e}"));
    // SAFETY: set once, on the fuzzer's only thread, before the runtime starts any other.
    unsafe { std::env::set_var("PATH", &empty) };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let harness = runtime.block_on(async { RouterHarness::new() });
    World { runtime, harness }
}

static WORLD: OnceLock<World> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let (method, uri, error_key) = ROUTES[usize::from(pick) % ROUTES.len()];
    let world = WORLD.get_or_init(world);
    let (status, answer) = world.runtime.block_on(async {
        let request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap_or(Method::POST))
            .uri(uri)
            .header("content-type", "application/json")
            .body(Body::from(body.to_vec()))
            .unwrap_or_else(|e| panic!("request: {e}"));
        let response = world.harness.router.clone().oneshot(request).await.unwrap_or_else(|e| match e {});
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap_or_else(|e| panic!("body: {e}"));
        (status, bytes)
    });
    let shown = String::from_utf8_lossy(body);
    assert!(!status.is_server_error(), "{method} {uri} {shown:?}: {status} {}", String::from_utf8_lossy(&answer));
    if answer.is_empty() {
        assert_eq!(status, StatusCode::NO_CONTENT, "{method} {uri} {shown:?}");
        return;
    }
    let answer: Value = serde_json::from_slice(&answer)
        .unwrap_or_else(|e| panic!("{method} {uri} {shown:?}: {status} is not JSON: {e}"));
    if status.is_client_error() {
        assert!(answer.get(error_key).is_some(), "{method} {uri} {shown:?}: {status} {answer}");
    }
});
