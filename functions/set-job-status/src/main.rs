//! `PUT /api/v1/scheduler/jobs/{job_id}/status`.

#[tokio::main]
async fn main() -> Result<(), jobsmith_lambda::lambda_http::Error> {
    jobsmith_lambda::serve_http().await
}
