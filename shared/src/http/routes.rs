//! The route table: every route jobsmith serves, grouped by the Lambda function that serves it on
//! AWS, with the role it needs and the handler that answers it. Everything else is built from it:
//! the auth layer's roles ([`access_for`]), the axum router of every route ([`all`]), each
//! function's own router ([`function`]), the OpenAPI document ([`documented`]), and the check of
//! template.yaml.
//!
//! Each handler's `#[utoipa::path]` repeats its method and path for the OpenAPI document; a test
//! below holds the two to the table.

use axum::http::Method;

use super::AppState;
use super::{cleanup_api, clips_api, scheduler_api, scraper_api, scripts_api};
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
    /// The Lambda function (`functions/src/bin/<name>.rs`) that serves it on AWS. Seed aliases of
    /// one operation share a function.
    pub function: &'static str,
    /// The handler's path under `shared/src/http/`, as written in the table.
    pub handler: &'static str,
}

/// Writes [`ROUTES`], one router function per Lambda function under [`function`] and one under
/// [`documented`], and [`all`]. Each function's router mounts only its own handlers, so a
/// function's binary links only them; serving builds no document, which the processes that
/// serve it build on its first request.
macro_rules! route_table {
    ($(
        $function:ident = $name:literal {
            $( $method:ident $path:literal, $access:expr => $($handler:ident)::+ ; )+
        }
    )+) => {
        pub const ROUTES: &[RouteSpec] = &[
            $( $( RouteSpec {
                method: stringify!($method),
                path: $path,
                access: $access,
                function: $name,
                handler: stringify!($($handler)::+),
            }, )+ )+
        ];

        /// Each Lambda function's routes, and only those, as they are served: a plain axum
        /// router built from the table's methods and paths, which writes no OpenAPI document.
        pub mod function {
            use axum::Router;
            use axum::routing::{MethodFilter, on};

            use super::*;

            $(
                #[doc = concat!("The routes of the `", $name, "` function.")]
                pub fn $function() -> Router<AppState> {
                    Router::new() $( .route($path, on(MethodFilter::$method, $($handler)::+)) )+
                }
            )+

            /// Every function's name with its routes, for callers that walk them all.
            pub fn every() -> Vec<(&'static str, fn() -> Router<AppState>)> {
                vec![ $( ($name, $function as fn() -> Router<AppState>) ),+ ]
            }
        }

        /// Each Lambda function's routes as the OpenAPI document describes them, from the
        /// handlers' `#[utoipa::path]` (a test holds those to the table).
        pub mod documented {
            use utoipa_axum::routes;
            use utoipa_axum::router::OpenApiRouter;

            use super::*;

            $(
                #[doc = concat!("The documented routes of the `", $name, "` function.")]
                pub fn $function() -> OpenApiRouter<AppState> {
                    OpenApiRouter::new() $( .routes(routes!($($handler)::+)) )+
                }
            )+

            /// Every function's name with its documented routes.
            pub fn every() -> Vec<(&'static str, fn() -> OpenApiRouter<AppState>)> {
                vec![ $( ($name, $function as fn() -> OpenApiRouter<AppState>) ),+ ]
            }

            /// Every API route (the documents aside), documented.
            pub fn all() -> OpenApiRouter<AppState> {
                OpenApiRouter::new() $( .merge($function()) )+
            }
        }

        /// Every API route (the documents aside): what one process serving everything mounts.
        pub fn all() -> axum::Router<AppState> {
            axum::Router::new() $( .merge(function::$function()) )+
        }
    };
}

use Access::{Public, Requires};
use Role::{Admin, Operator, Viewer};

