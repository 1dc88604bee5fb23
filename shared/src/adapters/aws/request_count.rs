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
