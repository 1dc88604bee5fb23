//! `X-API-Key` authentication and role checks, driven by the route table.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::response::Response;

use super::family::error_for;
use super::routes::{Access, access_for};
use crate::domain::principal::{KeyRing, Principal};

pub const API_KEY_HEADER: &str = "x-api-key";

/// Who establishes the caller. The routes' role checks are the same either way.
#[derive(Clone)]
pub struct Auth {
    mode: Mode,
}

#[derive(Clone)]
enum Mode {
    /// The configured keys, or none: then every caller is an anonymous admin, which the server
    /// only allows on a loopback bind.
    Keys(Arc<KeyRing>),
    /// An authorizer in front (API Gateway's) already checked the key; an outer layer puts its
    /// `Principal` in the request extensions, and a request without one is unauthenticated.
    Upstream,
}

impl Auth {
    pub fn new(keys: KeyRing) -> Self {
        Self { mode: Mode::Keys(Arc::new(keys)) }
    }

    pub fn upstream() -> Self {
        Self { mode: Mode::Upstream }
    }

    pub fn is_open(&self) -> bool {
        matches!(&self.mode, Mode::Keys(keys) if keys.is_empty())
    }

    fn identify(&self, request: &Request) -> Result<Principal, &'static str> {
        match &self.mode {
            Mode::Keys(keys) if keys.is_empty() => Ok(Principal::anonymous_admin()),
            Mode::Keys(keys) => {
                let presented = request.headers().get(API_KEY_HEADER).and_then(|v| v.to_str().ok());
                match presented {
                    None => Err("Missing API key (X-API-Key header)"),
                    Some(key) => keys.authenticate(key).ok_or("Invalid API key"),
                }
            }
            Mode::Upstream => request.extensions().get::<Principal>().cloned().ok_or("Not authenticated"),
        }
    }

    /// Admits `request` to the route it matched, with its caller's `Principal` in its extensions,
    /// or answers it in the route family's shape. A request that matched no route (the family's
    /// 404) has nothing to admit it to.
    pub(super) fn admit(&self, request: &mut Request) -> Result<(), Box<Response>> {
        let Some(matched) = request.extensions().get::<MatchedPath>() else { return Ok(()) };
        let principal = match access_for(request.method(), matched.as_str()) {
            Some(Access::Public) => return Ok(()),
            None => return Err(deny(request, StatusCode::FORBIDDEN, "This route is not open to anyone")),
            Some(Access::Requires(role)) => {
                let principal =
                    self.identify(request).map_err(|message| deny(request, StatusCode::UNAUTHORIZED, message))?;
                if !principal.role.allows(role) {
                    let message = format!(
                        "Forbidden: this needs the {} role; the key has {}",
                        role.as_str(),
                        principal.role.as_str()
                    );
                    return Err(deny(request, StatusCode::FORBIDDEN, &message));
                }
                principal
            }
        };
        request.extensions_mut().insert(principal);
        Ok(())
    }
}

fn deny(request: &Request, status: StatusCode, message: &str) -> Box<Response> {
    Box::new(error_for(request.uri().path(), status, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(key: Option<&str>) -> Request {
        let mut builder = axum::http::Request::builder().uri("/api/jobs");
        if let Some(key) = key {
            builder = builder.header(API_KEY_HEADER, key);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn upstream_mode_trusts_only_what_an_outer_layer_put_in_place() {
        let auth = Auth::upstream();
        assert!(!auth.is_open());
        assert_eq!(auth.identify(&request(Some("jsk_anything"))), Err("Not authenticated"));
        let mut with_principal = request(None);
        let alice = Principal { name: "alice".into(), role: crate::domain::principal::Role::Viewer };
        with_principal.extensions_mut().insert(alice.clone());
        assert_eq!(auth.identify(&with_principal), Ok(alice));
    }

    #[test]
    fn key_mode_checks_the_header() {
        let key = crate::domain::principal::generate_key("bob", crate::domain::principal::Role::Admin).unwrap();
        let auth = Auth::new(KeyRing::parse(&key.config_line).unwrap());
        assert_eq!(auth.identify(&request(None)), Err("Missing API key (X-API-Key header)"));
        assert_eq!(auth.identify(&request(Some("jsk_wrong"))), Err("Invalid API key"));
        assert_eq!(auth.identify(&request(Some(&key.key))).map(|p| p.name), Ok("bob".to_owned()));
        assert_eq!(Auth::new(KeyRing::default()).identify(&request(None)), Ok(Principal::anonymous_admin()));
    }

    #[tokio::test]
    async fn head_is_served_wherever_get_is_with_the_same_access() {
        use crate::domain::principal::{Role, generate_key};
        use crate::test_support::router::RouterHarness;
        use tower::ServiceExt;

        let viewer = generate_key("vera", Role::Viewer).unwrap();
        let h = RouterHarness::with_keys(KeyRing::parse(&viewer.config_line).unwrap());
        let head = |uri: &str, key: Option<&str>| {
            let mut builder = axum::http::Request::head(uri);
            if let Some(key) = key {
                builder = builder.header(API_KEY_HEADER, key);
            }
            let request = builder.body(Body::empty()).unwrap();
            let router = h.router.clone();
            async move {
                let response = router.oneshot(request).await.unwrap();
                let status = response.status();
                (status, axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap())
            }
        };
        for (uri, key, status) in [
            ("/api/health", None, StatusCode::OK),
            ("/openapi.json", None, StatusCode::OK),
            ("/api/jobs", None, StatusCode::UNAUTHORIZED),
            ("/api/jobs", Some("jsk_wrong"), StatusCode::UNAUTHORIZED),
            ("/api/jobs", Some(viewer.key.as_str()), StatusCode::OK),
            ("/api/v1/scheduler/jobs", None, StatusCode::UNAUTHORIZED),
            ("/api/v1/scheduler/jobs", Some(viewer.key.as_str()), StatusCode::OK),
            ("/api/schedule-job", Some(viewer.key.as_str()), StatusCode::METHOD_NOT_ALLOWED),
            ("/api/jobs/all", Some(viewer.key.as_str()), StatusCode::METHOD_NOT_ALLOWED),
        ] {
            let (answered, body) = head(uri, key).await;
            assert_eq!(answered, status, "HEAD {uri} with {key:?}");
            assert!(body.is_empty(), "HEAD {uri} answered a body: {body:?}");
        }
    }
}
