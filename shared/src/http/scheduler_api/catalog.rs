//! The built-in catalogs: task functions and job types.

use crate::http::json::Json;
use axum::extract::State;

use super::problems::Problems;
use super::query::{Paging, TaskFunctionQuery, flag};
use super::views::{SchedulerJobTypeView, SchedulerTaskFunctionList, SchedulerTaskFunctionView};
use crate::domain::task::TaskFunction;
use crate::domain::trigger::JobType;
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError, ValidationBody};
use crate::http::extract::QueryParams;

const TASK_FUNCTIONS_PER_PAGE: u32 = 50;

/// The task functions jobs can run.
#[utoipa::path(
    get,
    path = "/api/v1/scheduler/task-functions",
    tag = "scheduler",
    params(TaskFunctionQuery),
    responses(
        (status = 200, description = "The task functions", body = SchedulerTaskFunctionList),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 422, description = "Invalid query parameter", body = ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn list_task_functions(
    State(state): State<AppState>,
    QueryParams(query, _): QueryParams<TaskFunctionQuery, DetailError>,
) -> Result<Json<SchedulerTaskFunctionList>, DetailError> {
    let mut problems = Problems::default();
    let active = flag("is_active", query.is_active.as_deref(), &mut problems);
    let paging = Paging::read(query.page, query.per_page, TASK_FUNCTIONS_PER_PAGE, None, &mut problems);
    problems.into_result()?;
    let registered_at = state.service.instance().started_at;
    let matching: Vec<TaskFunction> =
        TaskFunction::ALL.into_iter().filter(|f| active.is_none_or(|a| f.is_active() == a)).collect();
    let total = matching.len() as u64;
    let task_functions = matching
        .into_iter()
        .skip(usize::try_from(paging.offset()).unwrap_or(usize::MAX))
        .take(paging.per_page as usize)
        .map(|f| SchedulerTaskFunctionView::new(f, registered_at))
        .collect();
    Ok(Json(SchedulerTaskFunctionList { task_functions, total }))
}

/// The kinds of schedule a job can have.
#[utoipa::path(
    get,
    path = "/api/v1/scheduler/job-types",
    tag = "scheduler",
    responses(
        (status = 200, description = "Interval, cron and date", body = Vec<SchedulerJobTypeView>),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn list_job_types() -> Json<Vec<SchedulerJobTypeView>> {
    Json(JobType::all().into_iter().map(SchedulerJobTypeView::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn job_types_are_listed_in_id_order() {
        let Json(types) = list_job_types().await;
        let names: Vec<(i64, &str)> = types.iter().map(|t| (t.id, t.name.as_str())).collect();
        assert_eq!(names, [(1, "interval"), (2, "cron"), (3, "date")]);
        let value = serde_json::to_value(&types[1]).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"id": 2, "name": "cron", "displayName": "Cron", "description": "Run on cron schedule"})
        );
    }
}
