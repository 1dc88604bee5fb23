//! Cold-start work shared by the functions that touch AWS.

use jobsmith::adapters::aws::app::{AwsApp, AwsConfig, Reach};

/// Reads the configuration, builds every client `reach` names once and warms the DynamoDB
/// connection, so that the first event does not pay for DNS, TLS and credentials. A failed
/// warm-up is only logged: the function may still serve (the health route reports the store
/// itself).
pub async fn load_app(reach: Reach) -> Result<AwsApp, lambda_http::Error> {
    let app = build_app(reach)?;
    if let Err(err) = app.warm_up().await {
        tracing::warn!(error = %err, "could not warm the DynamoDB connection");
    }
    Ok(app)
}

/// The same without the warm-up, for functions whose routes read no table (and whose role may
/// not): building clients makes no network call.
pub(crate) fn build_app(reach: Reach) -> Result<AwsApp, lambda_http::Error> {
    let lookup = |name: &str| std::env::var(name).ok();
    let config = AwsConfig::from_env(lookup)?;
    Ok(AwsApp::load_in_lambda(config, lookup, reach)?)
}

/// Lambda's log format and level settings (`AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL`,
/// `RUST_LOG`) apply through the runtime's own subscriber.
pub(crate) fn init_tracing() {
    lambda_http::tracing::init_default_subscriber();
}
