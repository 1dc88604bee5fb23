//! The `{job_id}` of seed 002's job routes: a scrape run's id (a UUID).

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::app::run_not_found;
use crate::domain::ids::ExecutionId;
use crate::http::detail::DetailError;

/// A `{job_id}`: the id of a scrape run. The seed takes any string there and answers 404 for
/// one it does not know, so a value that cannot be an id is a 404 too, never a 422.
pub struct RunIdPath(pub ExecutionId);

/// How the OpenAPI document describes the `{job_id}` that [`RunIdPath`] reads.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "read only by the OpenAPI derive; the handlers read `RunIdPath`")]
pub struct RunIdParam {
    /// The run's id (a UUID), as `POST /jobs` and listings give it. Anything else names no job;
    /// the pattern is every family's job-id pattern, which a UUID fits.
    #[param(pattern = "^[0-9A-Za-z._-]{1,64}$", format = Uuid, example = "019a3c1e-7b2d-7c4e-9f10-2b3c4d5e6f70")]
    job_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for RunIdPath {
    type Rejection = DetailError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| not_found())?;
        ExecutionId::parse(&raw).map(Self).ok_or_else(not_found)
    }
}

fn not_found() -> DetailError {
    DetailError::from(run_not_found())
}
