//! Extractors that reject in the route family's own error shape (`E`).

use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use serde::de::DeserializeOwned;

use super::body::{InputError, body_bytes, parse_json, parse_query, require_json};
use crate::app::AppError;
use crate::domain::ids::JobId;
use crate::domain::principal::Principal;

/// Errors a family can build from any input problem.
pub trait FamilyError: From<InputError> + From<AppError> + IntoResponse + Send {}

impl<E: From<InputError> + From<AppError> + IntoResponse + Send> FamilyError for E {}

/// A JSON body; another declared type, malformed JSON, wrong types and oversized bodies become
/// `E`. The type is checked in every mode, keys or not, on AWS or not, so that one request gets
/// one answer wherever it is sent.
pub struct JsonBody<T, E>(pub T, pub PhantomData<E>);

impl<S: Send + Sync, T: DeserializeOwned, E: FamilyError> FromRequest<S> for JsonBody<T, E> {
    type Rejection = E;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared = req.headers().get(CONTENT_TYPE).cloned();
        // A declared type is judged before the body is read; a missing one by whether there is a body.
        require_json(declared.as_ref(), false)?;
        let bytes = body_bytes(Bytes::from_request(req, state).await)?;
        require_json(declared.as_ref(), !bytes.is_empty())?;
        Ok(Self(parse_json(&bytes)?, PhantomData))
    }
}

/// Query parameters, with the offending one named on error.
pub struct QueryParams<T, E>(pub T, pub PhantomData<E>);

impl<S: Send + Sync, T: DeserializeOwned, E: FamilyError> FromRequestParts<S> for QueryParams<T, E> {
    type Rejection = E;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parse_query(parts.uri.query())?, PhantomData))
    }
}

/// A `{job_id}` path parameter. An id that could never be valid names no job: 404.
pub struct JobIdPath<E>(pub JobId, pub PhantomData<E>);

/// How the OpenAPI document describes the `{job_id}` that [`JobIdPath`] reads.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "read only by the OpenAPI derive; the handlers read `JobIdPath`")]
pub struct JobIdParam {
    /// The job's id: 1 to 64 of letters, digits, `-`, `_` and `.`. A value that cannot be an
    /// id names no job.
    #[param(pattern = "^[0-9A-Za-z._-]{1,64}$", min_length = 1, max_length = 64, example = "data_backup_job")]
    job_id: String,
}

impl<S: Send + Sync, E: FamilyError> FromRequestParts<S> for JobIdPath<E> {
    type Rejection = E;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| E::from(AppError::NotFound("Job not found".to_owned())))?;
        let id = JobId::parse(&raw).map_err(|_| E::from(AppError::job_not_found(&raw)))?;
        Ok(Self(id, PhantomData))
    }
}

/// The authenticated caller, put in place by the auth layer.
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = axum::http::StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Principal>().cloned().map(Self).ok_or(axum::http::StatusCode::UNAUTHORIZED)
    }
}

/// Where a request came from, for the audit log: the peer's address (the local server's
/// connection; on Lambda, API Gateway's `sourceIp`, put in place by the function) and the
/// `User-Agent` the client sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let address = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|axum::extract::ConnectInfo(peer)| peer.ip().to_string());
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        Ok(Self { address, user_agent })
    }
}
