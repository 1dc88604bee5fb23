//! Seed 002's "future" WebSocket, `ws://…/ws/jobs/{job_id}`: a scrape run's progress pushed as it
//! changes. Only a long-lived process can hold sockets open, so `jobsmith serve` mounts it and
//! the Lambda functions do not (API Gateway's HTTP APIs carry no WebSockets; clients there poll
//! `GET /api/v1/jobs/{job_id}`).
//!
//! Everything before the upgrade is an ordinary request of the family: the auth layer (with the
//! key also taken from the offered subprotocols, see [`key`]), then `{"detail": …}` for an
//! unknown run, for a request that is not an upgrade, and for a server at its socket limit.

mod key;
mod push;
#[cfg(test)]
mod tests;
mod view;

use std::sync::Arc;

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::Semaphore;

pub use key::{KEY_PROTOCOL_PREFIX, PROTOCOL};

use crate::app::ProgressFeed;
use crate::domain::ids::ExecutionId;
use crate::http::auth::Auth;
use crate::http::detail::DetailError;
use crate::http::gate::Gate;
use crate::ports::ExecutionStore;

pub const PATH: &str = "/ws/jobs/{job_id}";
/// Open sockets one process holds at most; each is a task and a watch, and a run's watchers all
/// read the store on each of its changes.
pub const MAX_OPEN_SOCKETS: usize = 256;
/// Clients only ever send pings and a close; anything bigger is not a client of this socket.
const MAX_CLIENT_MESSAGE: usize = 4 * 1024;
/// When a refused client may try again.
const RETRY_AFTER_SECONDS: &str = "5";

#[derive(Clone)]
struct Sockets {
    feed: ProgressFeed,
    open: Arc<Semaphore>,
}

/// The route with its auth, over `feed`, holding at most `max_open` sockets.
pub fn router(feed: ProgressFeed, auth: Auth, max_open: usize) -> Router {
    let sockets = Sockets { feed, open: Arc::new(Semaphore::new(max_open)) };
    Router::new()
        .route(PATH, get(job_progress))
        .with_state(sockets)
        .route_layer(Gate::new(auth, None))
        // Outside the auth layer, so that the key it lifts is there when auth looks.
        .route_layer(axum::middleware::from_fn(key::key_from_protocol))
}

async fn job_progress(
    State(sockets): State<Sockets>,
    RunIdPath(run): RunIdPath,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    match sockets.feed.get_execution(run).await {
        Ok(Some(_)) => {}
        Ok(None) => return job_not_found().into_response(),
        Err(err) => {
            tracing::error!(error = %err, run = %run, "cannot read a run for its progress socket");
            return DetailError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error").into_response();
        }
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return DetailError::new(rejection.status(), rejection.body_text()).into_response(),
    };
    let Ok(slot) = sockets.open.clone().try_acquire_owned() else {
        let message = "Too many open progress sockets; try again later, or poll GET /api/v1/jobs/{job_id}";
        let mut refused = DetailError::new(StatusCode::SERVICE_UNAVAILABLE, message).into_response();
        refused.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
        return refused;
    };
    let feed = sockets.feed;
    upgrade
        .protocols([PROTOCOL])
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| push::push(socket, run, feed, slot))
}

/// A `{job_id}` of seed 002: a run's id (a UUID). Anything else names no run: a 404, as for an
/// id that names none.
struct RunIdPath(ExecutionId);

impl<S: Send + Sync> FromRequestParts<S> for RunIdPath {
    type Rejection = DetailError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| job_not_found())?;
        ExecutionId::parse(&raw).map(Self).ok_or_else(job_not_found)
    }
}

fn job_not_found() -> DetailError {
    DetailError::new(StatusCode::NOT_FOUND, "Job not found")
}
