use axum::Router;
use axum::body::Body;
use axum::routing::post;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::*;

const PORT: u16 = 8123;

fn request(method: Method, headers: &[(&str, &str)], body: &'static str) -> Request {
    let mut builder = Request::builder().method(method).uri("/api/v1/scheduler/jobs");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::from(body)).unwrap()
}

fn check(method: Method, headers: &[(&str, &str)], body: &'static str) -> Result<(), Refusal> {
    SameOrigin::new(PORT).check(&request(method, headers, body))
}

fn host_check(host: &str) -> Result<(), Refusal> {
    check(Method::GET, &[("host", host)], "")
}

#[test]
fn loopback_hosts_with_the_bound_port_pass() {
    for host in
        ["localhost:8123", "LocalHost:8123", "127.0.0.1:8123", "127.4.5.6:8123", "[::1]:8123", "[0:0:0:0:0:0:0:1]:8123"]
    {
        assert_eq!(host_check(host), Ok(()), "{host}");
    }
}

#[test]
fn other_hosts_and_ports_are_refused() {
    for host in [
        "evil.example",
        "evil.example:8123",
        "localhost:8124",
        "localhost",
        "127.0.0.1:80",
        "127.0.0.1",
        "[::1]:8124",
        "[::1]",
        "::1:8123",
        "10.0.0.1:8123",
        "0.0.0.0:8123",
        "localhost.evil.example:8123",
        "localhost:",
        "localhost:+8123",
        "localhost:8123:8123",
        "[fe80::1]:8123",
        "[::1]x:8123",
        "127.1:8123",
    ] {
        let refusal = host_check(host).unwrap_err();
        assert_eq!(refusal.status, StatusCode::FORBIDDEN, "{host}");
        assert_eq!(
            refusal.message,
            format!("Forbidden: requests from other sites are refused (Host {host} is not this server)")
        );
    }
}

#[test]
fn port_80_may_go_unsaid() {
    assert_eq!(SameOrigin::new(80).check(&request(Method::GET, &[("host", "localhost")], "")), Ok(()));
    assert_eq!(SameOrigin::new(80).check(&request(Method::GET, &[("host", "localhost:80")], "")), Ok(()));
}

#[test]
fn a_request_without_host_is_refused() {
    let refusal = check(Method::GET, &[], "").unwrap_err();
    assert_eq!(refusal.status, StatusCode::FORBIDDEN);
    assert!(refusal.message.contains("no Host header"), "{}", refusal.message);
    let twice = [("host", "localhost:8123"), ("host", "evil.example")];
    assert!(check(Method::GET, &twice, "").unwrap_err().message.contains("more than one Host"));
}

#[test]
fn an_absolute_target_must_name_this_server_too() {
    let request = Request::builder().uri("http://evil.example/api/jobs").header("host", "localhost:8123");
    let refusal = SameOrigin::new(PORT).check(&request.body(Body::empty()).unwrap()).unwrap_err();
    assert!(refusal.message.contains("Host evil.example is not this server"), "{}", refusal.message);
    // HTTP/2 names the authority in the target and may leave Host out.
    let request = Request::builder().uri("http://[::1]:8123/api/jobs").body(Body::empty()).unwrap();
    assert_eq!(SameOrigin::new(PORT).check(&request), Ok(()));
}

#[test]
fn origin_must_be_this_very_origin_when_sent() {
    for (host, origin) in [
        ("localhost:8123", "http://localhost:8123"),
        ("127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("[::1]:8123", "http://[::1]:8123"),
    ] {
        assert_eq!(check(Method::POST, &[("host", host), ("origin", origin)], ""), Ok(()), "{origin}");
    }
    for origin in [
        "http://evil.example",
        "null",
        "http://localhost:3000",
        "https://localhost:8123",
        "http://127.0.0.1:8123",
        "http://localhost:8123/",
        "http://evil.example:8123",
    ] {
        let refusal = check(Method::POST, &[("host", "localhost:8123"), ("origin", origin)], "").unwrap_err();
        assert_eq!(refusal.status, StatusCode::FORBIDDEN, "{origin}");
        assert_eq!(
            refusal.message,
            format!(
                "Forbidden: requests from other sites are refused (Origin {origin} is not this server's origin http://localhost:8123)"
            )
        );
    }
}

#[test]
fn state_changes_carry_json_or_nothing() {
    let host = ("host", "127.0.0.1:8123");
    for json in ["application/json", "application/json; charset=utf-8"] {
        assert_eq!(check(Method::POST, &[host, ("content-type", json)], "{}"), Ok(()), "{json}");
    }
    // curl -X PUT …/pause-job/x, curl -X POST …/trigger: no body, no type.
    assert_eq!(check(Method::PUT, &[host], ""), Ok(()));
    assert_eq!(check(Method::POST, &[host], ""), Ok(()));
    for form in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b"] {
        for body in ["{}", ""] {
            let refusal = check(Method::POST, &[host, ("content-type", form)], body).unwrap_err();
            assert_eq!(refusal.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{form} {body:?}");
            assert!(refusal.message.contains(form), "{}", refusal.message);
        }
    }
    let refusal = check(Method::DELETE, &[host], "{}").unwrap_err();
    assert_eq!(refusal.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(refusal.message.contains("needs Content-Type: application/json"), "{}", refusal.message);
    let twice = [host, ("content-type", "application/json"), ("content-type", "text/plain")];
    let refusal = check(Method::POST, &twice, "{}").unwrap_err();
    assert_eq!(refusal.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(refusal.message.contains("more than one Content-Type"), "{}", refusal.message);
    // Reads are not held to it.
    assert_eq!(check(Method::GET, &[host, ("content-type", "text/plain")], "x"), Ok(()));
}

#[tokio::test]
async fn refusals_come_in_the_route_familys_shape() {
    let router = Guarded::new(
        Some(SameOrigin::new(PORT)),
        Router::new()
            .route("/api/schedule-job", post(|| async { "created" }))
            .route("/api/v1/scheduler/jobs", post(|| async { "created" })),
    );
    let call = |path: &'static str, headers: &'static [(&'static str, &'static str)]| {
        let mut builder = Request::post(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let router = router.clone();
        async move {
            let response = router.oneshot(builder.body(Body::from("{}")).unwrap()).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null))
        }
    };
    let rebound: &[(&str, &str)] = &[("host", "evil.example"), ("content-type", "application/json")];
    let refused = "Forbidden: requests from other sites are refused (Host evil.example is not this server)";
    assert_eq!(call("/api/schedule-job", rebound).await, (StatusCode::FORBIDDEN, json!({"error": refused})));
    assert_eq!(call("/api/v1/scheduler/jobs", rebound).await, (StatusCode::FORBIDDEN, json!({"detail": refused})));
    let form: &[(&str, &str)] = &[("host", "localhost:8123"), ("content-type", "text/plain")];
    let (status, body) = call("/api/v1/scheduler/jobs", form).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(body["detail"].as_str().is_some_and(|m| m.starts_with("Unsupported Media Type")), "{body}");
    let same_site: &[(&str, &str)] =
        &[("host", "localhost:8123"), ("origin", "http://localhost:8123"), ("content-type", "application/json")];
    assert_eq!(call("/api/v1/scheduler/jobs", same_site).await, (StatusCode::OK, Value::Null));
}
