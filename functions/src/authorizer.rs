//! The HttpApi request authorizer: an API key in, a principal and role out (simple responses).
//!
//! It authenticates only. The role a route needs is checked by the HTTP functions from the route
//! table: API Gateway caches an authorizer's answer by identity source (the key) across routes,
//! so a route-dependent answer would be reused for the wrong route, and a refusal there has
//! API Gateway's fixed shape instead of the route family's error format.

use jobsmith::adapters::aws::app::vars;
use jobsmith::domain::principal::KeyRing;
use jobsmith::http::API_KEY_HEADER;
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request,
};
use lambda_http::{LambdaEvent, service_fn};

use crate::init::init_tracing;

/// The keys of the authorizer's context, as the HTTP functions read them.
pub const CONTEXT_PRINCIPAL: &str = "principal";
pub const CONTEXT_ROLE: &str = "role";

/// Allows a configured key with its principal and role; denies everything else, including every
/// request when no keys are configured (an open API is for a loopback server only).
pub fn authorize(
    keys: &KeyRing,
    event: ApiGatewayV2CustomAuthorizerV2Request,
) -> ApiGatewayV2CustomAuthorizerSimpleResponse {
    let principal =
        event.headers.get(API_KEY_HEADER).and_then(|value| value.to_str().ok()).and_then(|key| keys.authenticate(key));
    let mut response = ApiGatewayV2CustomAuthorizerSimpleResponse::default();
    // An empty context rather than null: API Gateway expects an object.
    response.context = serde_json::json!({});
    if let Some(principal) = principal {
        response.is_authorized = true;
        response.context = serde_json::json!({
            CONTEXT_PRINCIPAL: principal.name,
            CONTEXT_ROLE: principal.role.as_str(),
        });
    }
    response
}

/// Runs the authorizer. It needs the keys only, so it builds no AWS client and its role needs no
/// permission.
pub async fn serve_authorizer() -> Result<(), lambda_http::Error> {
    init_tracing();
    let keys = KeyRing::parse(&std::env::var(vars::API_KEYS).unwrap_or_default())
        .map_err(|err| format!("{}: {err}", vars::API_KEYS))?;
    if keys.is_empty() {
        tracing::warn!("{} is empty: every request will be denied", vars::API_KEYS);
    }
    let keys = &keys;
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayV2CustomAuthorizerV2Request>| {
        let response = authorize(keys, event.payload);
        async move { Ok::<_, lambda_http::Error>(response) }
    }))
    .await
}
