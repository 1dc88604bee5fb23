//! The executor: EventBridge Scheduler's target. Runs one fire of a job (or a dispatched run)
//! and records it.

#[tokio::main]
async fn main() -> Result<(), jobsmith_lambda::lambda_http::Error> {
    jobsmith_lambda::serve_executor().await
}
