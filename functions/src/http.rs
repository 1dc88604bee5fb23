//! The HTTP functions: the shared routers behind API Gateway's authorizer.
//!
//! The authorizer has already checked the API key; its context (`principal`, `role`) arrives in
//! the request's API Gateway context. A layer turns it into the [`Principal`] the shared auth
//! layer reads in upstream mode, which still checks each route's role from the route table, so
//! that a refusal has the route family's error shape.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use jobsmith::adapters::aws::app::{AwsApp, Reach};
use jobsmith::domain::principal::{Principal, Role};
use jobsmith::http::{AppState, Auth};
use lambda_http::http::Extensions;
use lambda_http::request::RequestContext;

use crate::authorizer::{CONTEXT_PRINCIPAL, CONTEXT_ROLE};
use crate::init::{build_app, init_tracing, load_app};

/// One function's routes, as the route table writes them: `jobsmith::http::routes::function::<name>`.
pub type FunctionRoutes = fn() -> axum::Router<AppState>;

/// Runs an HTTP function: clients built once, then one request per event. `reach` is what the
/// function's role is granted besides the table and the schedules (template.yaml): the bucket for
/// the routes that read or delete stored files, the executor for those that start runs.
pub async fn serve_http(routes: FunctionRoutes, reach: Reach) -> Result<(), lambda_http::Error> {
    init_tracing();
    let app = load_app(reach).await?;
    lambda_http::run(http_router(&app, routes)).await
}

/// [`serve_http`] for functions whose routes read no table (the catalogues of task functions and
/// job types): no warm-up call, which their role need not allow.
pub async fn serve_static_http(routes: FunctionRoutes) -> Result<(), lambda_http::Error> {
    init_tracing();
    let app = build_app(Reach::table())?;
    lambda_http::run(http_router(&app, routes)).await
}

/// The API documents' function: `/openapi.json` and the browsable page at `/docs`, both public,
/// so it needs neither clients nor configuration.
pub async fn serve_api_docs() -> Result<(), lambda_http::Error> {
    init_tracing();
    lambda_http::run(jobsmith::http::docs_router()).await
}

/// One function's routes, trusting the authorizer's context for who is calling. The code that
/// answers a route is the same here and in the local server; a path the function does not serve
/// is its family's 404.
pub fn http_router(app: &AwsApp, routes: FunctionRoutes) -> axum::Router {
    app.function_router(routes(), Auth::upstream()).layer(axum::middleware::map_request(insert_principal))
}

async fn insert_principal(mut request: Request) -> Request {
    // Only API Gateway writes the context, so a client cannot forge it; a request without one
    // (a public route, which has no authorizer) reaches the routes unauthenticated.
    if let Some(principal) = authorizer_principal(request.extensions()) {
        request.extensions_mut().insert(principal);
    }
    // The caller's address as API Gateway saw it, where the local server has its connection's
    // peer: the audit log and the per-address rate limit read it the same way on both.
    if let Some(peer) = source_address(request.extensions()) {
        request.extensions_mut().insert(ConnectInfo(peer));
    }
    request
}

/// `requestContext.http.sourceIp`, with no port (API Gateway gives none).
fn source_address(extensions: &Extensions) -> Option<SocketAddr> {
    let Some(RequestContext::ApiGatewayV2(context)) = extensions.get::<RequestContext>() else {
        return None;
    };
    let ip: IpAddr = context.http.source_ip.as_deref()?.parse().ok()?;
    Some(SocketAddr::new(ip, 0))
}

/// The principal in an HttpApi Lambda authorizer's context (`requestContext.authorizer.lambda`).
pub fn authorizer_principal(extensions: &Extensions) -> Option<Principal> {
    let Some(RequestContext::ApiGatewayV2(context)) = extensions.get::<RequestContext>() else {
        return None;
    };
    let fields = &context.authorizer.as_ref()?.fields;
    let name = fields.get(CONTEXT_PRINCIPAL)?.as_str()?;
    let role = Role::parse(fields.get(CONTEXT_ROLE)?.as_str()?)?;
    Some(Principal { name: name.to_owned(), role })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn extensions(authorizer: Option<Value>) -> Extensions {
        let mut context = json!({
            "routeKey": "$default", "accountId": "123456789012", "stage": "$default", "requestId": "id",
            "apiId": "api-id", "domainName": "id.execute-api.us-east-1.amazonaws.com", "domainPrefix": "id",
            "time": "12/Mar/2020:19:03:58 +0000", "timeEpoch": 1_583_348_638_390_u64,
            "http": {"method": "GET", "path": "/api/jobs", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "t"}
        });
        if let Some(authorizer) = authorizer {
            context["authorizer"] = authorizer;
        }
        let event = json!({
            "version": "2.0", "routeKey": "$default", "rawPath": "/api/jobs", "rawQueryString": "",
            "headers": {}, "requestContext": context, "isBase64Encoded": false
        });
        let request = lambda_http::request::from_str(&event.to_string()).expect("an API Gateway v2 event");
        request.extensions().clone()
    }

    #[test]
    fn the_lambda_authorizer_context_names_the_principal() {
        let found = authorizer_principal(&extensions(Some(json!({"lambda": {"principal": "ops", "role": "admin"}}))));
        assert_eq!(found, Some(Principal { name: "ops".to_owned(), role: Role::Admin }));
    }

    #[test]
    fn the_source_address_is_the_callers() {
        assert_eq!(source_address(&extensions(None)), Some("192.0.2.1:0".parse().unwrap()));
        assert_eq!(source_address(&Extensions::new()), None);
    }

    #[test]
    fn anything_less_is_no_principal() {
        for authorizer in [
            None,
            Some(json!({"lambda": {"principal": "ops"}})),
            Some(json!({"lambda": {"principal": "ops", "role": "root"}})),
            Some(json!({"lambda": {"principal": 7, "role": "admin"}})),
            Some(json!({"jwt": {"claims": {"sub": "ops"}, "scopes": []}})),
        ] {
            assert_eq!(authorizer_principal(&extensions(authorizer.clone())), None, "{authorizer:?}");
        }
        assert_eq!(authorizer_principal(&Extensions::new()), None, "not from API Gateway at all");
    }
}
