//! The one layer around every API route: who the caller is and whether the route admits them
//! ([`super::auth`]), then whether they are within seed 002's rate limit ([`super::rate_limit`]).

use axum::extract::Request;
use axum::response::Response;
use tower::Layer;

use super::admission::{Admission, Admitted};
use super::auth::Auth;
use super::rate_limit::LayerState;

/// Authentication, then the limit when there is one.
#[derive(Clone)]
pub(super) struct Gate {
    auth: Auth,
    limit: Option<LayerState>,
}

impl Gate {
    pub(super) fn new(auth: Auth, limit: Option<LayerState>) -> Self {
        Self { auth, limit }
    }
}

impl Admission for Gate {
    fn admit(&self, request: &mut Request) -> Result<(), Box<Response>> {
        self.auth.admit(request)?;
        match &self.limit {
            Some(limit) => limit.admit(request),
            None => Ok(()),
        }
    }
}

impl<S> Layer<S> for Gate {
    type Service = Admitted<Gate, S>;

    fn layer(&self, inner: S) -> Self::Service {
        Admitted::new(self.clone(), inner)
    }
}
