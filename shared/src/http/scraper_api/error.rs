//! The family's one mapping from the use cases' errors to HTTP: the seed's shapes, with what a
//! use case refuses placed at the query parameter the client sent.

use crate::app::{AppError, InvalidField};
use crate::http::detail::{DetailError, LocPart, ValidationItem};

pub(super) const NOT_AN_INTEGER: &str = "type_error.integer";
pub(super) const TOO_SMALL: &str = "value_error.number.not_ge";
pub(super) const TOO_BIG: &str = "value_error.number.not_le";
pub(super) const NOT_A_CHOICE: &str = "type_error.enum";
pub(super) const INVALID: &str = "value_error";
pub(super) const MISSING: &str = "value_error.missing";
pub(super) const NONE_NOT_ALLOWED: &str = "type_error.none.not_allowed";
pub(super) const NOT_A_STRING: &str = "type_error.str";
pub(super) const NOT_A_BOOLEAN: &str = "type_error.bool";
pub(super) const NOT_A_DATETIME: &str = "value_error.datetime";

pub(super) fn app_error(err: AppError) -> DetailError {
    match err {
        // The only offset these routes take is `offset`; a backend that will not walk that far
        // says so about it.
        AppError::Invalid { field: InvalidField::Page, message } => {
            Problems::one("offset", format!("{message}; narrow the filters"), INVALID)
        }
        other => DetailError::from(other),
    }
}

/// Every problem of one query, so that a client fixes them in one round.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<ValidationItem>);

impl Problems {
    pub fn query(&mut self, param: &str, msg: impl Into<String>, kind: &str) {
        self.0.push(ValidationItem::new(vec![LocPart::from("query"), LocPart::from(param)], msg, kind));
    }

    pub fn one(param: &str, msg: impl Into<String>, kind: &str) -> DetailError {
        let mut problems = Self::default();
        problems.query(param, msg, kind);
        DetailError::validation(problems.0)
    }

    pub fn into_result(self) -> Result<(), DetailError> {
        if self.0.is_empty() { Ok(()) } else { Err(DetailError::validation(self.0)) }
    }
}
