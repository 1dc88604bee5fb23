//! The socket over a real loopback connection (an upgrade needs one), on an in-memory store.

use std::time::Duration;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::*;
use crate::adapters::local::sqlite::SqliteStore;
use crate::domain::execution::{Execution, ExecutionStatus, Progress, TriggeredBy};
use crate::domain::ids::JobId;
use crate::domain::principal::{KeyRing, Role, generate_key};
use crate::ports::StartOutcome;

const WITHIN: Duration = Duration::from_secs(10);

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct Served {
    feed: ProgressFeed,
    addr: std::net::SocketAddr,
}

async fn serve(auth: Auth, max_open: usize) -> Served {
    let feed = ProgressFeed::over(Arc::new(SqliteStore::open_in_memory().expect("an in-memory store")));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    let app = router(feed.clone(), auth, max_open);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Served { feed, addr }
}

fn open() -> Auth {
    Auth::new(KeyRing::default())
}

async fn running(feed: &ProgressFeed) -> Execution {
    let now = Utc::now();
    let run =
        Execution::new(JobId::generate(), crate::domain::task::RunKind::Scrape, now, 1, TriggeredBy::Api, None, now);
    match feed.start_execution(&run, 1).await.expect("start") {
        StartOutcome::Started(run) => run,
        other => panic!("not started: {other:?}"),
    }
}

async fn connect(served: &Served, id: &str, headers: &[(&str, &str)]) -> Result<Client, WsError> {
    let mut request = format!("ws://{}/ws/jobs/{id}", served.addr).into_client_request().expect("a request");
    for (name, value) in headers {
        let name = axum::http::HeaderName::from_bytes(name.as_bytes()).expect("a header name");
        request.headers_mut().insert(name, value.parse().expect("a header value"));
    }
    let (client, _) =
        tokio::time::timeout(WITHIN, tokio_tungstenite::connect_async(request)).await.expect("in time")?;
    Ok(client)
}

/// The status and body of a refused upgrade.
fn refusal(result: Result<Client, WsError>) -> (u16, Value) {
    match result {
        Err(WsError::Http(response)) => {
            let body = response.body().as_deref().map(serde_json::from_slice).and_then(Result::ok);
            (response.status().as_u16(), body.unwrap_or(Value::Null))
        }
        Err(other) => panic!("refused otherwise: {other}"),
        Ok(_) => panic!("upgraded"),
    }
}

/// The next message that is not a control frame the client library handles.
async fn next(client: &mut Client) -> Message {
    loop {
        match tokio::time::timeout(WITHIN, client.next()).await.expect("a message in time") {
            Some(Ok(Message::Ping(_))) => continue,
            Some(Ok(message)) => return message,
            other => panic!("the socket ended: {other:?}"),
        }
    }
}

async fn next_view(client: &mut Client) -> Value {
    match next(client).await {
        Message::Text(text) => serde_json::from_str(text.as_str()).expect("JSON"),
        other => panic!("not a view: {other:?}"),
    }
}

fn progress(total: u64, succeeded: u64, failed: u64) -> Progress {
    Progress { total, processed: succeeded + failed, succeeded, failed }
}

#[tokio::test]
async fn pushes_the_state_at_once_then_each_change_then_closes_when_the_run_ends() {
    let served = serve(open(), 4).await;
    let run = running(&served.feed).await;
    let mut client = connect(&served, &run.id.to_string(), &[]).await.expect("upgraded");

    let first = next_view(&mut client).await;
    assert_eq!(first["id"], run.id.to_string());
    assert_eq!(
        (&first["status"], &first["progress"], &first["total_videos"]),
        (&"running".into(), &0.into(), &0.into())
    );

    served.feed.update_progress(run.id, progress(3, 1, 0)).await.expect("progress");
    let second = next_view(&mut client).await;
    assert_eq!((&second["progress"], &second["successful_downloads"]), (&33.into(), &1.into()), "{second}");

    let mut done = run.clone();
    (done.status, done.finished_at, done.progress) = (ExecutionStatus::Succeeded, Some(Utc::now()), progress(3, 2, 1));
    served.feed.finish_execution(&done).await.expect("finish");
    let last = next_view(&mut client).await;
    assert_eq!(
        last,
        serde_json::json!({"id": run.id.to_string(), "status": "completed", "progress": 100,
            "total_videos": 3, "successful_downloads": 2, "failed_downloads": 1})
    );
    match next(&mut client).await {
        Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Normal, "{frame:?}"),
        other => panic!("not a close: {other:?}"),
    }
}

