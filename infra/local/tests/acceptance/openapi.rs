//! `/openapi.json` describes every route the server has, and `/docs` works offline.

use std::collections::BTreeSet;
use std::time::Duration;

use jobsmith::http::documented_path;
use jobsmith::http::routes::{Access, ROUTES};

use crate::support::{Server, bounded};

const LIMIT: Duration = Duration::from_secs(30);

/// The routes that serve the description itself; the document describes the API beside them.
const SELF_ROUTES: [&str; 2] = ["/openapi.json", "/docs"];

#[tokio::test]
async fn openapi_lists_every_route_of_the_table() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let spec = server.get("/openapi.json").await.expect(200);
        assert!(spec["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", spec["openapi"]);
        let paths = spec["paths"].as_object().expect("paths");
        let mut documented = BTreeSet::new();
        for (path, item) in paths {
            for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
                if item.get(method).is_some() {
                    documented.insert((method.to_uppercase(), path.clone()));
                }
            }
        }
        let table: BTreeSet<(String, String)> = ROUTES
            .iter()
            .filter(|route| !SELF_ROUTES.contains(&route.path))
            .map(|route| (route.method.to_owned(), documented_path(route.path)))
            .collect();
        let missing: Vec<_> = table.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&table).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "routes not documented: {missing:?}; documented but not routed: {extra:?}"
        );

        // Public routes say so; the rest need the API key scheme.
        let scheme = &spec["components"]["securitySchemes"]["api_key"];
        assert_eq!(
            (&scheme["type"], &scheme["in"], &scheme["name"]),
            (&"apiKey".into(), &"header".into(), &"X-API-Key".into())
        );
        for route in ROUTES.iter().filter(|r| !SELF_ROUTES.contains(&r.path)) {
            let operation = &spec["paths"][documented_path(route.path)][route.method.to_lowercase()];
            let security = operation.get("security").unwrap_or(&spec["security"]);
            let open = security
                .as_array()
                .is_some_and(|list| list.iter().any(|s| s.as_object().is_some_and(|o| o.is_empty())));
            assert_eq!(open, route.access == Access::Public, "{} {}: security {security}", route.method, route.path);
        }
    })
    .await;
}

#[tokio::test]
async fn docs_page_loads_only_from_the_server() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let page = server.get("/docs").await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.content_type.starts_with("text/html"), "{}", page.content_type);
        let html = page.text;
        assert!(
            !html.contains("http://") && !html.contains("https://") && !html.contains("src=\"//"),
            "external URL in {html}"
        );

        let assets = references(&html);
        assert!(assets.iter().any(|a| a.ends_with(".js")), "no script in {html}");
        assert!(assets.iter().any(|a| a.ends_with(".css")), "no stylesheet in {html}");
        for asset in assets {
            let path = if asset.starts_with('/') {
                asset.clone()
            } else {
                format!("/docs/{}", asset.trim_start_matches("./"))
            };
            let answer = server.get(&path).await;
            assert_eq!(answer.status, 200, "{path}: {}", answer.text);
            if path.ends_with("initializer.js") {
                assert!(answer.text.contains("/openapi.json"), "the page does not load our document: {}", answer.text);
                assert!(!answer.text.contains("petstore"), "{}", answer.text);
            }
        }
    })
    .await;
}

/// The `src` and `href` values of a page.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            if let Some(end) = rest.find('"') {
                found.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
        }
    }
    found
}
