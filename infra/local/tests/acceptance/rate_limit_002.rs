//! Seed 002's rate limit on the real server: per API key (or per address with no keys), its
//! routes only, a 429 with `Retry-After` in the family's shape; off by default in these tests.

use reqwest::Method;

use crate::support::{Server, ServerOptions, detail_message, new_key};

/// Ten a minute with a burst of three: the fourth quick request is refused, and the next token
/// is six seconds away, longer than the test takes.
fn limited(api_keys: String, client_key: Option<String>) -> ServerOptions {
    let env = [("JOBSMITH_RATE_LIMIT_REQUESTS_PER_MINUTE", "10"), ("JOBSMITH_RATE_LIMIT_BURST", "3")];
    ServerOptions {
        api_keys,
        client_key,
        env: env.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
        ..ServerOptions::default()
    }
}

#[tokio::test]
async fn each_key_gets_its_burst_then_a_429_with_retry_after() {
    let (alice, alice_line) = new_key("alice", "viewer");
    let (bob, bob_line) = new_key("bob", "viewer");
    let server = Server::start(limited(format!("{alice_line},{bob_line}"), None)).await;
    let get = |key: &str, path: &str| server.request_as(Some(key), Method::GET, path);

    for path in ["/api/v1/videos", "/api/v1/stats", "/api/v1/videos?limit=1"] {
        server.send(get(&alice, path)).await.expect(200);
    }
    let refused = get(&alice, "/api/v1/videos").send().await.expect("send");
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in whole seconds");
    assert!((1..=6).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = refused.json().await.expect("a JSON body");
    let message = detail_message(&body);
    assert!(message.starts_with("Rate limit exceeded: "), "{message}");

    server.send(get(&bob, "/api/v1/videos")).await.expect(200);
    for _ in 0..5 {
        server.send(get(&alice, "/api/v1/scheduler/jobs")).await.expect(200);
    }
}

#[tokio::test]
async fn with_no_keys_the_callers_address_is_counted() {
    let server = Server::start(limited(String::new(), None)).await;
    for _ in 0..3 {
        server.get("/api/v1/stats/health").await.expect(200);
    }
    let refused = server.get("/api/v1/stats").await;
    assert_eq!(refused.status, 429, "{}", refused.text);
    server.get("/api/health").await.expect(200);
}

#[tokio::test]
async fn the_harness_leaves_the_limit_off() {
    let server = Server::open().await;
    for _ in 0..25 {
        server.get("/api/v1/stats").await.expect(200);
    }
}
