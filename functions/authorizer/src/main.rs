//! The HttpApi request authorizer: checks `X-API-Key` and passes the principal and role on.

#[tokio::main]
async fn main() -> Result<(), jobsmith_lambda::lambda_http::Error> {
    jobsmith_lambda::serve_authorizer().await
}
