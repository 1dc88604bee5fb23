//! The HTTP API: one axum router per route family, mounted the same way by the local server
//! and (one route each) by the Lambda functions.

mod admission;
mod auth;
pub mod body;
pub mod cleanup_api;
pub mod clips_api;
pub mod cors;
pub mod detail;
pub mod extract;
pub mod family;
mod gate;
mod gzipped;
pub mod json;
pub mod rate_limit;
mod redoc;
pub mod rendered;
pub mod routes;
pub mod same_origin;
pub mod scheduler_api;
pub mod scraper_api;
pub mod scripts_api;
mod swagger_ui;
pub mod time;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

pub use admission::{Admission, Admitted};
pub use auth::{API_KEY_HEADER, Auth};
pub use cors::CorsOrigins;
pub use rate_limit::{Limits, RateLimit};
pub use same_origin::{Guarded, SameOrigin};

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::{ClipLibrary, JobService, ProgressFeed, VideoCleanup, VideoService};
use crate::ports::HealthProbe;
use rendered::RenderedJobs;

/// Job definitions are small; anything bigger than this is a mistake or an attack.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// What the handlers share. axum clones the state for every request and every stateful layer,
/// so it is one `Arc` rather than a struct of them: one count to bump instead of a dozen.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

pub struct Services {
    pub service: JobService,
    pub videos: VideoService,
    /// What seed 002's health route checks: the local server's parts, or the AWS services.
    pub health: Arc<dyn HealthProbe>,
    /// Seed 003's guarded cleanup and the audit log it writes.
    pub cleanup: VideoCleanup,
    /// Seed 000's stored clips.
    pub clips: ClipLibrary,
    /// The bodies of `GET /api/job/{job_id}` made so far.
    pub rendered_jobs: RenderedJobs,
}

impl From<Services> for AppState {
    fn from(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "jobsmith", description = "Schedules bash and python scripts, scraping runs and clip cutting; records every execution."),
    modifiers(&ApiKeySecurity),
    security(("api_key" = []))
)]
struct ApiDoc;

struct ApiKeySecurity;

impl utoipa::Modify for ApiKeySecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))));
    }
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut openapi = with_api_info(routes::documented::all()).into_openapi();
    rate_limit::DocumentedLimit::add_to(&mut openapi);
    as_openapi_templates(&mut openapi);
    openapi
}

/// A route table path as the OpenAPI document names it. axum's catch-all `{*key}` is no OpenAPI
/// path template: clients built from the document would find no parameter `*key` to fill, so
/// the document names it `{key}`, as its parameter is named.
pub fn documented_path(route_path: &str) -> String {
    route_path.replace("{*", "{")
}

fn as_openapi_templates(openapi: &mut utoipa::openapi::OpenApi) {
    let paths = std::mem::take(&mut openapi.paths.paths);
    openapi.paths.paths = paths.into_iter().map(|(path, item)| (documented_path(&path), item)).collect();
}

/// The whole API with auth, limits, `/openapi.json` and the browsable pages at `/docs` and
/// `/redoc`: what one process serving everything mounts.
pub fn router(state: AppState, auth: Auth) -> Router {
    limited_router(state, auth, RateLimit::off())
}

/// [`router`] with seed 002's routes held to `limit` per caller (see [`rate_limit`]).
pub fn limited_router(state: AppState, auth: Auth, limit: RateLimit) -> Router {
    with_family_layers(authenticated(routes::all(), state, auth, &limit).merge(docs_routes()))
}

/// [`limited_router`], plus what only a long-lived process can serve: seed 002's progress
/// WebSocket (`scraper_api::ws`), woken by `feed`, the execution store the process writes its
/// runs through.
pub fn router_with_progress(state: AppState, auth: Auth, limit: RateLimit, feed: ProgressFeed) -> Router {
    let sockets = scraper_api::ws::router(feed, auth.clone(), scraper_api::ws::MAX_OPEN_SOCKETS);
    with_family_layers(authenticated(routes::all(), state, auth, &limit).merge(sockets).merge(docs_routes()))
}

/// What `jobsmith serve` adds around [`router`] for the browsers on its machine, given the port it
/// bound. In open mode, the [`same_origin`] guard in front of every request (reads, documents and
/// unknown paths included) and no CORS whatever `cors` says; with keys, CORS for `cors` only.
/// The Lambdas get neither: API Gateway's `Host` is its own name, and CORS is its business.
pub fn for_local_server(router: Router, auth: &Auth, port: u16, cors: &CorsOrigins) -> Guarded<Router> {
    if auth.is_open() {
        return Guarded::new(Some(SameOrigin::new(port)), router);
    }
    let router = match cors.layer() {
        Some(cors) => router.layer(cors),
        None => router,
    };
    Guarded::new(None, router)
}

/// One Lambda function's routes (from [`routes::function`]) and nothing else: any other path is
/// its family's 404, so a function answers only what API Gateway sends it, and its binary links
/// only its own handlers.
pub fn function_router(function_routes: Router<AppState>, state: AppState, auth: Auth) -> Router {
    // Another function's method on a shared path is as foreign as another path: a 404, not a 405.
    with_layers(
        authenticated(function_routes, state, auth, &RateLimit::off()).method_not_allowed_fallback(family::not_found),
    )
}

/// Only `/openapi.json`, `/docs` and `/redoc`, which are public and read no state.
pub fn docs_router() -> Router {
    with_family_layers(docs_routes())
}

fn with_api_info(routes: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(routes)
}

fn authenticated(routes: Router<AppState>, state: AppState, auth: Auth, limit: &RateLimit) -> Router {
    let limit = limit.layer_state(!auth.is_open());
    routes.with_state(state).route_layer(gate::Gate::new(auth, limit))
}

fn docs_routes() -> Router {
    let document = Arc::new(OnceLock::new());
    Router::new()
        .route("/openapi.json", axum::routing::get(move || std::future::ready(openapi_json(&document))))
        .merge(swagger_ui::routes())
        .merge(redoc::routes())
}

/// The document as served, written on its first request and kept as its bytes. Not at start: it is
/// a few hundred kilobytes of small allocations to build, which a process that is never asked for
/// it should pay for neither in start-up time nor in resident memory.
fn openapi_json(document: &OnceLock<Option<Bytes>>) -> Response {
    match document.get_or_init(|| serde_json::to_vec(&openapi()).ok().map(Bytes::from)) {
        Some(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes.clone()).into_response(),
        None => family::error_for(
            "/openapi.json",
            StatusCode::INTERNAL_SERVER_ERROR,
            "The API document could not be written",
        ),
    }
}

/// [`with_layers`], with the families' 405 for a known path's other methods.
fn with_family_layers(routes: Router) -> Router {
    with_layers(routes.method_not_allowed_fallback(family::method_not_allowed))
}

/// What every route shares, whichever of them a process mounts: the families' 404 for an unknown
/// path, the body limit, and a panic turned into the family's 500.
fn with_layers(routes: Router) -> Router {
    // One stack, one `layer` call: the router boxes every route again for each layer it is
    // given, and each box costs a clone and a boxed future per request.
    let shared = ServiceBuilder::new()
        .layer(CatchPanicLayer::custom(family::panic_response))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES));
    routes.fallback(family::not_found).layer(shared)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    #[tokio::test]
    async fn the_document_is_served_as_written_on_every_request() {
        let router = docs_router();
        for _ in 0..2 {
            let request = axum::http::Request::get("/openapi.json").body(Body::empty()).unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 22).await.unwrap();
            let served: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(served, serde_json::to_value(openapi()).unwrap());
        }
    }
}
