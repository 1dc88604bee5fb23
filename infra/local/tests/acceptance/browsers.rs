//! What a web page can make a browser on this machine do: in open mode, nothing to another site's
//! liking (CSRF, DNS rebinding); with keys, CORS only for the configured origins. HEAD is served
//! wherever GET is.

use std::process::Stdio;
use std::time::Duration;

use jobsmith::http::routes::{ROUTES, RouteSpec, every_route};
use reqwest::Method;
use reqwest::header::{HOST, HeaderMap};
use serde_json::{Value, json};

use crate::support::time::run_date_in;
use crate::support::{BIN, Resp, Server, ServerOptions, api_error_at, bounded, cleanup_error, detail_message, new_key};

const LIMIT: Duration = Duration::from_secs(60);
const JOBS: &str = "/api/v1/scheduler/jobs";
const EVIL: &str = "http://evil.example";
/// The job each family's `{job_id}` routes are aimed at.
const SEED_001_JOB: &str = "victim";
const SEED_004_JOB: &str = "victim-v1";

/// A body that every route taking one would accept: the refusals below are the headers' doing.
fn payload(script: &str) -> Value {
    let (run_date, _) = run_date_in(3600);
    json!({
        "job_id": "csrf", "job_type": "bash", "script_path": script, "run_date": run_date,
        "id": "csrf", "name": "Planted", "taskFunctionId": 1, "jobTypeId": 1,
        "scheduleConfig": {"hours": 1, "minutes": 0, "seconds": 0}, "taskArgs": {"script_path": script},
        "isEnabled": false,
    })
}

fn concrete(route: &RouteSpec) -> String {
    let job = if route.path.starts_with("/api/v1/") { SEED_004_JOB } else { SEED_001_JOB };
    route.path.replace("{job_id}", job)
}

/// The refusal's message, in the shape of the path's family.
#[track_caller]
fn refusal(path: &str, answer: &Resp, status: u16) -> String {
    assert_eq!(answer.status, status, "{path}: {}", answer.text);
    if path.starts_with("/api/v1/cleanup-all-videos") {
        cleanup_error(&answer.body)
    } else if path.starts_with("/api/v1/") || !path.starts_with("/api/") {
        detail_message(&answer.body)
    } else {
        api_error_at(path, &answer.body)
    }
}

/// Everything a cross-site request could have changed or started.
async fn state(server: &Server) -> Vec<Value> {
    let mut seen = Vec::new();
    for path in ["/api/jobs", JOBS, "/api/v1/scheduler/executions"] {
        seen.push(server.get(path).await.expect(200));
    }
    seen
}

