//! Seed 002's WebSocket as a client uses it: `ws://…/ws/jobs/{job_id}` on a real scrape run
//! against the loopback video site, read until the server closes it; and what the socket answers
//! before it opens (unknown runs, keys, other sites).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use jobsmith::http::scraper_api::ws::{KEY_PROTOCOL_PREFIX, PROTOCOL};
use jobsmith::test_support::media::installed_tools;
use jobsmith::test_support::scrape_fixture::{Breakage, ScrapeFixture};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::support::{Server, ServerOptions, bounded, detail_message, new_key, scraping_server};

const JOBS: &str = "/api/v1/scheduler/jobs";
const SCRAPE_PROFILE: u32 = 3;
const SCRIPT_BASH: u32 = 1;
const LIMIT: Duration = Duration::from_secs(60);
const SCRAPE_LIMIT: Duration = Duration::from_secs(150);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn socket_url(server: &Server, run: &str) -> String {
    format!("ws://{}/ws/jobs/{run}", server.addr)
}

async fn connect(server: &Server, run: &str, headers: &[(&'static str, String)]) -> Result<Socket, WsError> {
    let mut request = socket_url(server, run).into_client_request().expect("a request");
    for (name, value) in headers {
        request.headers_mut().insert(*name, HeaderValue::from_str(value).expect("a header value"));
    }
    tokio_tungstenite::connect_async(request).await.map(|(socket, _)| socket)
}

/// The status and JSON body of an upgrade the server refused.
#[track_caller]
fn refused(result: Result<Socket, WsError>) -> (u16, Value) {
    match result {
        Err(WsError::Http(response)) => {
            let body = response.body().as_deref().and_then(|b| serde_json::from_slice(b).ok());
            (response.status().as_u16(), body.unwrap_or(Value::Null))
        }
        Err(other) => panic!("refused otherwise: {other}"),
        Ok(_) => panic!("the upgrade was accepted"),
    }
}

/// Every view the server sends until its close frame, which is returned beside them.
async fn read_to_close(socket: &mut Socket) -> (Vec<Value>, Option<CloseCode>) {
    let mut views = Vec::new();
    while let Some(message) = socket.next().await {
        match message.expect("a readable message") {
            Message::Text(text) => views.push(serde_json::from_str(text.as_str()).expect("a JSON view")),
            Message::Close(frame) => return (views, frame.map(|f| f.code)),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected message {other:?}"),
        }
    }
    panic!("the socket ended without a close frame after {views:?}")
}

/// Creates a job and runs it once by hand; returns the job's id and the run's.
async fn trigger(server: &Server, body: &Value) -> (String, String) {
    let job = server.post(JOBS, body).await.expect(201);
    let job_id = job["id"].as_str().expect("id").to_owned();
    let triggered = server.post_empty(&format!("{JOBS}/{job_id}/trigger")).await.expect(200);
    (job_id, triggered["executionId"].as_str().expect("executionId").to_owned())
}

fn job_body(function: u32, args: Value) -> Value {
    json!({
        "name": "watched", "taskFunctionId": function, "jobTypeId": 1,
        "scheduleConfig": {"hours": 24, "minutes": 0, "seconds": 0},
        "taskArgs": args, "maxInstances": 1, "timeoutSeconds": 600,
        "retryCount": 0, "retryDelaySeconds": 0, "isEnabled": true,
    })
}

#[tokio::test]
async fn a_scrape_runs_progress_is_pushed_until_it_completes() {
    let fixture = ScrapeFixture::with_samples(&installed_tools().ffmpeg, 4).await;
    let broken = fixture.videos()[2].id.clone();
    fixture.break_media(&broken, Breakage::NotFound);
    let server = scraping_server(&fixture, ServerOptions::default()).await;
    bounded(SCRAPE_LIMIT, async {
        let (job_id, run) = trigger(&server, &job_body(SCRAPE_PROFILE, json!({"value": "fixture", "limit": 10}))).await;
        // As seed 002's page opens it: no key, no subprotocol.
        let mut socket = connect(&server, &run, &[]).await.expect("the socket opens");
        let (views, close) = read_to_close(&mut socket).await;

        assert_eq!(close, Some(CloseCode::Normal), "{views:?}");
        assert!(!views.is_empty());
        for view in &views {
            let mut fields: Vec<&str> = view.as_object().expect("an object").keys().map(String::as_str).collect();
            fields.sort_unstable();
            let expected = ["failed_downloads", "id", "progress", "status", "successful_downloads", "total_videos"];
            assert_eq!(fields, expected, "{view}");
            assert_eq!(view["id"], run.as_str());
        }
        let percents: Vec<u64> = views.iter().map(|v| v["progress"].as_u64().expect("a percentage")).collect();
        assert!(percents.windows(2).all(|pair| pair[0] <= pair[1]), "progress went down: {views:?}");
        assert!(percents.iter().all(|p| *p <= 100), "{views:?}");
        assert!(views[..views.len() - 1].iter().all(|v| v["status"] == "running"), "{views:?}");

        let last = views.last().expect("a last view");
        let recorded = server.executions(&job_id).await.into_iter().find(|r| r["id"] == run.as_str()).expect("the run");
        assert_eq!(recorded["status"], "success", "{recorded}");
        let progress = &recorded["progress"];
        assert_eq!(
            *last,
            json!({
                "id": run, "status": "completed", "progress": 100,
                "total_videos": progress["total"], "successful_downloads": progress["succeeded"],
                "failed_downloads": progress["failed"],
            }),
            "the last view against the recorded run {recorded}"
        );
        assert_eq!(
            (&last["total_videos"], &last["successful_downloads"], &last["failed_downloads"]),
            (&json!(4), &json!(3), &json!(1))
        );
        let uploaded = server.get("/api/v1/videos?status=uploaded").await.expect(200);
        assert_eq!(uploaded["total"], last["successful_downloads"], "{uploaded}");

        // A finished run's socket says so at once, and closes.
        let mut again = connect(&server, &run, &[]).await.expect("the socket opens");
        let (views, close) = read_to_close(&mut again).await;
        assert_eq!((views, close), (vec![last.clone()], Some(CloseCode::Normal)));
    })
    .await;
}

#[tokio::test]
async fn unknown_runs_are_404_and_other_sites_are_refused_before_any_upgrade() {
    let mut server = Server::open().await;
    bounded(LIMIT, async {
        for run in ["0191b6a4-0000-7000-8000-000000000000", "nope"] {
            let (status, body) = refused(connect(&server, run, &[]).await);
            assert_eq!(status, 404, "{run}: {body}");
            assert_eq!(detail_message(&body), "Job not found");
        }

        // Running while the socket is pinged, and when the server is stopped.
        let script = server.write_script("wait.sh", "#!/bin/bash\nsleep 30\n");
        let (_, run) = trigger(&server, &job_body(SCRIPT_BASH, json!({"script_path": script}))).await;
        // A page on another site may open sockets to loopback too: open mode refuses it.
        let (status, body) = refused(connect(&server, &run, &[("origin", "http://evil.example".to_owned())]).await);
        assert_eq!(status, 403, "{body}");
        assert!(detail_message(&body).starts_with("Forbidden: requests from other sites are refused"), "{body}");
        // This server's own pages may.
        let own = format!("http://{}", server.addr);
        let mut socket = connect(&server, &run, &[("origin", own)]).await.expect("a same-origin page");
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                let view: Value = serde_json::from_str(text.as_str()).expect("JSON");
                assert_eq!((&view["id"], &view["status"]), (&json!(run), &json!("running")), "{view}");
            }
            other => panic!("no first view: {other:?}"),
        }
        socket.send(Message::Ping(b"hello".as_slice().into())).await.expect("ping");
        let pong = loop {
            match socket.next().await {
                Some(Ok(Message::Pong(payload))) => break payload,
                Some(Ok(_)) => {}
                other => panic!("no pong: {other:?}"),
            }
        };
        assert_eq!(&pong[..], b"hello");

        // An open socket does not hold the server up when it is told to stop.
        let (status, took) = server.stop().await;
        assert!(status.success() && took < Duration::from_secs(10), "{status:?} after {took:?}");
    })
    .await;
}

