//! Seed 004's query parameters: filters, and `page`/`per_page` paging with an optional
//! `cursor` that continues from an earlier page's `nextCursor`.

use serde::Deserialize;
use utoipa::IntoParams;

use super::problems::{Problems, TOO_BIG, TOO_SMALL};
use super::status_word::{scheduler_status_word, status_from_any_word};
use crate::domain::execution::ExecutionStatus;
use crate::domain::ids::JobId;
use crate::ports::PageRequest;

const MAX_PER_PAGE: u64 = 100;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskFunctionQuery {
    /// `true` or `false`.
    pub is_active: Option<String>,
    /// From 1; default 1.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// 1 to 100; default 50.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobListQuery {
    /// Part of the name, any case.
    pub name: Option<String>,
    /// `true` or `false`.
    pub is_enabled: Option<String>,
    pub task_function_id: Option<i64>,
    /// From 1; default 1.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// 1 to 100; default 20.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// A previous page's `nextCursor`; `page` is then ignored.
    pub cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExecutionListQuery {
    /// Only this job's executions.
    #[param(pattern = "^[0-9A-Za-z._-]{1,64}$", max_length = 64)]
    pub job_id: Option<String>,
    /// `pending`, `running`, `success`, `failed`, `timeout`, `cancelled`, `skipped` (also
    /// `succeeded`, `timed_out`).
    pub status: Option<String>,
    /// From 1; default 1.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// 1 to 100; default 50.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// A previous page's `nextCursor`; `page` is then ignored.
    pub cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobExecutionQuery {
    /// As for `GET /executions`.
    pub status: Option<String>,
    /// From 1; default 1.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// 1 to 100; default 50.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// A previous page's `nextCursor`; `page` is then ignored.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Paging {
    pub page: u64,
    pub per_page: u32,
    pub cursor: Option<String>,
}

impl Paging {
    pub fn read(
        page: Option<u64>,
        per_page: Option<u64>,
        default_per_page: u32,
        cursor: Option<String>,
        problems: &mut Problems,
    ) -> Self {
        let page = match page {
            Some(0) => {
                problems.at("query", "page", "ensure this value is greater than or equal to 1", TOO_SMALL);
                1
            }
            Some(page) => page,
            None => 1,
        };
        let per_page = match per_page {
            Some(0) => {
                problems.at("query", "per_page", "ensure this value is greater than or equal to 1", TOO_SMALL);
                default_per_page
            }
            Some(n) if n > MAX_PER_PAGE => {
                problems.at(
                    "query",
                    "per_page",
                    format!("ensure this value is less than or equal to {MAX_PER_PAGE}"),
                    TOO_BIG,
                );
                default_per_page
            }
            Some(n) => u32::try_from(n).unwrap_or(default_per_page),
            None => default_per_page,
        };
        Self { page, per_page, cursor: cursor.filter(|c| !c.is_empty()) }
    }

    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(u64::from(self.per_page))
    }

    pub fn request(&self) -> PageRequest {
        PageRequest { offset: self.offset(), limit: self.per_page, cursor: self.cursor.clone() }
    }
}

/// Reads pydantic's boolean words.
pub(super) fn flag(field: &str, raw: Option<&str>, problems: &mut Problems) -> Option<bool> {
    let raw = raw?.trim();
    match raw.to_ascii_lowercase().as_str() {
        "" => None,
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => {
            problems.at("query", field, "value could not be parsed to a boolean; use true or false", "type_error.bool");
            None
        }
    }
}

/// Any family's status word; the filter is on the model's status.
pub(super) fn status(raw: Option<&str>, problems: &mut Problems) -> Option<ExecutionStatus> {
    let raw = raw?.trim();
    if raw.is_empty() {
        return None;
    }
    let found = status_from_any_word(&raw.to_ascii_lowercase());
    if found.is_none() {
        let words: Vec<&str> = ExecutionStatus::ALL.into_iter().map(scheduler_status_word).collect();
        problems.at(
            "query",
            "status",
            format!("unknown status '{raw}'; expected one of: {}", words.join(", ")),
            "type_error.enum",
        );
    }
    found
}

pub(super) fn job_id(raw: Option<&str>, problems: &mut Problems) -> Option<JobId> {
    let raw = raw.filter(|r| !r.is_empty())?;
    JobId::parse(raw).map_err(|err| problems.at("query", "job_id", err.to_string(), "value_error")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::body::parse_query;

    fn paging(page: Option<u64>, per_page: Option<u64>) -> (Paging, bool) {
        let mut problems = Problems::default();
        let paging = Paging::read(page, per_page, 20, Some(String::new()), &mut problems);
        (paging, problems.is_empty())
    }

    #[test]
    fn paging_defaults_and_bounds() {
        let (p, ok) = paging(None, None);
        assert!(ok);
        assert_eq!(p.request(), PageRequest { offset: 0, limit: 20, cursor: None });
        let (p, ok) = paging(Some(3), Some(100));
        assert!(ok);
        assert_eq!(p.request(), PageRequest { offset: 200, limit: 100, cursor: None });
        assert!(!paging(Some(0), None).1);
        assert!(!paging(None, Some(0)).1);
        assert!(!paging(None, Some(101)).1);
        let (p, _) = paging(Some(u64::MAX), Some(100));
        assert_eq!(p.offset(), u64::MAX);
    }

    #[test]
    fn query_names_are_snake_case() {
        let q: JobListQuery =
            parse_query(Some("name=Sync&is_enabled=true&task_function_id=1&page=2&per_page=5&cursor=abc")).unwrap();
        assert_eq!(q.name.as_deref(), Some("Sync"));
        assert_eq!(q.is_enabled.as_deref(), Some("true"));
        assert_eq!(q.task_function_id, Some(1));
        assert_eq!((q.page, q.per_page), (Some(2), Some(5)));
        assert_eq!(q.cursor.as_deref(), Some("abc"));
        let err = parse_query::<ExecutionListQuery>(Some("per_page=ten")).unwrap_err();
        assert_eq!(err.loc, ["query", "per_page"]);
    }

    #[test]
    fn flags_take_pydantics_words() {
        let mut problems = Problems::default();
        assert_eq!(flag("is_active", Some("true"), &mut problems), Some(true));
        assert_eq!(flag("is_active", Some("False"), &mut problems), Some(false));
        assert_eq!(flag("is_active", Some("0"), &mut problems), Some(false));
        assert_eq!(flag("is_active", None, &mut problems), None);
        assert!(problems.is_empty());
        assert_eq!(flag("is_active", Some("maybe"), &mut problems), None);
        assert!(!problems.is_empty());
    }

    #[test]
    fn statuses_take_every_familys_words() {
        let mut problems = Problems::default();
        assert_eq!(status(Some("success"), &mut problems), Some(ExecutionStatus::Succeeded));
        assert_eq!(status(Some("timeout"), &mut problems), Some(ExecutionStatus::TimedOut));
        assert_eq!(status(Some("succeeded"), &mut problems), Some(ExecutionStatus::Succeeded));
        assert_eq!(status(Some("timed_out"), &mut problems), Some(ExecutionStatus::TimedOut));
        assert_eq!(status(Some("RUNNING"), &mut problems), Some(ExecutionStatus::Running));
        assert!(problems.is_empty());
        assert_eq!(status(Some("done"), &mut problems), None);
        assert!(!problems.is_empty());
    }

    #[test]
    fn job_ids_in_queries_are_checked() {
        let mut problems = Problems::default();
        assert_eq!(job_id(Some("abc"), &mut problems).as_ref().map(JobId::as_str), Some("abc"));
        assert_eq!(job_id(Some(""), &mut problems), None);
        assert!(problems.is_empty());
        assert_eq!(job_id(Some("a b"), &mut problems), None);
        assert!(!problems.is_empty());
    }
}