route_table! {
    health = "health" {
        GET "/api/health", Public => scripts_api::health::health;
    }
    create_job = "create-job" {
        POST "/api/schedule-job", Requires(Operator) => scripts_api::schedule::schedule_job;
        POST "/api/v1/scheduler/jobs", Requires(Operator) => scheduler_api::jobs::create_job;
    }
    list_jobs = "list-jobs" {
        GET "/api/jobs", Requires(Viewer) => scripts_api::jobs::list_jobs;
        GET "/api/v1/scheduler/jobs", Requires(Viewer) => scheduler_api::jobs::list_jobs;
    }
    get_job = "get-job" {
        GET "/api/job/{job_id}", Requires(Viewer) => scripts_api::jobs::get_job;
        GET "/api/v1/scheduler/jobs/{job_id}", Requires(Viewer) => scheduler_api::jobs::get_job;
    }
    delete_job = "delete-job" {
        DELETE "/api/remove-job/{job_id}", Requires(Operator) => scripts_api::manage::remove_job;
        // axum matches the static `/api/jobs/all` before `{job_id}`; `all` is never a valid job id.
        DELETE "/api/jobs/{job_id}", Requires(Operator) => scripts_api::delete::delete_job;
        DELETE "/api/v1/scheduler/jobs/{job_id}", Requires(Operator) => scheduler_api::jobs::delete_job;
    }
    pause_job = "pause-job" {
        PUT "/api/pause-job/{job_id}", Requires(Operator) => scripts_api::manage::pause_job;
    }
    resume_job = "resume-job" {
        PUT "/api/resume-job/{job_id}", Requires(Operator) => scripts_api::manage::resume_job;
    }
    delete_all_jobs = "delete-all-jobs" {
        DELETE "/api/jobs/all", Requires(Admin) => scripts_api::delete::delete_all_jobs;
    }
    list_clips = "list-clips" {
        GET "/api/clips", Requires(Viewer) => clips_api::clips::list_clips;
    }
    create_clip_job = "create-clip-job" {
        POST "/api/clips", Requires(Operator) => clips_api::create::create_clip_job;
    }
    delete_clip = "delete-clip" {
        // `/api/clips/all` is matched first; `all` is never a clip's file name.
        DELETE "/api/clips/{filename}", Requires(Operator) => clips_api::clips::delete_clip;
    }
    delete_all_clips = "delete-all-clips" {
        DELETE "/api/clips/all", Requires(Admin) => clips_api::clips::delete_all_clips;
    }
    list_task_functions = "list-task-functions" {
        GET "/api/v1/scheduler/task-functions", Requires(Viewer) => scheduler_api::catalog::list_task_functions;
    }
    list_job_types = "list-job-types" {
        GET "/api/v1/scheduler/job-types", Requires(Viewer) => scheduler_api::catalog::list_job_types;
    }
    update_job = "update-job" {
        PUT "/api/v1/scheduler/jobs/{job_id}", Requires(Operator) => scheduler_api::jobs::update_job;
    }
    set_job_status = "set-job-status" {
        PUT "/api/v1/scheduler/jobs/{job_id}/status", Requires(Operator) => scheduler_api::jobs::set_job_status;
    }
    trigger_job = "trigger-job" {
        POST "/api/v1/scheduler/jobs/{job_id}/trigger", Requires(Operator) => scheduler_api::jobs::trigger_job;
    }
    list_executions = "list-executions" {
        GET "/api/v1/scheduler/jobs/{job_id}/executions", Requires(Viewer) => scheduler_api::executions::list_job_executions;
        GET "/api/v1/scheduler/executions", Requires(Viewer) => scheduler_api::executions::list_executions;
    }
    scheduler_status = "scheduler-status" {
        GET "/api/v1/scheduler/status", Requires(Viewer) => scheduler_api::status::scheduler_status;
    }
    list_videos = "list-videos" {
        GET "/api/v1/videos", Requires(Viewer) => scraper_api::videos::list_videos;
    }
    get_video = "get-video" {
        GET "/api/v1/videos/{video_id}", Requires(Viewer) => scraper_api::videos::get_video;
    }
    delete_video = "delete-video" {
        DELETE "/api/v1/videos/{video_id}", Requires(Operator) => scraper_api::videos::delete_video;
    }
    get_stats = "get-stats" {
        GET "/api/v1/stats", Requires(Viewer) => scraper_api::stats::get_stats;
    }
    create_scheduled_scrape = "create-scheduled-scrape" {
        POST "/api/v1/scheduled-jobs", Requires(Operator) => scraper_api::scheduled::create_scheduled_job;
    }
    list_scheduled_scrapes = "list-scheduled-scrapes" {
        GET "/api/v1/scheduled-jobs", Requires(Viewer) => scraper_api::scheduled::list_scheduled_jobs;
    }
    get_scheduled_scrape = "get-scheduled-scrape" {
        GET "/api/v1/scheduled-jobs/{job_id}", Requires(Viewer) => scraper_api::scheduled::get_scheduled_job;
    }
    update_scheduled_scrape = "update-scheduled-scrape" {
        PATCH "/api/v1/scheduled-jobs/{job_id}", Requires(Operator) => scraper_api::scheduled::update_scheduled_job;
    }
    toggle_scheduled_scrape = "toggle-scheduled-scrape" {
        POST "/api/v1/scheduled-jobs/{job_id}/toggle", Requires(Operator) => scraper_api::scheduled::toggle_scheduled_job;
    }
    delete_scheduled_scrape = "delete-scheduled-scrape" {
        DELETE "/api/v1/scheduled-jobs/{job_id}", Requires(Operator) => scraper_api::scheduled::delete_scheduled_job;
    }
    retry_video = "retry-video" {
        POST "/api/v1/videos/{video_id}/retry", Requires(Operator) => scraper_api::retry::retry_video;
    }
    pin_video = "pin-video" {
        PUT "/api/v1/videos/{video_id}/pin", Requires(Operator) => scraper_api::pin::pin_video;
        DELETE "/api/v1/videos/{video_id}/pin", Requires(Operator) => scraper_api::pin::unpin_video;
    }
    scrape_health = "scrape-health" {
        GET "/api/v1/stats/health", Public => scraper_api::health::stats_health;
    }
    create_scrape_job = "create-scrape-job" {
        POST "/api/v1/jobs", Requires(Operator) => scraper_api::jobs::create_scrape_job;
    }
    list_scrape_jobs = "list-scrape-jobs" {
        GET "/api/v1/jobs", Requires(Viewer) => scraper_api::jobs::list_scrape_jobs;
    }
    get_scrape_job = "get-scrape-job" {
        GET "/api/v1/jobs/{job_id}", Requires(Viewer) => scraper_api::jobs::get_scrape_job;
    }
    cancel_scrape_job = "cancel-scrape-job" {
        POST "/api/v1/jobs/{job_id}/cancel", Requires(Operator) => scraper_api::jobs::cancel_scrape_job;
    }
    delete_scrape_job = "delete-scrape-job" {
        DELETE "/api/v1/jobs/{job_id}", Requires(Operator) => scraper_api::jobs::delete_scrape_job;
    }
    get_file = "get-file" {
        // A greedy path: `{key+}` on API Gateway.
        GET "/api/v1/files/{*key}", Requires(Viewer) => scraper_api::files::get_file;
    }
    cleanup_all_videos = "cleanup-all-videos" {
        // Seed 003 writes the trailing slash; clients that drop it reach the same operation.
        POST "/api/v1/cleanup-all-videos/", Requires(Admin) => cleanup_api::cleanup::cleanup_all_videos;
        POST "/api/v1/cleanup-all-videos", Requires(Admin) => cleanup_api::cleanup::cleanup_all_videos_unslashed;
    }
    list_audit = "list-audit" {
        GET "/api/v1/audit", Requires(Admin) => cleanup_api::audit::list_audit;
    }
}

