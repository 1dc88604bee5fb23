//! The proxy's back: the HTTP requests that arrive through a tunnel, answered by host and path
//! from the canned data. Every request is logged first; what the proxy does not play is 404.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::canned::{CDN_HOST, Canned, Rendition, USERNAME, WEB_HOST};

/// Every request the proxy saw, as `METHOD URL` (`CONNECT host:port` for a tunnel), in arrival
/// order.
#[derive(Clone, Default)]
pub(super) struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    /// A test that panicked while holding the lock has failed already; each entry is one push,
    /// so the log is whole for later readers.
    fn lock(&self) -> MutexGuard<'_, Vec<String>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn push(&self, entry: String) {
        tracing::debug!(request = %entry, "tiktok proxy");
        self.lock().push(entry);
    }

    pub fn entries(&self) -> Vec<String> {
        self.lock().clone()
    }
}

pub(super) struct Site {
    pub canned: Canned,
    pub log: Log,
    /// The `Cookie` header of each file request, as `URL cookie`, in arrival order.
    pub file_cookies: Log,
}

/// The cookie TikTok's pages set and its video CDN asks for, as yt-dlp's extractor carries it
/// from the page to the file.
pub const CHAIN_COOKIE: &str = "tt_chain_token=canned-chain-token";

pub(super) fn router(site: Arc<Site>) -> axum::Router {
    axum::Router::new().fallback(answer).with_state(site)
}

async fn answer(State(site): State<Arc<Site>>, method: Method, headers: HeaderMap, uri: Uri) -> Response {
    // Through a tunnel the request line holds only the path; the host is in `Host`.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default().to_owned();
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    site.log.push(format!("{method} https://{host}{target}"));
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let canned = &site.canned;
    if host == CDN_HOST {
        let cookie = headers.get(header::COOKIE).and_then(|c| c.to_str().ok()).unwrap_or_default();
        site.file_cookies.push(format!("https://{host}{} {cookie}", uri.path()));
    }
    let found = match host.as_str() {
        WEB_HOST => web(canned, uri.path(), uri.query().unwrap_or_default()),
        CDN_HOST => cdn(canned, uri.path()),
        _ => None,
    };
    found.unwrap_or_else(|| {
        tracing::warn!(%host, %target, "the tiktok proxy has nothing canned for this request");
        StatusCode::NOT_FOUND.into_response()
    })
}

fn web(canned: &Canned, path: &str, query: &str) -> Option<Response> {
    let Some(rest) = path.strip_prefix("/@").and_then(|p| p.strip_prefix(USERNAME)) else {
        return (path == "/api/creator/item_list/").then(|| item_list(canned, query));
    };
    if rest.is_empty() || rest == "/" {
        return Some(html(canned.profile_page()));
    }
    let id = rest.strip_prefix("/video/")?.trim_end_matches('/');
    canned.video_page(id).map(html)
}

/// The profile's videos, for the profile's `secUid` only: the extractor must have read it from
/// the profile page. Any other gets TikTok's answer for a user with nothing to show.
fn item_list(canned: &Canned, query: &str) -> Response {
    let asked = form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "secUid").map(|(_, v)| v);
    let body = if asked.as_deref() == Some(canned.sec_uid()) {
        canned.item_list()
    } else {
        r#"{"statusCode":0,"hasMore":false,"hasMorePrevious":false,"itemList":[]}"#.to_owned()
    };
    ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
}

/// `/video/tos/alisg/{id}/{play|download}/`.
fn cdn(canned: &Canned, path: &str) -> Option<Response> {
    let rest = path.strip_prefix("/video/tos/alisg/")?.trim_end_matches('/');
    let (id, rendition) = rest.split_once('/')?;
    if ![Rendition::Play, Rendition::Download].iter().any(|r| r.as_str() == rendition) {
        return None;
    }
    let mp4 = canned.mp4(id)?;
    Some(([(header::CONTENT_TYPE, "video/mp4")], Body::from(mp4)).into_response())
}

fn html(page: String) -> Response {
    let cookie = format!("{CHAIN_COOKIE}; Domain=.tiktok.com; Path=/; Secure");
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()), (header::SET_COOKIE, cookie)], page)
        .into_response()
}
