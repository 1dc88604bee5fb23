//! A Lambda Runtime API of a test's own, on a free loopback port, stopped when dropped: the
//! interface a function's runtime polls for its next event and answers through. A test starts a
//! function's process itself, with `AWS_LAMBDA_RUNTIME_API` set to [`RuntimeApi::address`], and
//! hands it events with [`RuntimeApi::send`], one at a time, as Lambda does. (`cargo lambda
//! watch` serves the same API but builds and starts the functions itself, from the workspace.)
//!
//! What it serves: `GET /2018-06-01/runtime/invocation/next` (waits for an event, then gives it
//! with the request id, deadline, function ARN and trace headers Lambda sends), `POST
//! …/invocation/{id}/response`, `POST …/invocation/{id}/error` and `POST …/init/error`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

/// How a function answered one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The handler's result (`…/response`).
    Response(Value),
    /// The handler's error (`…/error`): `{"errorType", "errorMessage"}`.
    Error(Value),
}

struct Event {
    id: String,
    body: Value,
    deadline_ms: u128,
}

struct Shared {
    function_arn: String,
    /// Taken by the one poll waiting on `next`: a runtime polls one event at a time.
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<Event>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Answer>>>,
    init_error: Mutex<Option<Value>>,
}

pub struct RuntimeApi {
    address: SocketAddr,
    events: mpsc::UnboundedSender<Event>,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl RuntimeApi {
    /// Serves the API for one function, named in the ARN each event carries.
    pub async fn start(function_name: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free loopback port");
        let address = listener.local_addr().expect("the listener's address");
        let (events, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{function_name}"),
            events: tokio::sync::Mutex::new(receiver),
            waiting: Mutex::new(HashMap::new()),
            init_error: Mutex::new(None),
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { address, events, shared, server }
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// Queues `event` for the function's next poll, due within `deadline` (the invocation's
    /// deadline header); the receiver gets the function's answer.
    pub fn send(&self, event: Value, deadline: Duration) -> oneshot::Receiver<Answer> {
        let id = uuid::Uuid::new_v4().to_string();
        let (answer, answered) = oneshot::channel();
        self.shared.waiting.lock().unwrap_or_else(PoisonError::into_inner).insert(id.clone(), answer);
        let deadline_ms = (SystemTime::now() + deadline).duration_since(UNIX_EPOCH).expect("after 1970").as_millis();
        self.events.send(Event { id, body: event, deadline_ms }).expect("the API is serving");
        answered
    }

    /// What the function reported if it failed before polling (`…/init/error`).
    pub fn init_error(&self) -> Option<Value> {
        self.shared.init_error.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> (StatusCode, HeaderMap, String) {
    let event = shared.events.lock().await.recv().await;
    let Some(event) = event else { return (StatusCode::GONE, HeaderMap::new(), String::new()) };
    let mut headers = HeaderMap::new();
    let value = |text: &str| HeaderValue::from_str(text).expect("a header value");
    headers.insert("lambda-runtime-aws-request-id", value(&event.id));
    headers.insert("lambda-runtime-deadline-ms", value(&event.deadline_ms.to_string()));
    headers.insert("lambda-runtime-invoked-function-arn", value(&shared.function_arn));
    headers.insert("lambda-runtime-trace-id", value("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0"));
    headers.insert("content-type", value("application/json"));
    (StatusCode::OK, headers, event.body.to_string())
}

fn json_or_text(body: &Bytes) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

fn answer(shared: &Shared, id: &str, answer: Answer) -> StatusCode {
    let waiting = shared.waiting.lock().unwrap_or_else(PoisonError::into_inner).remove(id);
    match waiting {
        Some(sender) => {
            let _ = sender.send(answer);
            StatusCode::ACCEPTED
        }
        // Lambda's answer to an unknown or already answered request id.
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    answer(&shared, &id, Answer::Response(json_or_text(&body)))
}

async fn error(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    answer(&shared, &id, Answer::Error(json_or_text(&body)))
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    *shared.init_error.lock().unwrap_or_else(PoisonError::into_inner) = Some(json_or_text(&body));
    StatusCode::ACCEPTED
}
