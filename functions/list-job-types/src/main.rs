//! `GET /api/v1/scheduler/job-types`.

#[tokio::main]
async fn main() -> Result<(), jobsmith_lambda::lambda_http::Error> {
    jobsmith_lambda::serve_static_http().await
}
