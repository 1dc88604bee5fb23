//! The 429 in the OpenAPI document of every route the limit covers, since the layer answers it
//! in front of each of their handlers.

use utoipa::openapi::OpenApi;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Ref, Type};

use super::is_limited;

/// Adds the 429 to the document's limited operations.
pub(in crate::http) struct DocumentedLimit;

impl DocumentedLimit {
    pub fn add_to(openapi: &mut OpenApi) {
        for (_, item) in openapi.paths.paths.iter_mut().filter(|(path, _)| is_limited(path)) {
            let operations =
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.head];
            for operation in operations.into_iter().flatten() {
                add_429(operation);
            }
        }
    }
}

fn add_429(operation: &mut Operation) {
    let retry_after = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)))
        .description(Some("Seconds until the caller's next request can get through"))
        .build();
    let response = ResponseBuilder::new()
        .description("Rate limit exceeded: too many requests from this API key (or, without one, this address)")
        .header("Retry-After", retry_after)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("DetailBody"))).build())
        .build();
    operation.responses.responses.entry("429".to_owned()).or_insert(response.into());
}
