//! `GET /api/v1/audit`: every attempt at a guarded operation, newest first, for admins.

use crate::http::json::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::{AuditEntryView, AuditPageView};
use crate::http::AppState;
use crate::http::detail::{DetailBody, DetailError, LocPart, ValidationItem};
use crate::http::extract::QueryParams;
use crate::ports::MAX_AUDIT_PAGE;

const DEFAULT_LIMIT: u32 = 50;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// 1 to 100; default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn limit_of(raw: Option<&str>) -> Result<u32, DetailError> {
    let Some(raw) = raw.filter(|raw| !raw.is_empty()) else { return Ok(DEFAULT_LIMIT) };
    match raw.parse::<u32>() {
        Ok(limit) if (1..=MAX_AUDIT_PAGE).contains(&limit) => Ok(limit),
        Ok(_) => {
            Err(problem("limit", format!("ensure this value is between 1 and {MAX_AUDIT_PAGE}"), "value_error.number"))
        }
        Err(_) => Err(problem("limit", "value is not a valid integer", "type_error.integer")),
    }
}

fn problem(param: &str, msg: impl Into<String>, kind: &str) -> DetailError {
    DetailError::validation(vec![ValidationItem::new(vec![LocPart::from("query"), LocPart::from(param)], msg, kind)])
}

/// The audit log: who tried `cleanup-all-videos`, from which address and client, when, and what
/// came of it (`refused`, `dry_run`, `completed`, `partial`, `failed`; `started` for one still
/// running or cut short). Newest first; page with `next_cursor`.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "cleanup",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries, newest first", body = AuditPageView),
        (status = 401, description = "Missing or invalid API key", body = DetailBody),
        (status = 403, description = "The key is not an admin's", body = DetailBody),
        (status = 422, description = "A bad `limit` or `cursor`", body = crate::http::detail::ValidationBody),
        (status = 500, description = "Server error; the body names no internals", body = DetailBody),
    )
)]
pub async fn list_audit(
    State(state): State<AppState>,
    QueryParams(query, _): QueryParams<AuditQuery, DetailError>,
) -> Result<Json<AuditPageView>, DetailError> {
    let limit = limit_of(query.limit.as_deref())?;
    let cursor = query.cursor.as_deref().filter(|c| !c.is_empty());
    let page = state.cleanup.audit_page(cursor, limit).await.map_err(|err| match err {
        crate::app::AppError::Invalid { .. } => problem("cursor", "not a cursor this log handed out", "value_error"),
        other => DetailError::from(other),
    })?;
    Ok(Json(AuditPageView {
        entries: page.entries.iter().map(AuditEntryView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_and_stay_in_bounds() {
        assert_eq!(limit_of(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(limit_of(Some("")).unwrap(), DEFAULT_LIMIT);
        assert_eq!(limit_of(Some("100")).unwrap(), 100);
        for bad in ["0", "101", "-1", "ten"] {
            assert!(limit_of(Some(bad)).is_err(), "{bad}");
        }
    }
}
