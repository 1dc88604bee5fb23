//! The machine's limit for jobsmith's HTTP stack, measured beside it by bench/run.sh: axum on a
//! multi-threaded tokio runtime answering `GET /api/job/{id}` with the very bytes jobsmith's
//! handler gives for a job. Nothing is looked up, decoded, authorised or recorded, so whatever
//! jobsmith's get costs beyond this is jobsmith's own.
//!
//!   bench-floor BIND BODY_FILE

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::routing::get;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(bind), Some(body_file)) = (args.next(), args.next()) else {
        return Err("usage: bench-floor BIND BODY_FILE".into());
    };
    let body: &'static [u8] = std::fs::read(body_file)?.leak();
    let app = Router::new().route(
        "/api/job/{id}",
        get(move |Path(_id): Path<String>| async move { ([(header::CONTENT_TYPE, "application/json")], body) }),
    );
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
