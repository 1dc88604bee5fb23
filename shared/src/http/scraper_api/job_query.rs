//! The queries of seed 002's job routes: `GET /jobs`' `status`, `limit` and `offset`, and
//! `DELETE /jobs/{job_id}`'s `delete_files`. Read as text and parsed here, so that one answer
//! names every bad parameter, in pydantic's words.

use serde::Deserialize;
use utoipa::IntoParams;

use super::error::{NOT_A_BOOLEAN, NOT_A_CHOICE, Problems};
use super::job_views::seed_status;
use super::query::{given, page};
use crate::domain::execution::ExecutionStatus;
use crate::ports::PageRequest;

/// The seed's five job statuses, in the order its document lists them.
const SEED_WORDS: [&str; 5] = ["pending", "running", "completed", "failed", "cancelled"];

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
            // The run statuses a word covers are the ones the views show as that word.
            Some(raw) if SEED_WORDS.contains(&raw.as_str()) => {
                ExecutionStatus::ALL.into_iter().filter(|s| seed_status(*s) == raw).collect()
            }
            Some(_) => {
                let words: Vec<String> = SEED_WORDS.iter().map(|w| format!("'{w}'")).collect();
                let msg = format!("value is not a valid enumeration member; permitted: {}", words.join(", "));
                problems.query("status", msg, NOT_A_CHOICE);
                Vec::new()
            }
        };
        (statuses, page(problems, self.limit, self.offset))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::body::parse_query;
    use crate::http::scraper_api::error::NOT_AN_INTEGER;

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