#[tokio::test]
async fn a_finished_run_is_sent_once_and_closed() {
    let served = serve(open(), 4).await;
    let run = running(&served.feed).await;
    let mut done = run.clone();
    (done.status, done.finished_at) = (ExecutionStatus::TimedOut, Some(Utc::now()));
    served.feed.finish_execution(&done).await.expect("finish");
    let mut client = connect(&served, &run.id.to_string(), &[]).await.expect("upgraded");
    assert_eq!(next_view(&mut client).await["status"], "failed");
    assert!(matches!(next(&mut client).await, Message::Close(Some(_))));
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404_before_any_upgrade() {
    let served = serve(open(), 4).await;
    for id in [ExecutionId::generate().to_string(), "not-a-run".to_owned()] {
        let (status, body) = refusal(connect(&served, &id, &[]).await);
        assert_eq!((status, body), (404, serde_json::json!({"detail": "Job not found"})), "{id}");
    }
    assert_eq!(served.feed.watched_runs(), 0);
}

#[tokio::test]
async fn a_plain_get_is_told_to_upgrade_in_the_familys_shape() {
    use tower::ServiceExt;
    let served = serve(open(), 4).await;
    let run = running(&served.feed).await;
    let request = axum::http::Request::get(format!("/ws/jobs/{}", run.id)).body(axum::body::Body::empty()).unwrap();
    let response = router(served.feed.clone(), open(), 4).oneshot(request).await.unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    let body: Value =
        serde_json::from_slice(&axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap()).unwrap();
    assert!(body["detail"].is_string(), "{body}");
}

#[tokio::test]
async fn pings_are_answered() {
    let served = serve(open(), 4).await;
    let run = running(&served.feed).await;
    let mut client = connect(&served, &run.id.to_string(), &[]).await.expect("upgraded");
    next_view(&mut client).await;
    client.send(Message::Ping(b"still there?".as_slice().into())).await.expect("ping");
    match next(&mut client).await {
        Message::Pong(payload) => assert_eq!(&payload[..], b"still there?"),
        other => panic!("not a pong: {other:?}"),
    }
}

#[tokio::test]
async fn past_the_limit_sockets_are_refused_with_503_until_one_closes() {
    let served = serve(open(), 1).await;
    let run = running(&served.feed).await;
    let id = run.id.to_string();
    let mut first = connect(&served, &id, &[]).await.expect("the one slot");
    next_view(&mut first).await;
    let (status, body) = refusal(connect(&served, &id, &[]).await);
    assert_eq!(status, 503, "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.starts_with("Too many open progress sockets")), "{body}");

    first.close(None).await.expect("close");
    while first.next().await.is_some() {}
    let started = std::time::Instant::now();
    loop {
        match connect(&served, &id, &[]).await {
            Ok(_) => break,
            Err(WsError::Http(response)) if response.status() == 503 && started.elapsed() < WITHIN => {
                tokio::task::yield_now().await;
            }
            Err(other) => panic!("the freed slot was not given back: {other}"),
        }
    }
}

#[tokio::test]
async fn with_keys_the_key_comes_as_the_header_or_as_a_subprotocol() {
    let viewer = generate_key("vera", Role::Viewer).expect("a key");
    let served = serve(Auth::new(KeyRing::parse(&viewer.config_line).expect("a key ring")), 4).await;
    let run = running(&served.feed).await;
    let id = run.id.to_string();

    let (status, body) = refusal(connect(&served, &id, &[]).await);
    assert_eq!((status, &body["detail"]), (401, &"Missing API key (X-API-Key header)".into()));
    let wrong = format!("{PROTOCOL}, {KEY_PROTOCOL_PREFIX}jsk_wrong");
    assert_eq!(refusal(connect(&served, &id, &[("sec-websocket-protocol", &wrong)]).await).0, 401);
    // Auth comes first: an unknown run is not told apart from a known one without a key.
    assert_eq!(refusal(connect(&served, &ExecutionId::generate().to_string(), &[]).await).0, 401);

    let mut by_header = connect(&served, &id, &[("x-api-key", &viewer.key)]).await.expect("the header");
    assert_eq!(next_view(&mut by_header).await["id"], id);

    let offered = format!("{PROTOCOL}, {KEY_PROTOCOL_PREFIX}{}", viewer.key);
    let request = {
        let mut request = format!("ws://{}/ws/jobs/{id}", served.addr).into_client_request().unwrap();
        request.headers_mut().insert("sec-websocket-protocol", offered.parse().unwrap());
        request
    };
    let (mut by_protocol, response) = tokio_tungstenite::connect_async(request).await.expect("the subprotocol");
    let selected = response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok());
    assert_eq!(selected, Some(PROTOCOL), "only the marker is selected, never the key");
    assert_eq!(next_view(&mut by_protocol).await["id"], id);
}

#[test]
fn the_auth_layer_knows_the_route_though_no_function_serves_it() {
    use crate::domain::principal::Role;
    use crate::http::routes::{Access, LOCAL_ROUTES, ROUTES, access_for};
    use axum::http::Method;

    assert_eq!(LOCAL_ROUTES.iter().map(|r| r.path).collect::<Vec<_>>(), [PATH]);
    assert_eq!(access_for(&Method::GET, PATH), Some(Access::Requires(Role::Viewer)));
    assert_eq!(access_for(&Method::POST, PATH), None);
    assert!(ROUTES.iter().all(|r| r.path != PATH), "API Gateway's HTTP APIs carry no WebSockets");
}
