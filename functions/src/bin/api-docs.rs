//! The `api-docs` function: `/openapi.json` and the browsable pages at `/docs` and `/redoc`.

#[tokio::main]
async fn main() -> Result<(), jobsmith_functions::Error> {
    jobsmith_functions::serve_api_docs().await
}
