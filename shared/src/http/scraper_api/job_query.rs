//! The queries of seed 002's job routes: `GET /jobs`' `status`, `limit` and `offset`, and
//! `DELETE /jobs/{job_id}`'s `delete_files`. Read as text and parsed here, so that one answer
//! names every bad parameter, in pydantic's words.

use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{NOT_A_CHOICE, NOT_AN_INTEGER, Problems, TOO_BIG, TOO_SMALL};
use super::query::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::domain::execution::ExecutionStatus;
use crate::ports::PageRequest;

const NOT_A_BOOLEAN: &str = "type_error.bool";

/// The seed's run statuses, and the run statuses each one covers.
const SEED_STATUSES: [(&str, &[ExecutionStatus]); 5] = [
    ("pending", &[ExecutionStatus::Pending]),
    ("running", &[ExecutionStatus::Running]),
    ("completed", &[ExecutionStatus::Succeeded]),
    ("failed", &[ExecutionStatus::Failed, ExecutionStatus::TimedOut]),
    ("cancelled", &[ExecutionStatus::Cancelled, ExecutionStatus::Skipped]),
];

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunListQuery {
    /// `pending`, `running`, `completed`, `failed` (timed out too) or `cancelled` (skipped too).
    #[param(pattern = "^(pending|running|completed|failed|cancelled)$")]
    pub status: Option<String>,
    /// 1 to 200; default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// How many matching runs to skip, newest first; default 0.
    #[param(value_type = Option<u64>, minimum = 0)]
    pub offset: Option<String>,
}

impl RunListQuery {
    /// The run statuses asked for (none: any) and the page, or every problem with them.
    pub(super) fn read(self, problems: &mut Problems) -> (Vec<ExecutionStatus>, PageRequest) {
        let statuses = match given(self.status) {
            None => Vec::new(),
            Some(raw) => match SEED_STATUSES.iter().find(|(word, _)| *word == raw) {
                Some((_, statuses)) => statuses.to_vec(),
                None => {
                    let words: Vec<String> = SEED_STATUSES.iter().map(|(w, _)| format!("'{w}'")).collect();
                    let msg = format!("value is not a valid enumeration member; permitted: {}", words.join(", "));
                    problems.query("status", msg, NOT_A_CHOICE);
                    Vec::new()
                }
            },
        };
        let limit = match integer(problems, "limit", self.limit) {
            Some(0) => {
                problems.query("limit", "ensure this value is greater than or equal to 1", TOO_SMALL);
                DEFAULT_LIMIT
            }
            Some(n) if n > u64::from(MAX_LIMIT) => {
                problems.query("limit", format!("ensure this value is less than or equal to {MAX_LIMIT}"), TOO_BIG);
                DEFAULT_LIMIT
            }
            Some(n) => u32::try_from(n).unwrap_or(DEFAULT_LIMIT),
            None => DEFAULT_LIMIT,
        };
        let offset = integer(problems, "offset", self.offset).unwrap_or(0);
        (statuses, PageRequest { offset, limit, cursor: None })
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunDeleteQuery {
    /// Also delete the run's stored files and their metadata (under `videos/`); default false.
    #[param(value_type = Option<bool>)]
    pub delete_files: Option<String>,
}

impl RunDeleteQuery {
    /// pydantic's booleans: `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, any case.
    pub(super) fn read(self, problems: &mut Problems) -> bool {
        let Some(raw) = given(self.delete_files) else { return false };
        match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => {
                problems.query("delete_files", "value could not be parsed to a boolean", NOT_A_BOOLEAN);
                false
            }
        }
    }
}

/// An empty parameter (`?status=`) filters nothing, as leaving it out does.
fn given(raw: Option<String>) -> Option<String> {
    raw.filter(|r| !r.is_empty())
}

/// A non-negative integer; a sign, a fraction or a word is refused.
fn integer(problems: &mut Problems, param: &str, raw: Option<String>) -> Option<u64> {
    let raw = given(raw)?;
    match raw.parse::<u64>() {
        Ok(n) => Some(n),
        Err(_) if raw.strip_prefix('-').is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) => {
            problems.query(param, "ensure this value is greater than or equal to 0", TOO_SMALL);
            None
        }
        Err(_) => {
            problems.query(param, "value is not a valid integer", NOT_AN_INTEGER);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::body::parse_query;

    fn list(query: &str) -> Result<(Vec<ExecutionStatus>, PageRequest), String> {
        let parsed: RunListQuery = parse_query(Some(query)).map_err(|e| e.message)?;
        let mut problems = Problems::default();
        let read = parsed.read(&mut problems);
        problems.into_result().map(|()| read).map_err(|e| format!("{e:?}"))
    }

    fn delete_files(query: &str) -> Result<bool, String> {
        let parsed: RunDeleteQuery = parse_query(Some(query)).map_err(|e| e.message)?;
        let mut problems = Problems::default();
        let read = parsed.read(&mut problems);
        problems.into_result().map(|()| read).map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn statuses_map_to_the_runs_they_cover() {
        assert_eq!(list("").unwrap(), (vec![], PageRequest { offset: 0, limit: 50, cursor: None }));
        assert_eq!(list("status=completed").unwrap().0, [ExecutionStatus::Succeeded]);
        assert_eq!(list("status=failed").unwrap().0, [ExecutionStatus::Failed, ExecutionStatus::TimedOut]);
        assert_eq!(list("status=cancelled").unwrap().0, [ExecutionStatus::Cancelled, ExecutionStatus::Skipped]);
        let (_, page) = list("limit=200&offset=3").unwrap();
        assert_eq!((page.limit, page.offset), (200, 3));
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let err = list("status=succeeded&limit=0&offset=-1").unwrap_err();
        for param in ["status", "limit", "offset"] {
            assert!(err.contains(&format!("Name(\"{param}\")")), "{param} in {err}");
        }
        assert!(list("limit=201").unwrap_err().contains("less than or equal to 200"));
        assert!(list("offset=x").unwrap_err().contains(NOT_AN_INTEGER));
    }

    #[test]
    fn delete_files_reads_pydantics_booleans() {
        assert_eq!(delete_files(""), Ok(false));
        for yes in ["delete_files=true", "delete_files=True", "delete_files=1", "delete_files=yes"] {
            assert_eq!(delete_files(yes), Ok(true), "{yes}");
        }
        assert_eq!(delete_files("delete_files=off"), Ok(false));
        assert!(delete_files("delete_files=maybe").unwrap_err().contains(NOT_A_BOOLEAN));
    }
}