/// The API's documents, served beside it by their own function (`super::docs_router`).
pub const DOCUMENT_ROUTES: &[RouteSpec] = &[
    RouteSpec { method: "GET", path: "/openapi.json", access: Public, function: "api-docs", handler: "docs_router" },
    RouteSpec { method: "GET", path: "/docs", access: Public, function: "api-docs", handler: "docs_router" },
    RouteSpec { method: "GET", path: "/redoc", access: Public, function: "api-docs", handler: "docs_router" },
    RouteSpec {
        method: "GET",
        path: "/redoc/redoc.standalone.js",
        access: Public,
        function: "api-docs",
        handler: "docs_router",
    },
];

/// Routes only a long-lived process serves (`super::router_with_progress`): no Lambda function
/// and no template route, since API Gateway's HTTP APIs carry no WebSockets.
pub const LOCAL_ROUTES: &[RouteSpec] = &[RouteSpec {
    method: "GET",
    path: "/ws/jobs/{job_id}",
    access: Requires(Viewer),
    function: "local-only",
    handler: "scraper_api::ws::job_progress",
}];

/// Every route of the table, the documents included.
pub fn every_route() -> impl Iterator<Item = &'static RouteSpec> {
    ROUTES.iter().chain(DOCUMENT_ROUTES)
}

/// The access a matched route needs; a route missing from the table is closed to everyone.
/// axum answers HEAD with a route's GET handler (without the body), so HEAD needs what GET needs;
/// a path with no GET answers HEAD with its 405 before this is asked.
pub fn access_for(method: &Method, matched_path: &str) -> Option<Access> {
    let method = if method == Method::HEAD { &Method::GET } else { method };
    every_route().chain(LOCAL_ROUTES).find(|r| r.path == matched_path && r.method == method.as_str()).map(|r| r.access)
}

#[cfg(test)]
mod tests;
