//! A run due now goes to the executor as an asynchronous Lambda `Invoke`: it starts within a
//! second, where a one-off `at()` schedule fires 10 to 70 seconds later. Lambda delivers an
//! asynchronous invoke at least once, as EventBridge does a schedule, and the executor takes a
//! dispatched run with a conditional write, so a second delivery runs nothing.

use async_trait::async_trait;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::error::DisplayErrorContext;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;

use crate::ports::BackendError;

/// Hands the executor an event now. A trait so that a process whose role may not invoke the
/// executor links no Lambda client (see `app::Reach`).
#[async_trait]
pub trait InvokeExecutor: Send + Sync {
    /// Queues `input` (the executor's event) for `function` (the executor's name or ARN); `Ok`
    /// once Lambda has accepted it.
    async fn invoke(&self, function: &str, input: &str) -> Result<(), BackendError>;
}

#[derive(Clone)]
pub struct ExecutorInvoker {
    client: Client,
}

impl ExecutorInvoker {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl InvokeExecutor for ExecutorInvoker {
    async fn invoke(&self, function: &str, input: &str) -> Result<(), BackendError> {
        self.client
            .invoke()
            .function_name(function)
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(input.as_bytes()))
            .send()
            .await
            .map(|_| ())
            .map_err(|err| BackendError::Backend(format!("invoke the executor: {}", DisplayErrorContext(&err))))
    }
}
