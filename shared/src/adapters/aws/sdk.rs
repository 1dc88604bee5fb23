//! The AWS SDK's configuration, built once per process. Every client shares one HTTPS client
//! (rustls over ring), so the SDK's own default TLS stack is not compiled in.
//!
//! A Lambda function's configuration comes from the variables Lambda sets (region, the execution
//! role's credentials) and nothing else; only `jobsmith serve --backend aws` walks the SDK's whole
//! provider chain (profiles, SSO, instance roles). Keeping the two apart keeps that chain's code
//! out of the functions' binaries.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpConnector};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

use super::app::ConfigError;
use super::request_count::RequestCounter;

/// The variables Lambda sets for a function (and that a test sets for an emulator).
pub mod lambda_vars {
    pub const REGION: &str = "AWS_REGION";
    pub const ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
    pub const SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
    pub const SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
    /// Not set by Lambda: how tests and `cargo lambda watch` reach an emulator.
    pub const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
}

pub fn https_client() -> SharedHttpClient {
    SharedHttpClient::new(RootsOnFirstRequest(
        Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https(),
    ))
}

/// The HTTPS client, reading the machine's root certificates when the first request needs a
/// connection rather than whenever a service client is built. The SDK's hyper client builds and
/// throws away a connector in `validate_base_client_config`, which every service client calls as
/// it is constructed, so that the roots load early: a Lambda function builds four or five clients
/// at cold start and read them that many times, and one that sends no request read them for
/// nothing. The connector cache still builds one connector, reading the roots once, on first use.
#[derive(Debug)]
struct RootsOnFirstRequest(SharedHttpClient);

impl HttpClient for RootsOnFirstRequest {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

/// The SDK's standard chain (environment, profiles, SSO, container and instance roles;
/// `AWS_ENDPOINT_URL` for an emulator), for a long-running process.
pub async fn load_default_chain() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).http_client(https_client()).load().await
}

/// A Lambda function's configuration, read through `lookup` (`|name| std::env::var(name).ok()`).
/// The execution role's credentials arrive as variables and last as long as the environment.
pub fn from_lambda_environment(lookup: impl Fn(&str) -> Option<String>) -> Result<SdkConfig, ConfigError> {
    let var = |name: &str| lookup(name).filter(|value| !value.is_empty());
    let required = |name: &'static str| var(name).ok_or(ConfigError::Missing(name));
    let credentials = Credentials::new(
        required(lambda_vars::ACCESS_KEY_ID)?,
        required(lambda_vars::SECRET_ACCESS_KEY)?,
        var(lambda_vars::SESSION_TOKEN),
        None,
        "lambda-environment",
    );
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(required(lambda_vars::REGION)?))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(https_client());
    if let Some(endpoint) = var(lambda_vars::ENDPOINT_URL) {
        builder = builder.endpoint_url(endpoint);
    }
    Ok(builder.build())
}

/// Every service client of one process, built from one configuration, each counting its
/// requests into `counter` when there is one.
#[derive(Clone, Copy)]
pub struct Clients<'a> {
    sdk: &'a SdkConfig,
    counter: Option<&'a RequestCounter>,
}

impl<'a> Clients<'a> {
    pub fn new(sdk: &'a SdkConfig) -> Self {
        Self { sdk, counter: None }
    }

    pub fn counting(sdk: &'a SdkConfig, counter: &'a RequestCounter) -> Self {
        Self { sdk, counter: Some(counter) }
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        let mut config = aws_sdk_dynamodb::config::Builder::from(self.sdk);
        if let Some(counter) = self.counter {
            config = config.interceptor(counter.interceptor());
        }
        aws_sdk_dynamodb::Client::from_conf(config.build())
    }

    pub fn scheduler(&self) -> aws_sdk_scheduler::Client {
        let mut config = aws_sdk_scheduler::config::Builder::from(self.sdk);
        if let Some(counter) = self.counter {
            config = config.interceptor(counter.interceptor());
        }
        aws_sdk_scheduler::Client::from_conf(config.build())
    }

    /// Emulators (moto) and most self-hosted S3 servers need path-style addressing
    /// (`http://host/bucket/key`): `force_path_style` when an endpoint URL is configured.
    pub fn s3(&self, force_path_style: bool) -> aws_sdk_s3::Client {
        let mut config = aws_sdk_s3::config::Builder::from(self.sdk).force_path_style(force_path_style);
        if let Some(counter) = self.counter {
            config = config.interceptor(counter.interceptor());
        }
        aws_sdk_s3::Client::from_conf(config.build())
    }

