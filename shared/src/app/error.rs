use crate::domain::script_path::ScriptPathError;
use crate::ports::{BackendError, StoreError};

/// The one error type of the use cases; each route family maps it to its own shape.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Bad input. `field` names the model's field (`script_path`, `run_date`, `trigger`, …);
    /// each family places it in its own error location.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// Failures of our own or of a backend: logged, never shown to the client.
    #[error("internal: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), message: message.into() }
    }

    pub fn job_not_found(id: &impl std::fmt::Display) -> Self {
        Self::NotFound(format!("Job not found: {id}"))
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::AlreadyExists => Self::Conflict("already exists".to_owned()),
            StoreError::NotFound => Self::NotFound("not found".to_owned()),
            StoreError::Conflict => {
                Self::Conflict("the job was changed concurrently; reload it and try again".to_owned())
            }
            StoreError::BadCursor => Self::invalid("cursor", "invalid page cursor"),
            StoreError::OffsetTooDeep => {
                Self::invalid("page", "too deep for offset paging on this backend; follow nextCursor instead")
            }
            StoreError::Backend(text) => Self::Internal(text),
        }
    }
}

impl From<BackendError> for AppError {
    fn from(err: BackendError) -> Self {
        match err {
            BackendError::Unsupported(message) => Self::invalid("trigger", message),
            BackendError::Backend(text) => Self::Internal(text),
        }
    }
}

impl From<ScriptPathError> for AppError {
    fn from(err: ScriptPathError) -> Self {
        Self::invalid("script_path", err.to_string())
    }
}
