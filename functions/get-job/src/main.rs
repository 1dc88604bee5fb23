//! One operation, served under each of its seed routes:
//! - `GET /api/job/{job_id}`
//! - `GET /api/v1/scheduler/jobs/{job_id}`

#[tokio::main]
async fn main() -> Result<(), jobsmith_lambda::lambda_http::Error> {
    jobsmith_lambda::serve_http().await
}
