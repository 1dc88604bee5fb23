//! Counts the requests the SDK clients send, per service and operation, as the services see
//! them: every attempt of a retried call is one more request. Attached to the clients only when
//! a counter is handed to [`super::app::AwsApp::build_counting`], so a deployed function carries
//! no interceptor at all; what it is for is measuring what each API operation costs.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

/// Requests by (service, operation), as the SDK names them: `("DynamoDB", "GetItem")`,
/// `("S3", "ListObjectsV2")`, `("Scheduler", "CreateSchedule")`, `("Lambda", "Invoke")`.
pub type RequestCounts = BTreeMap<(String, String), u64>;

/// Shared by every client it is attached to; clones count into the same totals.
#[derive(Clone, Default)]
pub struct RequestCounter {
    counts: Arc<Mutex<RequestCounts>>,
}

impl RequestCounter {
    pub fn new() -> Self {
        Self::default()
    }

    /// What was counted since the last `take`, and a fresh start.
    pub fn take(&self) -> RequestCounts {
        std::mem::take(&mut *self.lock())
    }

    /// The interceptor to attach to a client's configuration.
    pub fn interceptor(&self) -> CountRequests {
        CountRequests { counter: self.clone() }
    }

    fn add(&self, service: &str, operation: &str) {
        *self.lock().entry((service.to_owned(), operation.to_owned())).or_default() += 1;
    }

    // A panic while counting leaves only a count behind, never a broken invariant.
    fn lock(&self) -> std::sync::MutexGuard<'_, RequestCounts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for RequestCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestCounter").field("counts", &*self.lock()).finish()
    }
}

#[derive(Debug, Clone)]
pub struct CountRequests {
    counter: RequestCounter,
}

impl Intercept for CountRequests {
    fn name(&self) -> &'static str {
        "CountRequests"
    }

    // After the transmission rather than before it: a presigned URL runs the same pipeline up
    // to the point of sending and stops there, and it is no request. Every attempt that reached
    // the service passes here, retries included.
    fn read_after_transmit(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match cfg.load::<Metadata>() {
            Some(metadata) => self.counter.add(metadata.service(), metadata.name()),
            None => self.counter.add("unknown", "unknown"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::time::Duration;

    use aws_config::retry::RetryConfig;
    use aws_credential_types::Credentials;
    use aws_credential_types::provider::SharedCredentialsProvider;
    use aws_sdk_s3::presigning::PresigningConfig;
    use aws_sdk_s3::primitives::SdkBody;
    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
    use aws_smithy_runtime_api::http::StatusCode;

    use super::*;
    use crate::adapters::aws::sdk::Clients;

    /// Answers each request with the next status of its list, then 200, always with `{}`.
    #[derive(Debug, Clone, Default)]
    struct Scripted(Arc<Mutex<VecDeque<u16>>>);

    impl HttpConnector for Scripted {
        fn call(&self, _: HttpRequest) -> HttpConnectorFuture {
            let status = self.0.lock().unwrap_or_else(PoisonError::into_inner).pop_front().unwrap_or(200);
            let status = StatusCode::try_from(status).expect("a status");
            HttpConnectorFuture::ready(Ok(HttpResponse::new(status, SdkBody::from("{}"))))
        }
    }

    impl HttpClient for Scripted {
        fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
            SharedHttpConnector::new(self.clone())
        }
    }

    fn config(http: Scripted) -> aws_config::SdkConfig {
        let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("eu-west-1"))
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .http_client(SharedHttpClient::new(http))
            .retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1)))
            .build()
    }

    #[tokio::test]
    async fn every_attempt_is_counted_by_service_and_operation_and_a_presigned_url_is_none() {
        let http = Scripted::default();
        http.0.lock().expect("unpoisoned").extend([500, 503]);
        let sdk = config(http);
        let counter = RequestCounter::new();
        let clients = Clients::counting(&sdk, &counter);
        let (dynamodb, s3) = (clients.dynamodb(), clients.s3(true));

        dynamodb.get_item().table_name("jobs").send().await.expect("the third attempt answers");
        let presigning = PresigningConfig::expires_in(Duration::from_secs(60)).expect("a lifetime");
        s3.get_object().bucket("media").key("videos/a.mp4").presigned(presigning).await.expect("a presigned URL");
        dynamodb.describe_table().table_name("jobs").send().await.expect("answered");

        let expected: RequestCounts = [(("DynamoDB", "GetItem"), 3), (("DynamoDB", "DescribeTable"), 1)]
            .into_iter()
            .map(|((service, operation), n)| ((service.to_owned(), operation.to_owned()), n))
            .collect();
        assert_eq!(counter.take(), expected);
        assert!(counter.take().is_empty(), "take starts afresh");
        assert_eq!(format!("{counter:?}"), "RequestCounter { counts: {} }");
    }
}
