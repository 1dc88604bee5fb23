//! The `pin-video` function: the routes the route table (shared/src/http/routes.rs) gives it.

use jobsmith::adapters::aws::app::Reach;
use jobsmith::http::routes::function;

#[tokio::main]
async fn main() -> Result<(), jobsmith_functions::Error> {
    jobsmith_functions::serve_http(function::pin_video, Reach::table()).await
}
