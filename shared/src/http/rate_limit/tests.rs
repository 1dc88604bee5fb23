use std::time::Duration;

use axum::body::Body;
use axum::http::Method;
use governor::clock::FakeRelativeClock;
use tower::ServiceExt;

use super::*;
use crate::domain::principal::{KeyRing, Role, generate_key};
use crate::test_support::router::RouterHarness;

fn limits(per_minute: u32, burst: u32) -> Limits {
    Limits::new(per_minute, burst).expect("non-zero limits")
}

fn key(name: &str) -> Caller {
    Caller::Key(name.to_owned())
}

#[test]
fn seed_002s_routes_and_only_those_are_limited() {
    for path in [
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}/cancel",
        "/api/v1/videos/7123",
        "/api/v1/scheduled-jobs",
        "/api/v1/stats",
        "/api/v1/stats/health",
        "/api/v1/files/x",
    ] {
        assert!(is_limited(path), "{path}");
    }
    for path in [
        "/api/v1/scheduler/jobs",
        "/api/v1/jobsx",
        "/api/v1/statistics",
        "/api/jobs",
        "/api/health",
        "/api/v1/cleanup-all-videos/",
        "/openapi.json",
        "/docs",
        "/redoc",
    ] {
        assert!(!is_limited(path), "{path}");
    }
}

#[test]
fn zero_turns_the_limit_off() {
    assert_eq!(Limits::new(0, 20), None);
    assert_eq!(Limits::new(10, 0), None);
    assert!(RateLimit::new(None).limits().is_none());
    assert_eq!(RateLimit::new(Limits::new(10, 20)).limits(), Limits::new(10, 20));
}

#[test]
fn a_burst_then_one_request_per_interval() {
    let clock = FakeRelativeClock::default();
    let limiter = Limiter::new(limits(10, 3), clock.clone());
    for _ in 0..3 {
        assert_eq!(limiter.check(&key("alice")), Ok(()));
    }
    // Ten a minute: the next token comes 6 s after the bucket was first drawn on.
    assert_eq!(limiter.check(&key("alice")), Err(Duration::from_secs(6)));
    clock.advance(Duration::from_secs(5));
    assert_eq!(limiter.check(&key("alice")), Err(Duration::from_secs(1)));
    clock.advance(Duration::from_secs(1));
    assert_eq!(limiter.check(&key("alice")), Ok(()));
    assert!(limiter.check(&key("alice")).is_err(), "one token per interval, not a new burst");
    clock.advance(Duration::from_secs(60));
    for _ in 0..3 {
        assert_eq!(limiter.check(&key("alice")), Ok(()), "a quiet minute refills the burst, no more");
    }
    assert!(limiter.check(&key("alice")).is_err());
}

#[test]
fn each_caller_has_its_own_bucket() {
    let clock = FakeRelativeClock::default();
    let limiter = Limiter::new(limits(10, 1), clock);
    assert_eq!(limiter.check(&key("alice")), Ok(()));
    assert!(limiter.check(&key("alice")).is_err());
    assert_eq!(limiter.check(&key("bob")), Ok(()));
    assert_eq!(limiter.check(&Caller::Address("127.0.0.1".parse().unwrap())), Ok(()));
    assert_eq!(limiter.check(&Caller::Address("127.0.0.2".parse().unwrap())), Ok(()));
}

#[test]
fn quiet_callers_are_forgotten() {
    let clock = FakeRelativeClock::default();
    let limiter = Limiter::new(limits(60, 1), clock.clone());
    for n in 0..SWEEP_EVERY - 1 {
        let _ = limiter.check(&key(&format!("caller-{n}")));
    }
    assert_eq!(limiter.buckets.len(), (SWEEP_EVERY - 1) as usize);
    clock.advance(Duration::from_secs(2));
    let _ = limiter.check(&key("late"));
    assert!(limiter.buckets.len() <= 1, "{} buckets kept", limiter.buckets.len());
}

#[test]
fn retry_after_rounds_up_to_whole_seconds() {
    assert_eq!(retry_after_seconds(Duration::from_secs(6)), 6);
    assert_eq!(retry_after_seconds(Duration::from_millis(5_001)), 6);
    assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
}

async fn call(router: &axum::Router, path: &str, key: Option<&str>) -> (StatusCode, Option<String>, String) {
    let mut request = Request::builder().method(Method::GET).uri(path);
    if let Some(key) = key {
        request = request.header(crate::http::API_KEY_HEADER, key);
    }
    let response = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let retry_after = response.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, retry_after, String::from_utf8(body.to_vec()).unwrap())
}

/// Through the whole router: keyed by principal after authentication, seed 002's routes only,
/// and the 429 in the family's shape with its `Retry-After`.
#[tokio::test]
async fn the_layer_limits_seed_002s_routes_per_key() {
    let alice = generate_key("alice", Role::Viewer).unwrap();
    let bob = generate_key("bob", Role::Viewer).unwrap();
    let keys = KeyRing::parse(&format!("{}\n{}", alice.config_line, bob.config_line)).unwrap();
    let h = RouterHarness::with_keys(keys);
    let router = h.app.limited_router(RateLimit::new(Limits::new(10, 2)));

    for _ in 0..2 {
        assert_eq!(call(&router, "/api/v1/videos", Some(&alice.key)).await.0, StatusCode::OK);
    }
    let (status, retry_after, body) = call(&router, "/api/v1/stats", Some(&alice.key)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let seconds: u64 = retry_after.expect("Retry-After").parse().expect("whole seconds");
    assert!((1..=6).contains(&seconds), "{seconds}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    let detail = body["detail"].as_str().expect("a detail message");
    assert!(detail.starts_with("Rate limit exceeded: 10 per 1 minute (burst 2)"), "{detail}");

    assert_eq!(call(&router, "/api/v1/videos", Some(&bob.key)).await.0, StatusCode::OK, "bob has his own bucket");
    for _ in 0..5 {
        let (status, _, _) = call(&router, "/api/v1/scheduler/jobs", Some(&alice.key)).await;
        assert_eq!(status, StatusCode::OK, "seed 004's routes are not limited");
    }
    let (status, _, _) = call(&router, "/api/v1/videos", Some("jsk_wrong")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a refused key is refused before it is counted");
    h.stop().await;
}

#[tokio::test]
async fn with_the_limit_off_nothing_is_counted() {
    let h = RouterHarness::new();
    for _ in 0..30 {
        assert_eq!(call(&h.router, "/api/v1/stats", None).await.0, StatusCode::OK);
    }
    h.stop().await;
}

#[test]
fn the_document_names_the_429_on_seed_002s_routes_only() {
    let openapi = serde_json::to_value(crate::http::openapi()).unwrap();
    let paths = openapi["paths"].as_object().unwrap();
    let mut limited = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let documented = operation["responses"].get("429").is_some();
            assert_eq!(documented, is_limited(path), "{method} {path}");
            limited += usize::from(documented);
            if documented {
                let answer = &operation["responses"]["429"];
                assert_eq!(answer["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/DetailBody");
                assert!(answer["headers"]["Retry-After"].is_object(), "{answer}");
            }
        }
    }
    assert!(limited >= 4, "videos and stats at least");
}
