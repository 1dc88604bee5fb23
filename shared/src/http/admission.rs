//! A service in front of another that either lets a request through or answers it at once: the
//! shape of the same-origin guard and of the API routes' gate.
//!
//! A tower service rather than `axum::middleware::from_fn`: for each `from_fn` layer axum clones
//! the inner service into a fresh box and boxes a future on every request, which cost a job read
//! about a fifth of its time over three layers. This calls the inner service as it is.

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use futures_util::future::{Either, Ready, ready};
use tower::Service;

/// What decides whether a request goes on.
pub trait Admission {
    /// Lets `request` through, perhaps with something added for the handlers, or gives the
    /// answer that refuses it. Boxed: a refusal is the rare way out, and an unboxed `Response`
    /// would make every admitted request's `Result` carry its size.
    fn admit(&self, request: &mut Request) -> Result<(), Box<Response>>;
}

/// `inner`, behind `admission`.
#[derive(Clone)]
pub struct Admitted<A, S> {
    admission: A,
    inner: S,
}

impl<A, S> Admitted<A, S> {
    pub fn new(admission: A, inner: S) -> Self {
        Self { admission, inner }
    }
}

impl<A, S> Service<Request> for Admitted<A, S>
where
    A: Admission,
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        match self.admission.admit(&mut request) {
            Ok(()) => Either::Right(self.inner.call(request)),
            Err(refusal) => Either::Left(ready(Ok(*refusal))),
        }
    }
}
