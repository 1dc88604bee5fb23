use crate::domain::script_path::ScriptPathError;
use crate::ports::{BackendError, StoreError};

/// The one error type of the use cases; each route family maps it to its own shape.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Bad input: which of the model's inputs, and why. Each family places the field where its
    /// clients sent it and words the reason its own way.
    #[error("{field}: {message}")]
    Invalid { field: InvalidField, message: Reason },
    /// Failures of our own or of a backend: logged, never shown to the client.
    #[error("internal: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

/// The inputs of the use cases that a request can get wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidField {
    ScriptPath,
    RunDate,
    /// The schedule as a whole.
    Trigger,
    /// A page cursor a client sent back.
    Cursor,
    /// An offset page number.
    Page,
}

impl InvalidField {
    /// The model's name for the field.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ScriptPath => "script_path",
            Self::RunDate => "run_date",
            Self::Trigger => "trigger",
            Self::Cursor => "cursor",
            Self::Page => "page",
        }
    }
}

impl std::fmt::Display for InvalidField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a use case refused an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A one-off trigger whose time has come and gone.
    InThePast,
    /// A trigger with no fire time left.
    NeverFires,
    /// What the trigger backend cannot run, in its own words (EventBridge has no seconds).
    BackendCannotRun(String),
    /// Why the script path is refused, in the words of [`ScriptPathError`].
    ScriptRefused(String),
    /// A cursor this server did not hand out, or one for another listing.
    UnknownCursor,
    /// An offset deeper than this backend pages by offset.
    PageTooDeep,
}

impl Reason {
    pub fn as_str(&self) -> &str {
        match self {
            Self::InThePast => "must be in the future",
            Self::NeverFires => "the schedule never fires",
            Self::BackendCannotRun(words) | Self::ScriptRefused(words) => words,
            Self::UnknownCursor => "invalid page cursor",
            Self::PageTooDeep => "too deep for offset paging on this backend; follow nextCursor instead",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AppError {
    pub fn invalid(field: InvalidField, message: Reason) -> Self {
        Self::Invalid { field, message }
    }

    pub fn job_not_found(id: &impl std::fmt::Display) -> Self {
        Self::NotFound(format!("Job not found: {id}"))
    }

    /// Seed 002, the one family that reads runs by id, calls a run a job.
    pub fn run_not_found(id: &impl std::fmt::Display) -> Self {
        Self::job_not_found(id)
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
            StoreError::BadCursor => Self::invalid(InvalidField::Cursor, Reason::UnknownCursor),
            StoreError::OffsetTooDeep => Self::invalid(InvalidField::Page, Reason::PageTooDeep),
            StoreError::Backend(text) => Self::Internal(text),
        }
    }
}

impl From<BackendError> for AppError {
    fn from(err: BackendError) -> Self {
        match err {
            BackendError::Unsupported(words) => Self::invalid(InvalidField::Trigger, Reason::BackendCannotRun(words)),
            BackendError::Backend(text) => Self::Internal(text),
        }
    }
}

impl From<ScriptPathError> for AppError {
    fn from(err: ScriptPathError) -> Self {
        Self::invalid(InvalidField::ScriptPath, Reason::ScriptRefused(err.to_string()))
    }
}
