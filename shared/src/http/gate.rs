//! The one layer around every API route: who the caller is and whether the route admits them
//! ([`super::auth`]), then whether they are within seed 002's rate limit ([`super::rate_limit`]).
//!
//! A tower service rather than a middleware function per concern: for each `from_fn` layer, axum
//! clones the inner service into a fresh box and boxes a future on every request, and the two
//! layers and the same-origin guard cost a job read about a fifth of its time.

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use futures_util::future::{Either, Ready, ready};
use tower::{Layer, Service};

use super::auth::Auth;
use super::rate_limit::LayerState;

/// Authentication, then the limit when there is one.
#[derive(Clone)]
pub(super) struct GateLayer {
    auth: Auth,
    limit: Option<LayerState>,
}

impl GateLayer {
    pub(super) fn new(auth: Auth, limit: Option<LayerState>) -> Self {
        Self { auth, limit }
    }
}

impl<S> Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Gate<S> {
        Gate { auth: self.auth.clone(), limit: self.limit.clone(), inner }
    }
}

#[derive(Clone)]
pub(super) struct Gate<S> {
    auth: Auth,
    limit: Option<LayerState>,
    inner: S,
}

impl<S> Service<Request> for Gate<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let admitted = self.auth.admit(&mut request).and_then(|()| match &self.limit {
            Some(limit) => limit.admit(&request),
            None => Ok(()),
        });
        match admitted {
            Ok(()) => Either::Right(self.inner.call(request)),
            Err(refusal) => Either::Left(ready(Ok(*refusal))),
        }
    }
}