#[tokio::test]
async fn open_mode_refuses_other_sites_on_every_route_and_changes_nothing() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let script = server.write_script("ok.sh", "#!/bin/bash\nexit 0\n");
        let port = server.addr.rsplit(':').next().expect("port").to_owned();
        let mut seed_001 = payload(&script);
        seed_001["job_id"] = json!(SEED_001_JOB);
        server.post("/api/schedule-job", &seed_001).await.expect(200);
        let mut seed_004 = payload(&script);
        (seed_004["id"], seed_004["isEnabled"]) = (json!(SEED_004_JOB), json!(true));
        server.post(JOBS, &seed_004).await.expect(201);
        let before = state(&server).await;
        let body = payload(&script).to_string();

        let changes: Vec<&RouteSpec> = ROUTES.iter().filter(|r| r.method != "GET").collect();
        assert!(changes.len() >= 10, "the table's state-changing routes: {}", changes.len());
        for route in changes {
            let path = concrete(route);
            let method: Method = route.method.parse().expect("a method");
            let send = |headers: &[(&str, String)], content_type: Option<&str>| {
                let mut request = server.request(method.clone(), &path).body(body.clone());
                for (name, value) in headers {
                    request = request.header(*name, value);
                }
                if let Some(content_type) = content_type {
                    request = request.header("content-type", content_type);
                }
                server.send(request)
            };
            let what = format!("{} {path}", route.method);

            // The request: another site's page, its name rebound to 127.0.0.1.
            let rebound = [("host", "evil.example".to_owned()), ("origin", EVIL.to_owned())];
            let message = refusal(&path, &send(&rebound, Some("text/plain")).await, 403);
            assert_eq!(
                message, "Forbidden: requests from other sites are refused (Host evil.example is not this server)",
                "{what}"
            );
            let rebound = [("host", format!("evil.example:{port}")), ("origin", format!("{EVIL}:{port}"))];
            let message = refusal(&path, &send(&rebound, Some("application/json")).await, 403);
            assert!(message.contains(&format!("Host evil.example:{port} is not this server")), "{what}: {message}");

            // Another site's page posting straight to 127.0.0.1 (CSRF), or from a sandboxed frame.
            for origin in [EVIL, "null"] {
                for content_type in [Some("text/plain"), Some("application/json"), None] {
                    let answer = send(&[("origin", origin.to_owned())], content_type).await;
                    let message = refusal(&path, &answer, 403);
                    assert!(
                        message.contains(&format!("Origin {origin} is not this server's origin")),
                        "{what}: {message}"
                    );
                }
            }

            // A form sent by a browser that names no origin.
            for form in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let message = refusal(&path, &send(&[], Some(form)).await, 415);
                assert!(message.starts_with("Unsupported Media Type: ") && message.contains(form), "{what}: {message}");
            }
        }

        // Reads too, under a rebound name: the documents and unknown paths included.
        let reads = every_route().filter(|r| r.method == "GET").map(concrete).chain(["/nope".to_owned()]);
        for path in reads {
            for method in [Method::GET, Method::HEAD] {
                let request = server.request(method.clone(), &path).header(HOST, format!("evil.example:{port}"));
                let answer = server.send(request).await;
                assert_eq!(answer.status, 403, "{method} {path}: {}", answer.text);
                if method == Method::GET {
                    assert!(refusal(&path, &answer, 403).contains("is not this server"), "{path}");
                }
            }
        }

        assert_eq!(state(&server).await, before, "a refused request changed something");
        assert_eq!(server.get("/api/job/csrf").await.status, 404);
        // The same body, sent as this machine's own clients send it, is taken.
        server.post(JOBS, &payload(&script)).await.expect(201);
    })
    .await;
}

#[tokio::test]
async fn open_mode_still_serves_this_machines_clients() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let script = server.write_script("ok.sh", "#!/bin/bash\nexit 0\n");
        let port = server.addr.rsplit(':').next().expect("port").to_owned();

        // Seed 001's curl: JSON with its type; PUT and DELETE with neither body nor type.
        server.post("/api/schedule-job", &payload(&script)).await.expect(200);
        server.put_empty("/api/pause-job/csrf").await.expect(200);
        server.put_empty("/api/resume-job/csrf").await.expect(200);
        server.delete("/api/remove-job/csrf").await.expect(200);

        // Seed 004's client, then a bodyless trigger as curl sends it.
        let mut job = payload(&script);
        job["isEnabled"] = json!(true);
        let job = server.post(JOBS, &job).await.expect(201);
        server.post_empty(&format!("{JOBS}/{}/trigger", job["id"].as_str().expect("id"))).await.expect(200);
        server.wait_executions("csrf", Duration::from_secs(15), "the triggered run", |runs| !runs.is_empty()).await;

        // `requests.get("http://localhost:8000/...")`, and the page at /docs trying a route out.
        for host in [format!("localhost:{port}"), format!("[::1]:{port}")] {
            let answer = server.send(server.request(Method::GET, "/api/jobs").header(HOST, &host)).await;
            assert_eq!(answer.status, 200, "{host}: {}", answer.text);
        }
        let origin = format!("http://{}", server.addr);
        let renamed = json!({"name": "Renamed"});
        let answer = server
            .send(server.request(Method::PUT, &format!("{JOBS}/csrf")).header("origin", &origin).json(&renamed))
            .await;
        assert_eq!(answer.expect(200)["name"], "Renamed");

        // HEAD is served wherever GET is, without a body; a route with no GET still refuses it.
        for path in ["/api/health", "/api/jobs", JOBS, "/openapi.json"] {
            let answer = server.send(server.request(Method::HEAD, path)).await;
            assert_eq!((answer.status, answer.text.as_str()), (200, ""), "HEAD {path}");
        }
        assert_eq!(server.send(server.request(Method::HEAD, "/api/schedule-job")).await.status, 405);

        // No CORS in open mode: a preflight from another site gets no allowance.
        let preflight = preflight(&server, None, EVIL).await;
        assert!(preflight.get("access-control-allow-origin").is_none(), "{preflight:?}");
    })
    .await;
}

