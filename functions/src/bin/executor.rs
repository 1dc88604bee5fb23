//! The `executor` function: EventBridge Scheduler's target. Runs one fire of a job (or a
//! dispatched run) and records it.

#[tokio::main]
async fn main() -> Result<(), jobsmith_functions::Error> {
    jobsmith_functions::serve_executor().await
}
