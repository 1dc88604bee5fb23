//! What one execution record may hold, so that every store can write it.
//!
//! DynamoDB, the smallest store, takes at most 400 KB per item, attribute names and values
//! together. A finish that does not fit cannot be written, and the run then stays `running`
//! forever. So the fields that grow with what a task produces are cut to fixed budgets once,
//! before any store sees the record ([`Execution::fit_to_record_budget`]), and SQLite and
//! DynamoDB keep the same record.
//!
//! The budgets, in bytes as DynamoDB counts them (UTF-8 text; the result as its JSON text):
//!
//! | field | budget |
//! |---|---|
//! | result | 262,144 (256 KiB) |
//! | stdout tail | 49,152 (48 KiB) |
//! | stderr tail | 49,152 (48 KiB) |
//! | error | 8,192 (8 KiB) |
//! | together | 368,640 |
//!
//! Everything else in the item is small and bounded: about 30 attribute names (under 400 bytes),
//! the keys and ids (under 200), the job id and principal (64 each), the status and trigger words,
//! and a dozen numbers (21 bytes at most each). That is under 2,000 bytes, so a record never
//! exceeds about 371,000 bytes: 29,000 under 400,000, whichever way "400 KB" is counted.

use serde_json::{Value, json};

use super::execution::Execution;

/// Serialized JSON of a task's result.
pub const RESULT_BUDGET: usize = 256 * 1024;
/// Each output tail, as text: after the lossy UTF-8 conversion, which turns each invalid byte
/// into a 3-byte U+FFFD and can triple what a script printed.
pub const TAIL_BUDGET: usize = 48 * 1024;
/// A run's error message: the first lines say what went wrong.
pub const ERROR_BUDGET: usize = 8 * 1024;
/// How much of an oversized result's JSON text is kept to show what it was. JSON-escaped again
/// inside the replacement, it grows at most sixfold, far under [`RESULT_BUDGET`].
pub const RESULT_PREVIEW_BYTES: usize = 4 * 1024;

const DROPPED_PREFIX: &str = "…[truncated: first ";
const DROPPED_SUFFIX: &str = " bytes dropped]\n";
/// The longest tail marker: a `u64` has at most 20 digits.
pub const TAIL_MARKER_MAX: usize = DROPPED_PREFIX.len() + 20 + DROPPED_SUFFIX.len();

const MORE_PREFIX: &str = "…[truncated: ";
const MORE_SUFFIX: &str = " more bytes]";
const ERROR_MARKER_MAX: usize = MORE_PREFIX.len() + 20 + MORE_SUFFIX.len();

/// The line a cut tail starts with: how many bytes of output came before what is shown.
pub fn tail_marker(dropped: u64) -> String {
    format!("{DROPPED_PREFIX}{dropped}{DROPPED_SUFFIX}")
}

/// A tail that already starts with a marker (the runner's ring cut it first): the count it
/// gives and the text after it.
fn split_marker(text: &str) -> (u64, &str) {
    let parsed = text.strip_prefix(DROPPED_PREFIX).and_then(|rest| {
        let digits = rest.find(DROPPED_SUFFIX).filter(|n| (1..=20).contains(n))?;
        let dropped = rest[..digits].parse().ok()?;
        Some((dropped, &rest[digits + DROPPED_SUFFIX.len()..]))
    });
    parsed.unwrap_or((0, text))
}

/// Keeps the end of `text`, where a failing script says why, within `budget` bytes including the
/// marker that says what was dropped. Cuts on a character boundary. `budget` must exceed
/// [`TAIL_MARKER_MAX`].
pub fn fit_tail(text: String, budget: usize) -> String {
    if text.len() <= budget {
        return text;
    }
    let (earlier, body) = split_marker(&text);
    let room = budget.saturating_sub(TAIL_MARKER_MAX);
    let mut start = body.len().saturating_sub(room);
    while !body.is_char_boundary(start) {
        start += 1;
    }
    let dropped = earlier.saturating_add(start as u64);
    let mut fitted = tail_marker(dropped);
    fitted.push_str(&body[start..]);
    fitted
}

/// Keeps the beginning of an error message, which names what went wrong, within
/// [`ERROR_BUDGET`] bytes including the marker.
pub fn fit_error(text: String) -> String {
    if text.len() <= ERROR_BUDGET {
        return text;
    }
    let mut end = ERROR_BUDGET - ERROR_MARKER_MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{MORE_PREFIX}{}{MORE_SUFFIX}", &text[..end], text.len() - end)
}

/// The result as it is, or, when its JSON text is over [`RESULT_BUDGET`], a small JSON value
/// saying so: the record must still hold valid JSON, and a cut JSON text is not.
pub fn fit_result(value: Value) -> Value {
    match serde_json::to_string(&value) {
        Ok(text) if text.len() <= RESULT_BUDGET => value,
        Ok(text) => oversized_result(text.len() as u64, &text),
        // A `Value` always serializes (its map keys are strings); were it ever to fail, nothing
        // of it could be stored anyway.
        Err(_) => oversized_result(0, ""),
    }
}

/// What stands in for a result whose JSON text is `bytes` long: its size, the budget, and the
/// first [`RESULT_PREVIEW_BYTES`] of `json_text` (cut on a character boundary).
pub fn oversized_result(bytes: u64, json_text: &str) -> Value {
    let mut end = json_text.len().min(RESULT_PREVIEW_BYTES);
    while !json_text.is_char_boundary(end) {
        end -= 1;
    }
    json!({"truncated": true, "bytes": bytes, "limit": RESULT_BUDGET, "preview": &json_text[..end]})
}

impl Execution {
    /// Cuts the result, the error and both tails to their budgets (see the module's table).
    /// What is already within budget is left exactly as it is.
    pub fn fit_to_record_budget(&mut self) {
        self.result = self.result.take().map(fit_result);
        self.error = self.error.take().map(fit_error);
        self.stdout_tail = self.stdout_tail.take().map(|tail| fit_tail(tail, TAIL_BUDGET));
        self.stderr_tail = self.stderr_tail.take().map(|tail| fit_tail(tail, TAIL_BUDGET));
    }
}

#[cfg(test)]
mod tests;
