//! The `api-docs` function: `/openapi.json` and the browsable page at `/docs`.

#[tokio::main]
async fn main() -> Result<(), jobsmith_functions::Error> {
    jobsmith_functions::serve_api_docs().await
}
