use std::collections::BTreeSet;

use utoipa::openapi::path::PathItem;
use utoipa_axum::router::OpenApiRouter;

use super::*;

fn operations(router: OpenApiRouter<AppState>) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in router.into_openapi().paths.paths {
        let PathItem { get, put, post, delete, options, head, patch, trace, .. } = item;
        for (method, operation) in [
            ("GET", get),
            ("PUT", put),
            ("POST", post),
            ("DELETE", delete),
            ("OPTIONS", options),
            ("HEAD", head),
            ("PATCH", patch),
            ("TRACE", trace),
        ] {
            if operation.is_some() {
                found.insert((method.to_owned(), path.clone()));
            }
        }
    }
    found
}

fn table(filter: impl Fn(&RouteSpec) -> bool) -> BTreeSet<(String, String)> {
    ROUTES.iter().filter(|r| filter(r)).map(|r| (r.method.to_owned(), r.path.to_owned())).collect()
}

/// utoipa keys components by the type's name alone: two types of one name in two families would
/// leave one family's routes described by the other's type. Each function's document holds only
/// its own types, so a name that means two things shows as two different components.
#[test]
fn no_two_families_share_a_component_name() {
    let mut seen: std::collections::BTreeMap<String, (&str, serde_json::Value)> = Default::default();
    for (name, routes) in documented::every() {
        let components = routes().into_openapi().components.unwrap_or_default();
        for (schema, body) in components.schemas {
            let body = serde_json::to_value(body).unwrap();
            match seen.get(&schema) {
                Some((first, earlier)) => {
                    assert_eq!(earlier, &body, "{schema} of {first} and {schema} of {name} are different types")
                }
                None => {
                    seen.insert(schema, (name, body));
                }
            }
        }
    }
}

#[test]
fn every_route_is_listed_once() {
    let routes: Vec<_> = every_route().collect();
    for (i, a) in routes.iter().enumerate() {
        for b in &routes[i + 1..] {
            assert!(!(a.method == b.method && a.path == b.path), "{} {} twice", a.method, a.path);
        }
    }
}

#[test]
fn each_function_mounts_exactly_its_routes_with_the_methods_and_paths_of_the_table() {
    let functions = documented::every();
    for (name, routes) in functions {
        let expected = table(|r| r.function == name);
        assert!(!expected.is_empty(), "{name} serves nothing");
        assert_eq!(operations(routes()), expected, "the handlers' #[utoipa::path] of {name} disagree with the table");
    }
}

#[test]
fn all_mounts_every_api_route_and_the_functions_cover_the_table() {
    assert_eq!(operations(documented::all()), table(|_| true));
    let named: BTreeSet<_> = function::every().into_iter().map(|(name, _)| name).collect();
    let documented: BTreeSet<_> = documented::every().into_iter().map(|(name, _)| name).collect();
    assert_eq!(named, documented);
    let used: BTreeSet<_> = ROUTES.iter().map(|r| r.function).collect();
    assert_eq!(named, used);
}

#[test]
fn health_and_documents_are_public_and_bulk_delete_needs_admin() {
    assert_eq!(access_for(&Method::GET, "/api/health"), Some(Public));
    assert_eq!(access_for(&Method::GET, "/openapi.json"), Some(Public));
    assert_eq!(access_for(&Method::DELETE, "/api/jobs/all"), Some(Requires(Admin)));
    assert_eq!(access_for(&Method::GET, "/api/v1/scheduler/jobs"), Some(Requires(Viewer)));
    assert_eq!(access_for(&Method::PATCH, "/api/v1/scheduler/jobs"), None);
    assert_eq!(access_for(&Method::GET, "/docs/{*rest}"), None, "the page's assets are not API routes");
}

#[test]
fn head_needs_what_get_needs() {
    assert_eq!(access_for(&Method::HEAD, "/api/health"), Some(Public));
    assert_eq!(access_for(&Method::HEAD, "/docs"), Some(Public));
    assert_eq!(access_for(&Method::HEAD, "/api/v1/scheduler/jobs/{job_id}"), Some(Requires(Viewer)));
    assert_eq!(access_for(&Method::HEAD, "/api/schedule-job"), None, "no GET, no HEAD");
    assert_eq!(access_for(&Method::HEAD, "/api/jobs/all"), None);
}
