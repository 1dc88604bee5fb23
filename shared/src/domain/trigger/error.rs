//! The one error every trigger parser returns.

/// What is wrong with a trigger input and where it sits in the request, so that each route can map
/// it onto its own error shape (a 422 `loc` list, a `{"error": …}` string, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TriggerError {
    /// Dotted location of the offending input, such as `scheduleConfig.hours` or `run_date`.
    pub field: String,
    /// What is wrong, phrased so that a user can fix it.
    pub message: String,
}

impl TriggerError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// The location of a key next to `field`: `scheduleConfig.expression` has the time zone at
/// `scheduleConfig.timezone`, a top-level `expression` has it at `timezone`.
pub(super) fn sibling(field: &str, key: &str) -> String {
    match field.rsplit_once('.') {
        Some((parent, _)) => format!("{parent}.{key}"),
        None => key.to_string(),
    }
}
