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

use std::sync::Arc;
use std::time::Duration;

use jobsmith::ports::SystemClock;

use crate::init::init_tracing;
use crate::keys::{DEFAULT_KEYS_TTL, KeySource, ParameterKeys};

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

/// Runs the authorizer. It needs the keys only: its one AWS client reads them from their
/// parameter (see [`crate::keys`]), and its role may read that parameter and nothing else.
pub async fn serve_authorizer() -> Result<(), lambda_http::Error> {
    init_tracing();
    let source = &key_source(|name| std::env::var(name).ok())?;
    lambda_http::lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayV2CustomAuthorizerV2Request>| async move {
            Ok::<_, lambda_http::Error>(authorize(&source.keys().await, event.payload))
        },
    ))
    .await
}

/// The parameter named by `JOBSMITH_API_KEYS_PARAMETER`, else the keys in `JOBSMITH_API_KEYS`.
pub fn key_source(lookup: impl Fn(&str) -> Option<String>) -> Result<KeySource, lambda_http::Error> {
    let var = |name: &str| lookup(name).filter(|value| !value.is_empty());
    let Some(parameter) = var(vars::API_KEYS_PARAMETER) else {
        let keys = KeyRing::parse(&var(vars::API_KEYS).unwrap_or_default())
            .map_err(|err| format!("{}: {err}", vars::API_KEYS))?;
        if keys.is_empty() {
            tracing::warn!(
                "neither {} nor {} is set: every request will be denied",
                vars::API_KEYS_PARAMETER,
                vars::API_KEYS
            );
        }
        return Ok(KeySource::Fixed(keys));
    };
    let ttl = match var(vars::KEYS_TTL_SECONDS) {
        None => DEFAULT_KEYS_TTL,
        Some(raw) => raw
            .parse::<u64>()
            .ok()
            .filter(|s| *s <= 3_600)
            .map(Duration::from_secs)
            .ok_or_else(|| format!("{}: expected whole seconds from 0 to 3600", vars::KEYS_TTL_SECONDS))?,
    };
    let sdk = jobsmith::adapters::aws::sdk::from_lambda_environment(&lookup)?;
    let client = aws_sdk_ssm::Client::new(&sdk);
    Ok(KeySource::Parameter(ParameterKeys::new(client, parameter, ttl, Arc::new(SystemClock))))
}
