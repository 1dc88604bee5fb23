//! `/docs`: the OpenAPI document (`/openapi.json`) in Swagger UI. Only the files the page loads
//! are embedded (shared/assets/swagger-ui), the big ones gzipped, and all of them are served from
//! here, so the page works offline and tells no other host who reads it.

use axum::Router;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;

use super::gzipped::Gzipped;

pub const PAGE_PATH: &str = "/docs";

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>jobsmith API</title>
<link rel="stylesheet" type="text/css" href="./swagger-ui.css">
<link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="./favicon-16x16.png" sizes="16x16">
<style>
html { box-sizing: border-box; overflow-y: scroll; }
*, *:before, *:after { box-sizing: inherit; }
body { margin: 0; background: #fafafa; }
</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="./swagger-ui-bundle.js" charset="UTF-8"></script>
<script src="./swagger-ui-standalone-preset.js" charset="UTF-8"></script>
<script src="./swagger-initializer.js" charset="UTF-8"></script>
</body>
</html>
"#;

/// The layout, presets and plugin are those the page had when utoipa-swagger-ui served it.
/// `validatorUrl: null` keeps Swagger UI from showing a badge fetched from validator.swagger.io,
/// which would hand that host the document's address.
const INITIALIZER: &str = r##"window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
  });
};
"##;

const BUNDLE: Gzipped = Gzipped {
    content_type: "text/javascript; charset=utf-8",
    gzip: include_bytes!(concat!(env!("OUT_DIR"), "/swagger-ui-bundle.js.gz")),
};
const PRESET: Gzipped = Gzipped {
    content_type: "text/javascript; charset=utf-8",
    gzip: include_bytes!(concat!(env!("OUT_DIR"), "/swagger-ui-standalone-preset.js.gz")),
};
const STYLESHEET: Gzipped = Gzipped {
    content_type: "text/css; charset=utf-8",
    gzip: include_bytes!(concat!(env!("OUT_DIR"), "/swagger-ui.css.gz")),
};
const ICON_32: &[u8] = include_bytes!("../../assets/swagger-ui/favicon-32x32.png");
const ICON_16: &[u8] = include_bytes!("../../assets/swagger-ui/favicon-16x16.png");

/// `/docs` itself redirects to `/docs/`, so that the page's relative references resolve under it
/// (as they did with utoipa-swagger-ui). `/docs/index.html` names the page too: API Gateway's
/// `/docs/{proxy+}` route may not receive the bare `/docs/` (docs/aws.md).
pub(super) fn routes() -> Router {
    Router::new()
        .route(PAGE_PATH, get(|| async { Redirect::to("/docs/") }))
        .route("/docs/", get(page))
        .route("/docs/index.html", get(page))
        .route("/docs/swagger-initializer.js", get(initializer))
        .route("/docs/swagger-ui-bundle.js", get(|headers: HeaderMap| async move { BUNDLE.respond(&headers) }))
        .route(
            "/docs/swagger-ui-standalone-preset.js",
            get(|headers: HeaderMap| async move { PRESET.respond(&headers) }),
        )
        .route("/docs/swagger-ui.css", get(|headers: HeaderMap| async move { STYLESHEET.respond(&headers) }))
        .route("/docs/favicon-32x32.png", get(|| async { icon(ICON_32) }))
        .route("/docs/favicon-16x16.png", get(|| async { icon(ICON_16) }))
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

async fn initializer() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], INITIALIZER).into_response()
}

fn icon(png: &'static [u8]) -> Response {
    ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "public, max-age=86400")], png).into_response()
}

#[cfg(test)]
mod tests;
