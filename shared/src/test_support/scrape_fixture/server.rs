//! The fixture's HTTP side: one handler for every path, so that each request is logged and the
//! throttle applies before anything is routed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::pages::{self, FixtureVideo};

/// How a broken video's mp4 answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakage {
    /// 404: yt-dlp gives the video up at once.
    NotFound,
    /// 500: yt-dlp retries it (`--retries`, 10 by default) before giving up.
    ServerError,
    /// No answer at all: the request is held open until the client gives up (yt-dlp's
    /// `--socket-timeout`) or the test's runtime ends, so that a test can stop a download
    /// while it waits.
    Stall,
}

pub(super) struct Served {
    pub video: FixtureVideo,
    pub mp4: Bytes,
}

pub(super) struct Throttle {
    pub remaining: usize,
    pub retry_after: Duration,
}

#[derive(Default)]
pub(super) struct FixtureState {
    pub base: String,
    /// In feed order.
    pub videos: Vec<Served>,
    pub broken: HashMap<String, Breakage>,
    pub throttle: Option<Throttle>,
    /// Every request's method and path, in arrival order.
    pub log: Vec<(Method, String)>,
}

#[derive(Clone, Default)]
pub(super) struct Shared(Arc<Mutex<FixtureState>>);

impl Shared {
    /// A test that panicked while holding the lock has already failed; the state is still
    /// consistent (every change is one assignment), so later readers go on.
    pub fn lock(&self) -> MutexGuard<'_, FixtureState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(super) fn router(shared: Shared) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(shared)
}

async fn handle(State(shared): State<Shared>, method: Method, uri: Uri) -> Response {
    match answer(&shared, &method, &uri) {
        Some(response) => response,
        None => std::future::pending().await,
    }
}

/// The response, or None for a request to stall; decided under the lock, which no stall holds.
fn answer(shared: &Shared, method: &Method, uri: &Uri) -> Option<Response> {
    let mut state = shared.lock();
    let path = uri.path().to_owned();
    state.log.push((method.clone(), path.clone()));
    if let Some(throttle) = state.throttle.as_mut() {
        let retry_after = throttle.retry_after;
        throttle.remaining = throttle.remaining.saturating_sub(1);
        if throttle.remaining == 0 {
            state.throttle = None;
        }
        let seconds = HeaderValue::from(retry_after.as_secs());
        return Some((StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, seconds)], "slow down\n").into_response());
    }
    if method != Method::GET && method != Method::HEAD {
        return Some(StatusCode::METHOD_NOT_ALLOWED.into_response());
    }
    if path == "/feed.xml" {
        let videos: Vec<FixtureVideo> = state.videos.iter().map(|s| s.video.clone()).collect();
        return Some(ok("application/rss+xml; charset=utf-8", pages::feed(&state.base, &videos).into()));
    }
    if let Some(id) = path.strip_prefix("/videos/") {
        return Some(match state.videos.iter().find(|s| s.video.id == id) {
            Some(served) => {
                ok("text/html; charset=utf-8", pages::page(&state.base, &served.video, served.mp4.len()).into())
            }
            None => StatusCode::NOT_FOUND.into_response(),
        });
    }
    if let Some(id) = path.strip_prefix("/media/").and_then(|file| file.strip_suffix(".mp4")) {
        match state.broken.get(id) {
            Some(Breakage::NotFound) => return Some(StatusCode::NOT_FOUND.into_response()),
            Some(Breakage::ServerError) => return Some(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
            Some(Breakage::Stall) => return None,
            None => {}
        }
        if let Some(served) = state.videos.iter().find(|s| s.video.id == id) {
            return Some(ok("video/mp4", Body::from(served.mp4.clone())));
        }
    }
    Some(StatusCode::NOT_FOUND.into_response())
}

fn ok(content_type: &'static str, body: Body) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}
