//! One operation, served under each of its seed routes:
//! - `GET /openapi.json`
//! - `GET /docs`

#[tokio::main]
async fn main() -> Result<(), jobsmith_lambda::lambda_http::Error> {
    jobsmith_lambda::serve_api_docs().await
}
