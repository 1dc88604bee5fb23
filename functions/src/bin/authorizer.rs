//! The `authorizer` function: the HttpApi request authorizer. Checks `X-API-Key` and passes the
//! principal and role on.

#[tokio::main]
async fn main() -> Result<(), jobsmith_functions::Error> {
    jobsmith_functions::serve_authorizer().await
}