/// A browser's preflight for a keyed JSON POST from `origin`; the answer's headers.
async fn preflight(server: &Server, key: Option<&str>, origin: &str) -> HeaderMap {
    let request = server
        .request_as(key, Method::OPTIONS, JOBS)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,x-api-key");
    request.send().await.expect("preflight").headers().clone()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

#[tokio::test]
async fn keyed_mode_allows_cors_only_for_configured_origins() {
    const APP: &str = "https://app.example";
    let (key, line) = new_key("otto", "operator");
    let plain = Server::start(ServerOptions { api_keys: line.clone(), ..Default::default() }).await;
    let cors = ServerOptions {
        api_keys: line,
        env: vec![("JOBSMITH_CORS_ORIGINS".to_owned(), format!("{APP}, http://localhost:3000"))],
        ..Default::default()
    };
    let cors = Server::start(cors).await;
    bounded(LIMIT, async {
        // Without configured origins nobody is allowed, preflight or not.
        let answer = preflight(&plain, None, APP).await;
        assert!(answer.get("access-control-allow-origin").is_none(), "{answer:?}");
        let read = plain.request_as(Some(&key), Method::GET, JOBS).header("origin", APP).send().await.expect("read");
        assert_eq!(read.status(), 200);
        assert!(read.headers().get("access-control-allow-origin").is_none(), "{:?}", read.headers());

        // A configured origin is allowed the API's methods and its two headers; another is not.
        let answer = preflight(&cors, None, APP).await;
        assert_eq!(header(&answer, "access-control-allow-origin"), APP, "{answer:?}");
        let allowed = header(&answer, "access-control-allow-headers").to_ascii_lowercase();
        assert!(allowed.contains("x-api-key") && allowed.contains("content-type"), "{allowed}");
        assert!(header(&answer, "access-control-allow-methods").contains("POST"), "{answer:?}");
        assert!(preflight(&cors, None, EVIL).await.get("access-control-allow-origin").is_none());
        let read = cors.request_as(Some(&key), Method::GET, JOBS).header("origin", APP).send().await.expect("read");
        assert_eq!((read.status().as_u16(), header(read.headers(), "access-control-allow-origin")), (200, APP));
        // The key is still needed: CORS lets a page ask, not skip the key.
        let answer = cors.send(cors.request_as(None, Method::GET, JOBS).header("origin", APP)).await;
        assert_eq!(answer.status, 401, "{}", answer.text);

        // With keys the body must still be declared JSON; HEAD needs what GET needs.
        let script = cors.write_script("ok.sh", "#!/bin/bash\nexit 0\n");
        let form = cors.request_as(Some(&key), Method::POST, JOBS).header("content-type", "text/plain");
        let answer = cors.send(form.body(payload(&script).to_string())).await;
        assert!(refusal(JOBS, &answer, 415).contains("text/plain"), "{}", answer.text);
        assert_eq!(cors.send(cors.request_as(Some(&key), Method::GET, &format!("{JOBS}/csrf"))).await.status, 404);
        for (key, status) in [(None, 401), (Some("wrong"), 401), (Some(key.as_str()), 200)] {
            let answer = cors.send(cors.request_as(key, Method::HEAD, "/api/jobs")).await;
            assert_eq!((answer.status, answer.text.as_str()), (status, ""), "HEAD with {key:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn open_mode_will_not_start_with_cors_origins() {
    let data = tempfile::tempdir().expect("data dir");
    let scripts = tempfile::tempdir().expect("script dir");
    let output = tokio::process::Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--cors-origin", "https://app.example", "--data-dir"])
        .arg(data.path())
        .arg("--script-root")
        .arg(scripts.path())
        .env("JOBSMITH_API_KEYS", "")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(10), output).await.expect("exits").expect("output");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!output.status.success() && !stdout.contains("listening"), "{stdout}");
    assert!(stderr.contains("JOBSMITH_CORS_ORIGINS") && stderr.contains("JOBSMITH_API_KEYS"), "{stderr}");
}
