//! Identifiers that cannot hold an invalid value.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A job id EventBridge Scheduler can take as a schedule name: 1 to 64 of `[0-9A-Za-z-_.]`.
/// `all` is refused because it would shadow `DELETE /api/jobs/all`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JobId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobIdError {
    #[error("job id must not be empty")]
    Empty,
    #[error("job id must be at most 64 characters")]
    TooLong,
    #[error("job id may contain only letters, digits, '-', '_' and '.'")]
    BadCharacter,
    #[error("job id 'all' is reserved")]
    Reserved,
}

impl JobId {
    pub fn parse(raw: &str) -> Result<Self, JobIdError> {
        if raw.is_empty() {
            return Err(JobIdError::Empty);
        }
        if raw.len() > 64 {
            return Err(JobIdError::TooLong);
        }
        if !raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
            return Err(JobIdError::BadCharacter);
        }
        if raw == "all" {
            return Err(JobIdError::Reserved);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for JobId {
    type Error = JobIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<JobId> for String {
    fn from(id: JobId) -> Self {
        id.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Execution ids are UUIDv7 so that they sort by creation time, which keyset paging relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExecutionId(uuid::Uuid);

impl ExecutionId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        uuid::Uuid::parse_str(raw).ok().map(Self)
    }

    pub fn from_uuid(uuid: uuid::Uuid) -> Self {
        Self(uuid)
    }

    pub fn as_uuid(&self) -> uuid::Uuid {
        self.0
    }
}

impl fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_eventbridge_safe_ids() {
        for ok in ["a", "data_backup_job", "550e8400-e29b-41d4-a716-446655440000", "v1.2", &"x".repeat(64)] {
            assert!(JobId::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_what_eventbridge_or_the_routes_cannot_take() {
        assert_eq!(JobId::parse(""), Err(JobIdError::Empty));
        assert_eq!(JobId::parse(&"x".repeat(65)), Err(JobIdError::TooLong));
        assert_eq!(JobId::parse("a b"), Err(JobIdError::BadCharacter));
        assert_eq!(JobId::parse("a/b"), Err(JobIdError::BadCharacter));
        assert_eq!(JobId::parse("é"), Err(JobIdError::BadCharacter));
        assert_eq!(JobId::parse("all"), Err(JobIdError::Reserved));
        assert!(JobId::parse("All").is_ok());
    }

    #[test]
    fn deserializing_checks_too() {
        assert!(serde_json::from_str::<JobId>("\"a b\"").is_err());
        assert_eq!(serde_json::from_str::<JobId>("\"ok\"").ok().map(|j| j.0), Some("ok".to_owned()));
    }

    #[test]
    fn execution_ids_sort_by_creation() {
        let a = ExecutionId::generate();
        let b = ExecutionId::generate();
        assert!(a < b);
        assert_eq!(ExecutionId::parse(&a.to_string()), Some(a));
        assert_eq!(ExecutionId::parse("nope"), None);
    }
}
