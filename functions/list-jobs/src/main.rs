//! One operation, served under each of its seed routes:
//! - `GET /api/jobs`
//! - `GET /api/v1/scheduler/jobs`

#[tokio::main]
async fn main() -> Result<(), jobsmith_lambda::lambda_http::Error> {
    jobsmith_lambda::serve_http().await
}
