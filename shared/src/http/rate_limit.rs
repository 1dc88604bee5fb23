//! Seed 002's rate limit: each caller (its API key's principal, or its address where no key
//! names it) gets a token bucket of `burst` requests that refills at `per_minute`; a request
//! that finds it empty is a 429 with `Retry-After`. Only seed 002's routes count ([`is_limited`]):
//! the other families stay as their services were, unlimited.
//!
//! The buckets live in the process, so this is for a process that serves every route itself
//! (`jobsmith serve`). The Lambda functions do not limit: each instance would count alone, so
//! API Gateway's route throttling in template.yaml holds them to the same numbers.

mod openapi;
#[cfg(test)]
mod tests;

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

pub(super) use openapi::DocumentedLimit;

use super::detail::DetailError;
use crate::domain::principal::Principal;

/// The seed's numbers: "Default: 10 requests per minute, Burst: 20".
pub const DEFAULT_PER_MINUTE: u32 = 10;
pub const DEFAULT_BURST: u32 = 20;

/// The path prefixes of seed 002's routes: its jobs, videos, scheduled jobs, stats (health
/// included) and files. Not `/api/v1/scheduler/…` (seed 004) nor anything under `/api/…`.
const LIMITED_PREFIXES: [&str; 5] =
    ["/api/v1/jobs", "/api/v1/videos", "/api/v1/scheduled-jobs", "/api/v1/stats", "/api/v1/files"];

/// How many checks go by between two sweeps of the buckets of callers who went quiet.
const SWEEP_EVERY: u32 = 1024;

/// Whether a route (by its path or its template) is one of seed 002's, which the limit covers.
/// The one place that says so: the server's layer and the check of template.yaml's throttling
/// both ask it.
pub fn is_limited(path: &str) -> bool {
    LIMITED_PREFIXES
        .iter()
        .any(|prefix| path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}

/// How many requests a caller may make: `burst` at once, then `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_minute: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Limits {
    /// `None` when either number is 0: the configured way of turning the limit off.
    pub fn new(per_minute: u32, burst: u32) -> Option<Self> {
        Some(Self { per_minute: NonZeroU32::new(per_minute)?, burst: NonZeroU32::new(burst)? })
    }

    fn quota(self) -> Quota {
        Quota::per_minute(self.per_minute).allow_burst(self.burst)
    }
}

/// Who a bucket belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Caller {
    /// An API key's principal: every address using the key shares its bucket.
    Key(String),
    Address(IpAddr),
    /// No key and no address known (a request handed to the router in process): one bucket.
    Unknown,
}

/// The limit a router applies, or none.
#[derive(Clone, Default)]
pub struct RateLimit {
    limiter: Option<Arc<Limiter>>,
}

impl RateLimit {
    pub fn off() -> Self {
        Self::default()
    }

    /// Seed 002's routes held to `limits` per caller; `None` is [`RateLimit::off`].
    pub fn new(limits: Option<Limits>) -> Self {
        Self { limiter: limits.map(|limits| Arc::new(Limiter::new(limits, DefaultClock::default()))) }
    }

    pub fn limits(&self) -> Option<Limits> {
        self.limiter.as_ref().map(|limiter| limiter.limits)
    }

    /// The layer's state, when there is a limit: `keyed` says whether keys name callers (with
    /// no keys configured, everyone is the same anonymous principal, so addresses do).
    pub(super) fn layer_state(&self, keyed: bool) -> Option<LayerState> {
        self.limiter.clone().map(|limiter| LayerState { limiter, keyed })
    }
}

#[derive(Clone)]
pub(super) struct LayerState {
    limiter: Arc<Limiter>,
    keyed: bool,
}

/// The buckets, over any clock (tests drive a fake one).
struct Limiter<C: Clock = DefaultClock> {
    limits: Limits,
    buckets: RateLimiter<Caller, DefaultKeyedStateStore<Caller>, C, NoOpMiddleware<C::Instant>>,
    clock: C,
    checks: AtomicU32,
}

impl<C: Clock + Clone> Limiter<C> {
    fn new(limits: Limits, clock: C) -> Self {
        let buckets = RateLimiter::new(limits.quota(), DefaultKeyedStateStore::default(), clock.clone());
        Self { limits, buckets, clock, checks: AtomicU32::new(0) }
    }

    /// Takes a token from the caller's bucket, or says how long until one is there.
    fn check(&self, caller: &Caller) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            // A full bucket is the same as none: forget callers whose buckets have refilled.
            self.buckets.retain_recent();
        }
        self.buckets.check_key(caller).map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// `Retry-After` in whole seconds, rounded up: a client that waits that long gets through.
fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

fn caller_of(request: &Request, keyed: bool) -> Caller {
    if keyed && let Some(principal) = request.extensions().get::<Principal>() {
        return Caller::Key(principal.name.clone());
    }
    match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(address)) => Caller::Address(address.ip()),
        None => Caller::Unknown,
    }
}

impl LayerState {
    /// Lets `request` through, or answers it with a 429 when it is one of seed 002's and its
    /// caller's bucket is empty. Runs after authentication ([`super::gate`]), so a key's
    /// principal is known.
    pub(super) fn admit(&self, request: &Request) -> Result<(), Box<Response>> {
        if !is_limited(request.uri().path()) {
            return Ok(());
        }
        self.limiter
            .check(&caller_of(request, self.keyed))
            .map_err(|wait| Box::new(too_many(self.limiter.limits, retry_after_seconds(wait))))
    }
}

fn too_many(limits: Limits, retry_after: u64) -> Response {
    let message = format!(
        "Rate limit exceeded: {} per 1 minute (burst {}); retry after {retry_after} s",
        limits.per_minute, limits.burst
    );
    let mut response = DetailError::new(StatusCode::TOO_MANY_REQUESTS, message).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}
