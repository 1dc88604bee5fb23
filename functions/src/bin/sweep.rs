//! The `sweep` function: on a schedule, fails runs whose executor is gone and re-dispatches
//! retries that were never started.

#[tokio::main]
async fn main() -> Result<(), jobsmith_functions::Error> {
    jobsmith_functions::serve_sweep().await
}