    /// The client the dispatches invoke the executor with; `endpoint` overrides the SDK's.
    pub fn lambda(&self, endpoint: Option<&str>) -> aws_sdk_lambda::Client {
        let mut config = aws_sdk_lambda::config::Builder::from(self.sdk);
        if let Some(endpoint) = endpoint {
            config = config.endpoint_url(endpoint);
        }
        if let Some(counter) = self.counter {
            config = config.interceptor(counter.interceptor());
        }
        aws_sdk_lambda::Client::from_conf(config.build())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use aws_credential_types::provider::ProvideCredentials;
    use aws_sdk_dynamodb::config::ConfigBag;
    use aws_smithy_runtime_api::box_error::BoxError;
    use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorFuture};
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;

    use super::*;

    /// Stands in for the hyper client: counts the early validation that builds its connector.
    #[derive(Debug, Default)]
    struct Validations(Arc<AtomicUsize>);

    #[derive(Debug)]
    struct Unreachable;

    impl HttpConnector for Unreachable {
        fn call(&self, _: HttpRequest) -> HttpConnectorFuture {
            HttpConnectorFuture::ready(Err(ConnectorError::other("no network in this test".into(), None)))
        }
    }

    impl HttpClient for Validations {
        fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
            SharedHttpConnector::new(Unreachable)
        }

        fn validate_base_client_config(&self, _: &RuntimeComponentsBuilder, _: &ConfigBag) -> Result<(), BoxError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    #[test]
    fn building_service_clients_reads_no_certificates() {
        let (bare, wrapped) = (Validations::default(), Validations::default());
        let (bare_count, wrapped_count) = (bare.0.clone(), wrapped.0.clone());
        for (client, wrap) in [(bare, false), (wrapped, true)] {
            let client = SharedHttpClient::new(client);
            let http = if wrap { SharedHttpClient::new(RootsOnFirstRequest(client)) } else { client };
            let config =
                from_lambda_environment(lookup(&LAMBDA)).expect("complete").into_builder().http_client(http).build();
            let clients = Clients::new(&config);
            let _ = (clients.dynamodb(), clients.scheduler(), clients.s3(false), clients.lambda(None));
        }
        assert!(bare_count.load(Ordering::SeqCst) >= 4, "the SDK validates each client's HTTP client as it is built");
        assert_eq!(wrapped_count.load(Ordering::SeqCst), 0, "no connector, and no certificates, before a request");
    }

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| vars.get(name).cloned()
    }

    const LAMBDA: [(&str, &str); 4] = [
        (lambda_vars::REGION, "eu-west-1"),
        (lambda_vars::ACCESS_KEY_ID, "AKIDEXAMPLE"),
        (lambda_vars::SECRET_ACCESS_KEY, "secret"),
        (lambda_vars::SESSION_TOKEN, "token"),
    ];

    #[tokio::test]
    async fn lambda_variables_give_region_credentials_and_no_endpoint() {
        let config = from_lambda_environment(lookup(&LAMBDA)).expect("complete");
        assert_eq!(config.region().map(Region::as_ref), Some("eu-west-1"));
        assert_eq!(config.endpoint_url(), None);
        let provider = config.credentials_provider().expect("a provider");
        let credentials = provider.provide_credentials().await.expect("static credentials");
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.session_token(), Some("token"));
    }

    #[test]
    fn an_emulator_endpoint_is_used_when_set() {
        let mut vars = LAMBDA.to_vec();
        vars.push((lambda_vars::ENDPOINT_URL, "http://127.0.0.1:5000"));
        let config = from_lambda_environment(lookup(&vars)).expect("complete");
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:5000"));
    }

    #[test]
    fn a_missing_region_or_key_is_named() {
        for missing in [lambda_vars::REGION, lambda_vars::ACCESS_KEY_ID, lambda_vars::SECRET_ACCESS_KEY] {
            let vars: Vec<_> = LAMBDA.iter().copied().filter(|(name, _)| *name != missing).collect();
            let err = from_lambda_environment(lookup(&vars)).expect_err("incomplete");
            assert_eq!(err.to_string(), format!("{missing} is not set"));
        }
    }
}
