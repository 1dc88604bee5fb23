//! The route table: every route jobsmith serves, with the role it needs. It is the single source
//! that the auth layer reads, that the OpenAPI document is checked against, and that the AWS
//! template will be generated and checked from.

use axum::http::Method;

use crate::domain::principal::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Requires(Role),
}

#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    /// axum and OpenAPI share the `{param}` syntax.
    pub path: &'static str,
    pub access: Access,
    /// The Lambda function (`functions/<name>`) that serves it on AWS. Seed aliases of one
    /// operation share a function.
    pub function: &'static str,
}

const fn route(method: &'static str, path: &'static str, access: Access, function: &'static str) -> RouteSpec {
    RouteSpec { method, path, access, function }
}

use Access::{Public, Requires};
use Role::{Admin, Operator, Viewer};

pub const ROUTES: &[RouteSpec] = &[
    // Seeds 000 and 001.
    route("GET", "/api/health", Public, "health"),
    route("POST", "/api/schedule-job", Requires(Operator), "create-job"),
    route("GET", "/api/jobs", Requires(Viewer), "list-jobs"),
    route("GET", "/api/job/{job_id}", Requires(Viewer), "get-job"),
    route("DELETE", "/api/remove-job/{job_id}", Requires(Operator), "delete-job"),
    route("PUT", "/api/pause-job/{job_id}", Requires(Operator), "pause-job"),
    route("PUT", "/api/resume-job/{job_id}", Requires(Operator), "resume-job"),
    route("DELETE", "/api/jobs/{job_id}", Requires(Operator), "delete-job"),
    route("DELETE", "/api/jobs/all", Requires(Admin), "delete-all-jobs"),
    // Seed 004.
    route("GET", "/api/v1/scheduler/task-functions", Requires(Viewer), "list-task-functions"),
    route("GET", "/api/v1/scheduler/job-types", Requires(Viewer), "list-job-types"),
    route("GET", "/api/v1/scheduler/jobs", Requires(Viewer), "list-jobs"),
    route("POST", "/api/v1/scheduler/jobs", Requires(Operator), "create-job"),
    route("GET", "/api/v1/scheduler/jobs/{job_id}", Requires(Viewer), "get-job"),
    route("PUT", "/api/v1/scheduler/jobs/{job_id}", Requires(Operator), "update-job"),
    route("DELETE", "/api/v1/scheduler/jobs/{job_id}", Requires(Operator), "delete-job"),
    route("PUT", "/api/v1/scheduler/jobs/{job_id}/status", Requires(Operator), "set-job-status"),
    route("POST", "/api/v1/scheduler/jobs/{job_id}/trigger", Requires(Operator), "trigger-job"),
    route("GET", "/api/v1/scheduler/jobs/{job_id}/executions", Requires(Viewer), "list-executions"),
    route("GET", "/api/v1/scheduler/executions", Requires(Viewer), "list-executions"),
    route("GET", "/api/v1/scheduler/status", Requires(Viewer), "scheduler-status"),
    // Served beside the API.
    route("GET", "/openapi.json", Public, "api-docs"),
    route("GET", "/docs", Public, "api-docs"),
];

/// The access a matched route needs; a route missing from the table is closed to everyone.
pub fn access_for(method: &Method, matched_path: &str) -> Option<Access> {
    ROUTES.iter().find(|r| r.path == matched_path && r.method == method.as_str()).map(|r| r.access)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_listed_once() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(!(a.method == b.method && a.path == b.path), "{} {} twice", a.method, a.path);
            }
        }
    }

    #[test]
    fn health_is_public_and_bulk_delete_needs_admin() {
        assert_eq!(access_for(&Method::GET, "/api/health"), Some(Public));
        assert_eq!(access_for(&Method::DELETE, "/api/jobs/all"), Some(Requires(Admin)));
        assert_eq!(access_for(&Method::GET, "/api/v1/scheduler/jobs"), Some(Requires(Viewer)));
        assert_eq!(access_for(&Method::PATCH, "/api/v1/scheduler/jobs"), None);
        assert_eq!(access_for(&Method::GET, "/docs/{*rest}"), None, "the page's assets are not API routes");
    }
}
