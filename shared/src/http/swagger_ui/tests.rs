use std::io::Read;

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode};
use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use super::*;

/// shared/assets/swagger-ui/README.md: swagger-ui-dist 5.17.14's files, unchanged.
const VENDORED: [(&str, &str); 5] = [
    ("/docs/swagger-ui-bundle.js", "c2e4a9ef08144839ff47c14202063ecfe4e59e70a4e7154a26bd50d880c88ba1"),
    ("/docs/swagger-ui-standalone-preset.js", "33b7a6f5afcac4902fdf93281be2d2e12db15f241d384606e6e6d17745b7f86f"),
    ("/docs/swagger-ui.css", "40170f0ee859d17f92131ba707329a88a070e4f66874d11365e9a77d232f6117"),
    ("/docs/favicon-32x32.png", "3ed612f41e050ca5e7000cad6f1cbe7e7da39f65fca99c02e99e6591056e5837"),
    ("/docs/favicon-16x16.png", "af24ad604dd7b3bcda8f975ab973075f4a2f70a4087944a12f8ef8b63a3e07c2"),
];

struct Got {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

async fn get_from(path: &str, accept_encoding: Option<&str>) -> Got {
    let mut request = Request::get(path);
    if let Some(value) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, value);
    }
    let response = crate::http::docs_router().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let body = axum::body::to_bytes(response.into_body(), 8 << 20).await.unwrap().to_vec();
    Got { status, headers, body }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn the_page_loads_our_document_and_only_assets_of_this_server() {
    let redirect = get_from(PAGE_PATH, None).await;
    assert!(redirect.status.is_redirection(), "{}", redirect.status);
    assert_eq!(redirect.headers[header::LOCATION], "/docs/");

    for path in ["/docs/", "/docs/index.html"] {
        let page = get_from(path, Some("gzip")).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let html = String::from_utf8(page.body).unwrap();
        assert!(!html.contains("//"), "the page names no other host: {html}");
        let references: Vec<&str> =
            html.split(['"']).filter(|part| part.starts_with("./")).map(|part| &part["./".len()..]).collect();
        assert_eq!(references.len(), 6, "{references:?}");
        for reference in references {
            let asset = get_from(&format!("/docs/{reference}"), None).await;
            assert_eq!(asset.status, StatusCode::OK, "{reference}");
        }
    }
    let initializer = String::from_utf8(get_from("/docs/swagger-initializer.js", None).await.body).unwrap();
    assert!(initializer.contains(r#"url: "/openapi.json""#), "{initializer}");
    assert!(initializer.contains("validatorUrl: null"), "{initializer}");
}

#[tokio::test]
async fn the_assets_are_the_vendored_files_gzipped_only_for_clients_that_accept_it() {
    for (path, hash) in VENDORED {
        let plain = get_from(path, None).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert_eq!(plain.headers.get(header::CONTENT_ENCODING), None, "{path}");
        assert_eq!(sha256(&plain.body), hash, "{path}: not the vendored file");

        let refused = get_from(path, Some("br, gzip;q=0")).await;
        assert_eq!(refused.headers.get(header::CONTENT_ENCODING), None, "{path}");
        assert_eq!(sha256(&refused.body), hash, "{path}");

        let zipped = get_from(path, Some("gzip, deflate, br")).await;
        assert_eq!(zipped.status, StatusCode::OK, "{path}");
        if path.ends_with(".png") {
            continue;
        }
        assert_eq!(zipped.headers.get(header::CONTENT_ENCODING), Some(&HeaderValue::from_static("gzip")), "{path}");
        assert_eq!(zipped.headers[header::VARY], "accept-encoding", "{path}");
        assert!(
            zipped.body.len() * 3 < plain.body.len(),
            "{path}: {} of {} bytes",
            zipped.body.len(),
            plain.body.len()
        );
        let mut inflated = Vec::new();
        GzDecoder::new(zipped.body.as_slice()).read_to_end(&mut inflated).unwrap();
        assert_eq!(sha256(&inflated), hash, "{path}");
    }
}

#[tokio::test]
async fn anything_else_under_docs_is_not_found() {
    for path in ["/docs/oauth2-redirect.html", "/docs/swagger-ui.js.map", "/docs/../openapi.json", "/docs/nope"] {
        assert_eq!(get_from(path, None).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}
