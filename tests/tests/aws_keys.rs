//! The authorizer's keys from an SSM SecureString parameter on moto: read at the first request,
//! trusted for their time to live, read again after it (a rotated key works, a removed one stops
//! working, with no redeploy), and kept when the parameter cannot be read.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_ssm::types::ParameterType;
use jobsmith::adapters::aws::app::vars;
use jobsmith::domain::principal::{Role, generate_key};
use jobsmith::test_support::clock::ManualClock;
use jobsmith::test_support::fixtures::t0;
use jobsmith_functions::{KeySource, ParameterKeys, key_source};
use jobsmith_tests::moto::MotoServer;

const PARAMETER: &str = "/jobsmith-test/api-keys";

async fn put(ssm: &aws_sdk_ssm::Client, value: &str) {
    ssm.put_parameter()
        .name(PARAMETER)
        .value(value)
        .r#type(ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .expect("write the parameter");
}

#[tokio::test]
async fn keys_rotate_through_the_parameter_within_their_time_to_live() {
    let moto = MotoServer::start().await;
    let ssm = aws_sdk_ssm::Client::new(&moto.sdk_config().await);
    let (first, second) =
        (generate_key("ci", Role::Operator).expect("key"), generate_key("ops", Role::Admin).expect("key"));
    put(&ssm, &first.config_line).await;
    let clock = Arc::new(ManualClock::new(t0()));
    let source =
        KeySource::Parameter(ParameterKeys::new(ssm.clone(), PARAMETER, Duration::from_secs(60), clock.clone()));

    assert_eq!(source.keys().await.authenticate(&first.key).map(|p| p.name), Some("ci".to_owned()));
    put(&ssm, &second.config_line).await;
    assert!(source.keys().await.authenticate(&first.key).is_some(), "trusted for its time to live");
    clock.advance(chrono::Duration::seconds(61));
    let keys = source.keys().await;
    assert!(keys.authenticate(&first.key).is_none(), "the removed key stops working");
    assert_eq!(keys.authenticate(&second.key).map(|p| p.role), Some(Role::Admin), "the new key works");

    ssm.delete_parameter().name(PARAMETER).send().await.expect("delete the parameter");
    clock.advance(chrono::Duration::seconds(61));
    assert!(source.keys().await.authenticate(&second.key).is_some(), "an unreadable parameter keeps the last keys");
}

/// The authorizer's own configuration: the parameter's name (and the SDK's variables Lambda
/// sets), no keys.
#[tokio::test]
async fn the_authorizer_reads_the_parameter_its_configuration_names() {
    let moto = MotoServer::start().await;
    let ssm = aws_sdk_ssm::Client::new(&moto.sdk_config().await);
    let key = generate_key("ci", Role::Viewer).expect("key");
    put(&ssm, &key.config_line).await;
    let env = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_ENDPOINT_URL", moto.endpoint()),
        (vars::API_KEYS_PARAMETER, PARAMETER),
    ];
    let source = key_source(|name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())).expect("source");
    assert!(matches!(source, KeySource::Parameter(_)));
    assert!(source.keys().await.authenticate(&key.key).is_some());
    let bad_ttl = [(vars::API_KEYS_PARAMETER, PARAMETER), (vars::KEYS_TTL_SECONDS, "forever")];
    let refused = key_source(|name| bad_ttl.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()));
    assert!(refused.is_err(), "a bad time to live is refused at cold start");
}
