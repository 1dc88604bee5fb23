//! `PUT /api/resume-job/{job_id}`.

#[tokio::main]
async fn main() -> Result<(), jobsmith_lambda::lambda_http::Error> {
    jobsmith_lambda::serve_http().await
}