#[tokio::test]
async fn with_keys_the_socket_takes_the_key_as_the_header_or_as_a_subprotocol() {
    let (key, config) = new_key("vera", "operator");
    let options = ServerOptions { api_keys: config, client_key: Some(key.clone()), ..ServerOptions::default() };
    let server = Server::start(options).await;
    bounded(LIMIT, async {
        let script = server.write_script("ok.sh", "#!/bin/bash\nexit 0\n");
        let (_, run) = trigger(&server, &job_body(SCRIPT_BASH, json!({"script_path": script}))).await;

        let (status, body) = refused(connect(&server, &run, &[]).await);
        assert_eq!((status, detail_message(&body)), (401, "Missing API key (X-API-Key header)".to_owned()));
        let wrong = format!("{PROTOCOL}, {KEY_PROTOCOL_PREFIX}jsk_wrong");
        let (status, body) = refused(connect(&server, &run, &[("sec-websocket-protocol", wrong)]).await);
        assert_eq!((status, detail_message(&body)), (401, "Invalid API key".to_owned()));

        // What a program sends, and what a browser can: `new WebSocket(url, ["jobsmith", "jobsmith.key." + key])`.
        let offered = format!("{PROTOCOL}, {KEY_PROTOCOL_PREFIX}{key}");
        for headers in [vec![("x-api-key", key.clone())], vec![("sec-websocket-protocol", offered)]] {
            let mut socket = connect(&server, &run, &headers).await.expect("the key is taken");
            match socket.next().await {
                Some(Ok(Message::Text(text))) => assert!(text.as_str().contains(&run), "{text}"),
                other => panic!("no first view: {other:?}"),
            }
        }
        assert!(!server.stderr().contains(&key), "the key reached the log");
    })
    .await;
}
