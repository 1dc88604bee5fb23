//! The redrive function, invoked by hand once whatever sent runs to the dead-letter queue is
//! fixed (`aws lambda invoke --function-name <RedriveFunctionName output> out.json`; docs/aws.md). It sends
//! each executor event in the queue to the executor again and deletes the message once sent.
//! A message that holds no executor event stays in the queue for a person to read.
//!
//! Sending again is safe: the executor claims every fire and takes every dispatched run with a
//! conditional write, so an event already handled changes nothing, and a fire later than its
//! job's misfire grace is recorded as a misfire rather than run late.

use aws_sdk_sqs::error::DisplayErrorContext;
use jobsmith::adapters::aws::app::{AwsApp, AwsConfig, Reach, vars};
use jobsmith::adapters::aws::scheduler::ExecutorInput;
use jobsmith::adapters::aws::sdk;
use jobsmith::domain::ids::JobId;
use jobsmith::ports::BackendError;
use lambda_http::{LambdaEvent, service_fn};
use serde::{Deserialize, Serialize};

use crate::executor::ExecutorError;
use crate::init::init_tracing;

/// Messages one invocation handles unless its event says otherwise: well within a minute.
pub const DEFAULT_REDRIVE_LIMIT: u32 = 500;
/// Long enough that a message this invocation leaves (unreadable or not sent) is not received
/// again by the same invocation.
const HIDDEN_FOR_SECONDS: i32 = 120;

/// The function's event: `{}` or `{"max_messages": n}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RedriveRequest {
    pub max_messages: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RedriveReport {
    /// The jobs whose events were sent again, one entry per message.
    pub redriven: Vec<String>,
    /// Messages that hold no executor event; left in the queue.
    pub unreadable: u32,
    /// Messages whose event could not be sent; left in the queue for the next redrive.
    pub failed: u32,
}

/// The queue and what to send its events with.
pub struct Redrive<'a> {
    pub app: &'a AwsApp,
    pub sqs: &'a aws_sdk_sqs::Client,
    pub queue_url: &'a str,
}

impl Redrive<'_> {
    pub async fn run(&self, limit: u32) -> Result<RedriveReport, ExecutorError> {
        let mut report = RedriveReport::default();
        let mut seen = 0;
        while seen < limit {
            let received = self
                .sqs
                .receive_message()
                .queue_url(self.queue_url)
                .max_number_of_messages(10)
                .visibility_timeout(HIDDEN_FOR_SECONDS)
                .wait_time_seconds(0)
                .send()
                .await
                .map_err(|err| sqs_error("receive", &err))?;
            let messages = received.messages();
            if messages.is_empty() {
                break;
            }
            for message in messages {
                seen += 1;
                let Some((job_id, event)) = message.body().and_then(event_of) else {
                    report.unreadable += 1;
                    continue;
                };
                if let Err(err) = self.app.scheduler.redeliver(&job_id, &event).await {
                    tracing::warn!(job = %job_id, error = %err, "could not send a dead-lettered event again");
                    report.failed += 1;
                    continue;
                }
                if let Some(receipt) = message.receipt_handle() {
                    self.sqs
                        .delete_message()
                        .queue_url(self.queue_url)
                        .receipt_handle(receipt)
                        .send()
                        .await
                        .map_err(|err| sqs_error("delete", &err))?;
                }
                report.redriven.push(job_id.to_string());
            }
        }
        Ok(report)
    }
}

/// The executor event a dead letter holds: EventBridge Scheduler's carry the target's input as
/// their body; Lambda's records of failed asynchronous invocations carry it as `requestPayload`.
pub fn event_of(body: &str) -> Option<(JobId, ExecutorInput)> {
    let mut value: serde_json::Value = serde_json::from_str(body).ok()?;
    if let Some(payload) = value.get_mut("requestPayload") {
        value = payload.take();
    }
    let event: ExecutorInput = serde_json::from_value(value).ok()?;
    let job_id = JobId::parse(&event.job_id).ok()?;
    Some((job_id, event))
}

fn sqs_error<E: std::error::Error + 'static>(what: &str, err: &E) -> ExecutorError {
    ExecutorError::Backend(BackendError::Backend(format!("dead-letter queue: {what}: {}", DisplayErrorContext(err))))
}

/// Runs the redrive function.
pub async fn serve_redrive() -> Result<(), lambda_http::Error> {
    init_tracing();
    let lookup = |name: &str| std::env::var(name).ok();
    let queue_url = lookup(vars::DLQ_URL).filter(|url| !url.is_empty()).ok_or("JOBSMITH_DLQ_URL is not set")?;
    let sdk = sdk::from_lambda_environment(lookup)?;
    let app = AwsApp::build_reaching(AwsConfig::from_env(lookup)?, &sdk, Reach::executor())?;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let redrive = Redrive { app: &app, sqs: &sqs, queue_url: &queue_url };
    let redrive = &redrive;
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<RedriveRequest>| async move {
        let report = redrive.run(event.payload.max_messages.unwrap_or(DEFAULT_REDRIVE_LIMIT)).await?;
        tracing::info!(report = ?report, "redrive done");
        Ok::<_, lambda_http::Error>(report)
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_kinds_of_dead_letter_give_their_event() {
        let scheduler = r#"{"job_id":"nightly","scheduled_time":"2026-12-01T02:00:00Z"}"#;
        let (job, event) = event_of(scheduler).expect("a scheduler dead letter");
        assert_eq!((job.as_str(), event.scheduled_time.as_str()), ("nightly", "2026-12-01T02:00:00Z"));
        let lambda = r#"{"version":"1.0","requestContext":{"condition":"RetriesExhausted"},
            "requestPayload":{"job_id":"nightly","scheduled_time":"2026-12-01T02:00:00Z","execution_id":"0190a3c4-0000-7000-8000-000000000001"},
            "responsePayload":{"errorMessage":"store unavailable"}}"#;
        let (_, event) = event_of(lambda).expect("a Lambda failure record");
        assert_eq!(event.execution_id.as_deref(), Some("0190a3c4-0000-7000-8000-000000000001"));
        for unreadable in ["", "not json", r#"{"job_id":"a b","scheduled_time":"x"}"#, r#"{"requestPayload":{}}"#] {
            assert!(event_of(unreadable).is_none(), "{unreadable}");
        }
    }
}
