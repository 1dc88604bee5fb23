//! What every jobsmith Lambda function shares. Each binary in `src/bin/` calls one of
//! [`serve_http`] (or [`serve_static_http`], [`serve_api_docs`]), [`serve_executor`],
//! [`serve_sweep`], [`serve_redrive`] or [`serve_authorizer`]; everything they need is built once per cold start, before the first event.

mod authorizer;
mod executor;
mod http;
mod init;
mod keys;
mod redrive;
mod sweep;

pub use authorizer::{CONTEXT_PRINCIPAL, CONTEXT_ROLE, authorize, key_source, serve_authorizer};
pub use executor::{
    DEADLINE_MARGIN, DEADLINE_MESSAGE, ExecutorError, RunReport, ScheduledRun, handle_scheduled_run, serve_executor,
};
pub use http::{FunctionRoutes, authorizer_principal, http_router, serve_api_docs, serve_http, serve_static_http};
pub use init::load_app;
pub use keys::{DEFAULT_KEYS_TTL, KeySource, ParameterKeys};
/// Re-exported so that tests and callers build requests and events with the same version.
pub use lambda_http;
/// What a function's `main` returns when it cannot start or its runtime fails.
pub use lambda_http::Error;
pub use redrive::{DEFAULT_REDRIVE_LIMIT, Redrive, RedriveReport, RedriveRequest, event_of, serve_redrive};
pub use sweep::{STUCK_AFTER, SweepReport, serve_sweep, sweep};
