//! `X-API-Key` authentication and role checks, driven by the route table.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::family::error_for;
use super::routes::{Access, access_for};
use crate::domain::principal::{KeyRing, Principal};

pub const API_KEY_HEADER: &str = "x-api-key";

/// The configured keys, or none: then every caller is an anonymous admin, which the server
/// only allows on a loopback bind.
#[derive(Clone)]
pub struct Auth {
    keys: Arc<KeyRing>,
}

impl Auth {
    pub fn new(keys: KeyRing) -> Self {
        Self { keys: Arc::new(keys) }
    }

    pub fn is_open(&self) -> bool {
        self.keys.is_empty()
    }
}

pub async fn authenticate(
    State(auth): State<Auth>,
    matched: Option<MatchedPath>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let access = match &matched {
        Some(matched) => access_for(request.method(), matched.as_str()),
        None => return next.run(request).await,
    };
    let principal = match access {
        Some(Access::Public) => return next.run(request).await,
        None => return deny(&path, StatusCode::FORBIDDEN, "This route is not open to anyone"),
        Some(Access::Requires(role)) => {
            let principal = if auth.is_open() {
                Principal::anonymous_admin()
            } else {
                let presented = request.headers().get(API_KEY_HEADER).and_then(|v| v.to_str().ok());
                match presented.and_then(|key| auth.keys.authenticate(key)) {
                    Some(principal) => principal,
                    None if presented.is_none() => {
                        return deny(&path, StatusCode::UNAUTHORIZED, "Missing API key (X-API-Key header)");
                    }
                    None => return deny(&path, StatusCode::UNAUTHORIZED, "Invalid API key"),
                }
            };
            if !principal.role.allows(role) {
                let message = format!(
                    "Forbidden: this needs the {} role; the key has {}",
                    role.as_str(),
                    principal.role.as_str()
                );
                return deny(&path, StatusCode::FORBIDDEN, &message);
            }
            principal
        }
    };
    request.extensions_mut().insert(principal);
    next.run(request).await
}

fn deny(path: &str, status: StatusCode, message: &str) -> Response {
    error_for(path, status, message)
}
