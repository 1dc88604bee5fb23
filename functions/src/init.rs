//! Cold-start work shared by the functions that touch AWS.

use jobsmith::adapters::aws::app::{AwsApp, AwsConfig, Reach};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

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

/// Logs as Lambda's advanced logging controls ask: JSON lines when `AWS_LAMBDA_LOG_FORMAT` is
/// `JSON`, at the level `AWS_LAMBDA_LOG_LEVEL` names, else as `RUST_LOG` directs, else INFO.
/// No time and no colour: CloudWatch stamps each line and shows escapes as they are.
pub(crate) fn init_tracing() {
    let lookup = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let filter = log_filter(lookup("AWS_LAMBDA_LOG_LEVEL").as_deref(), lookup("RUST_LOG").as_deref());
    let json = lookup("AWS_LAMBDA_LOG_FORMAT").is_some_and(|format| format.eq_ignore_ascii_case("json"));
    let registry = tracing_subscriber::registry().with(filter);
    let layer = tracing_subscriber::fmt::layer().with_target(false).without_time();
    // A subscriber already set (a test's) stays: logging is never a reason not to start.
    let _ =
        if json { registry.with(layer.json()).try_init() } else { registry.with(layer.with_ansi(false)).try_init() };
}

/// Lambda's level (TRACE to FATAL; FATAL is ERROR here, unknown is INFO) wins; else `RUST_LOG`'s
/// directives (`info`, `jobsmith=debug,warn`); else INFO.
fn log_filter(lambda_level: Option<&str>, rust_log: Option<&str>) -> Targets {
    let level = |level: &str| {
        if level.eq_ignore_ascii_case("fatal") {
            LevelFilter::ERROR
        } else {
            level.parse().unwrap_or(LevelFilter::INFO)
        }
    };
    match (lambda_level, rust_log.and_then(|directives| directives.parse::<Targets>().ok())) {
        (Some(lambda_level), _) => Targets::new().with_default(level(lambda_level)),
        (None, Some(directed)) => directed,
        (None, None) => Targets::new().with_default(LevelFilter::INFO),
    }
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::log_filter;

    #[test]
    fn lambdas_level_wins_then_rust_log_then_info() {
        let debug = log_filter(Some("DEBUG"), Some("error"));
        assert!(debug.would_enable("jobsmith", &Level::DEBUG) && !debug.would_enable("jobsmith", &Level::TRACE));
        let fatal = log_filter(Some("FATAL"), None);
        assert!(fatal.would_enable("jobsmith", &Level::ERROR) && !fatal.would_enable("jobsmith", &Level::WARN));
        let directed = log_filter(None, Some("jobsmith=debug,error"));
        assert!(directed.would_enable("jobsmith::app", &Level::DEBUG));
        assert!(!directed.would_enable("aws_smithy_runtime", &Level::WARN));
        for (lambda_level, rust_log) in [(None, None), (Some("loud"), None), (None, Some("jobsmith=very"))] {
            let info = log_filter(lambda_level, rust_log);
            let shown = info.would_enable("any", &Level::INFO) && !info.would_enable("any", &Level::DEBUG);
            assert!(shown, "{lambda_level:?} {rust_log:?}");
        }
    }
}
