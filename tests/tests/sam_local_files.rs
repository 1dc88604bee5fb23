//! What `sam local` is handed (`infra/aws/local`, docs/aws.md "sam local"). Docker is not on these
//! machines, so the files are checked here and the same functions run another way:
//!
//! - env.json has an entry for every function of template.yaml, and only variables the template
//!   declares for that function (SAM's `--env-vars` overrides nothing else) and that jobsmith
//!   reads; with it, every function's configuration is complete and aimed at the emulators;
//! - every event is its function's input: HTTP events decode as the runtime decodes them, on one
//!   of that function's template routes, with the authorizer's context where the route has one;
//! - on a moto prepared by `setup.sh`, each function's code answers its event
//!   (`sam_local_watch.rs` does it with the real binaries under `cargo lambda watch`).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use jobsmith::adapters::aws::app::{AwsConfig, vars};
use jobsmith::adapters::aws::sdk::{self, lambda_vars};
use jobsmith_functions::lambda_http::aws_lambda_events::apigw::{
    ApiGatewayV2CustomAuthorizerV2Request, ApiGatewayV2httpRequest,
};
use jobsmith_functions::lambda_http::request::{RequestContext, from_str};
use jobsmith_functions::lambda_http::{RequestExt, http::Method};
use jobsmith_functions::{KeySource, RedriveRequest, ScheduledRun, authorizer_principal, key_source};
use jobsmith_tests::sam_local::{EnvVars, HTTP_IN_ORDER, SHARED, event, event_names, resolved};
use jobsmith_tests::template::{Function, Node, Route, functions, template};
use serde_json::Value;

const AUTHORIZER: &str = "authorizer";
const EXECUTOR: &str = "executor";
const SWEEP: &str = "sweep";
const REDRIVE: &str = "redrive";
const CREATE_JOB: &str = "create-job";

/// Starts the function's configuration from `env` as its binary does, and says which variables
/// that read.
fn configure(function: &Function, env: &BTreeMap<String, String>) -> BTreeSet<String> {
    let read = RefCell::new(BTreeSet::new());
    let lookup = |name: &str| {
        read.borrow_mut().insert(name.to_owned());
        env.get(name).cloned()
    };
    let name = &function.logical_id;
    sdk::from_lambda_environment(lookup).unwrap_or_else(|e| panic!("{name}: {e}"));
    if function.binary == AUTHORIZER {
        let source = key_source(lookup).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(matches!(source, KeySource::Parameter(_)), "{name}: the keys come from their parameter, as on AWS");
    } else {
        AwsConfig::from_env(lookup).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    if function.binary == REDRIVE {
        // The redrive function reads the queue's URL itself (`serve_redrive`).
        let url = lookup(vars::DLQ_URL).unwrap_or_default();
        let moto = &env[lambda_vars::ENDPOINT_URL];
        assert!(url.starts_with(moto.as_str()), "{name}: the queue {url} is not on {moto}");
    }
    read.into_inner()
}

#[test]
fn env_json_covers_every_function_with_variables_the_template_declares() {
    let template = template();
    let parameters = template.get("Parameters").expect("Parameters");
    let functions = functions(&template);
    let env = EnvVars::read();

    let ids: BTreeSet<&str> = functions.iter().map(|f| f.logical_id.as_str()).collect();
    let entries: BTreeSet<&str> = env.functions.keys().map(String::as_str).collect();
    assert_eq!(entries, ids, "env.json's entries besides {SHARED} (left) and template.yaml's functions (right)");

    // The variables the template declares for local runs (literals in Globals, empty or off on
    // AWS): without one a local run reaches AWS itself, or hands runs to a schedule moto never fires.
    let globals = template.get_path(&["Globals", "Function", "Environment", "Variables"]).expect("Globals' variables");
    for (var, value) in globals.entries() {
        if matches!(value, Node::Scalar(_)) {
            assert!(env.shared.contains_key(var), "env.json's {SHARED} leaves {var} as on AWS");
        }
    }

    let mut read = BTreeSet::new();
    for function in &functions {
        let name = &function.logical_id;
        for var in env.functions.get(name).into_iter().flat_map(BTreeMap::keys) {
            assert!(
                function.variables.contains_key(var),
                "{name}: env.json sets {var}, which template.yaml does not declare for it, so sam local would ignore it"
            );
        }
        let resolved = resolved(function, &env, parameters);
        let endpoint = resolved.get(lambda_vars::ENDPOINT_URL).filter(|url| !url.is_empty());
        assert!(endpoint.is_some(), "{name}: without {} a local run talks to AWS", lambda_vars::ENDPOINT_URL);
        read.extend(configure(function, &resolved));
    }
    // SAM gives a function those of the shared variables it declares (JOBSMITH_EXECUTOR_ARN: the
    // functions that start runs): each must be declared somewhere.
    for var in env.shared.keys() {
        assert!(
            functions.iter().any(|f| f.variables.contains_key(var)),
            "env.json's {SHARED} sets {var}, which template.yaml declares for no function"
        );
    }
    let set: BTreeSet<&String> = env.shared.keys().chain(env.functions.values().flat_map(|vars| vars.keys())).collect();
    for var in set {
        assert!(read.contains(var), "env.json sets {var}, which no function reads");
    }

    // `sam local start-lambda` knows functions by logical id (or name); the run's invoke names it.
    let executor = functions.iter().find(|f| f.binary == EXECUTOR).expect("the executor");
    let arn = &env.shared[vars::EXECUTOR_ARN];
    assert_eq!(arn.rsplit(':').next(), Some(executor.logical_id.as_str()), "{arn} names the executor's logical id");
}

#[test]
fn every_event_is_its_functions_input() {
    let functions = functions(&template());
    let binaries: Vec<String> = {
        let mut names: Vec<String> = functions.iter().map(|f| f.binary.clone()).collect();
        names.sort();
        names
    };
    assert_eq!(event_names(), binaries, "events/*.json (left) and template.yaml's functions (right)");
    for function in &functions {
        let event = event(&function.binary);
        match function.binary.as_str() {
            AUTHORIZER => check_authorizer_event(&event, &functions),
            EXECUTOR => {
                let run: ScheduledRun = serde_json::from_value(event.clone()).expect("the executor's event");
                assert_eq!(serde_json::to_value(&run).expect("JSON"), event, "executor.json holds nothing else");
                let created = self::event(CREATE_JOB);
                let body: Value = serde_json::from_str(created["body"].as_str().expect("a body")).expect("JSON");
                assert_eq!(body["id"], run.job_id.as_str(), "the executor fires the job create-job.json creates");
            }
            SWEEP => assert!(event.is_object(), "the sweep reads no event, but Lambda sends one"),
            REDRIVE => {
                let _: RedriveRequest = serde_json::from_value(event.clone()).expect("the redrive's event");
                let fields: Vec<&String> = event.as_object().expect("an object").keys().collect();
                assert!(fields.iter().all(|f| *f == "max_messages"), "redrive.json: {fields:?}");
            }
            _ => check_http_event(function, &event),
        }
    }
}

fn check_http_event(function: &Function, event: &Value) {
    let name = &function.binary;
    let typed: ApiGatewayV2httpRequest =
        serde_json::from_value(event.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let route_key = typed.route_key.clone().unwrap_or_default();
    let keys: Vec<String> = function.routes.iter().map(Route::key).collect();
    let route = function
        .routes
        .iter()
        .find(|r| r.key() == route_key)
        .unwrap_or_else(|| panic!("{name}: routeKey {route_key:?} is none of its routes {keys:?}"));
    let raw_path = typed.raw_path.clone().unwrap_or_default();
    assert_eq!(raw_path, fill(&route.path, &typed.path_parameters, name), "{name}: rawPath and pathParameters");
    let context = &typed.request_context;
    assert_eq!(context.route_key.as_deref(), Some(route_key.as_str()), "{name}: requestContext.routeKey");
    assert_eq!(context.http.method, Method::from_bytes(route.method.as_bytes()).expect("a method"), "{name}");
    assert_eq!(context.http.path.as_deref(), Some(raw_path.as_str()), "{name}: requestContext.http.path");
    if let Some(body) = &typed.body {
        assert!(!typed.is_base64_encoded, "{name}: a JSON body, as written");
        serde_json::from_str::<Value>(body).unwrap_or_else(|e| panic!("{name}: the body is not JSON: {e}"));
        let content_type = typed.headers.get("content-type").and_then(|v| v.to_str().ok());
        assert_eq!(content_type, Some("application/json"), "{name}: content-type");
    }

    // As the runtime decodes it: an HttpApi request, with the authorizer's principal where the
    // route has the authorizer.
    let request = from_str(&event.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        matches!(request.extensions().get::<RequestContext>(), Some(RequestContext::ApiGatewayV2(_))),
        "{name}: decoded as another kind of event"
    );
    let principal = authorizer_principal(request.extensions());
    assert_eq!(principal.is_some(), !route.public, "{name}: the authorizer's context on {route_key}, if any");
    assert_eq!(request.raw_http_path(), raw_path, "{name}");
}

/// `path` with each `{name}` and `{name+}` replaced by its parameter, which must all be given.
fn fill(path: &str, parameters: &std::collections::HashMap<String, String>, function: &str) -> String {
    let mut used = BTreeSet::new();
    let filled: Vec<String> = path
        .split('/')
        .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let name = name.trim_end_matches('+');
                used.insert(name.to_owned());
                parameters.get(name).cloned().unwrap_or_else(|| panic!("{function}: no pathParameters.{name}"))
            }
            None => segment.to_owned(),
        })
        .collect();
    let given: BTreeSet<String> = parameters.keys().cloned().collect();
    assert_eq!(given, used, "{function}: pathParameters (left) and the route's (right)");
    filled.join("/")
}

fn check_authorizer_event(event: &Value, functions: &[Function]) {
    let typed: ApiGatewayV2CustomAuthorizerV2Request =
        serde_json::from_value(event.clone()).unwrap_or_else(|e| panic!("authorizer: {e}"));
    let key = typed.headers.get("x-api-key").and_then(|v| v.to_str().ok()).expect("authorizer: an x-api-key header");
    assert_eq!(typed.identity_source.as_deref(), Some([key.to_owned()].as_slice()), "its identity source is the key");
    let route_key = typed.route_key.clone().unwrap_or_default();
    let guarded = functions.iter().flat_map(|f| &f.routes).any(|r| r.key() == route_key && !r.public);
    assert!(guarded, "authorizer: {route_key:?} is no route behind the authorizer");
}

/// Samples that name what no sample creates (an id the server generates, a scraped video, a
/// stored file or clip): their function looks and answers 404. docs/aws.md says how to aim them.
const NAME_WHAT_NO_SAMPLE_CREATES: [&str; 13] = [
    "get-scheduled-scrape",
    "update-scheduled-scrape",
    "toggle-scheduled-scrape",
    "delete-scheduled-scrape",
    "get-scrape-job",
    "cancel-scrape-job",
    "delete-scrape-job",
    "get-video",
    "pin-video",
    "retry-video",
    "delete-video",
    "delete-clip",
    "get-file",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_function_answers_its_event_on_a_moto_set_up_by_the_script() {
    use jobsmith::adapters::aws::app::{AwsApp, Reach};
    use jobsmith::http::routes::function;
    use jobsmith_functions::lambda_http::tower::ServiceExt;
    use jobsmith_functions::{authorize, http_router};
    use jobsmith_tests::function_reach::{DeclaredReach, declared_reach};

    let moto = jobsmith_tests::moto::MotoServer::start().await;
    jobsmith_tests::sam_local::setup(moto.endpoint()).await;
    let template = template();
    let parameters = template.get("Parameters").expect("Parameters");
    let env = EnvVars::read();
    let functions = functions(&template);
    let on_moto = |function: &Function| {
        let mut vars = EnvVars::pointed_at(&resolved(function, &env, parameters), moto.endpoint());
        // moto refuses the invoke at once (it has no such function), so a run takes its
        // schedule as it does when `sam local start-lambda` is not running.
        vars.insert(vars::LAMBDA_ENDPOINT.to_owned(), moto.endpoint().to_owned());
        vars
    };

    // The authorizer, on the keys setup.sh wrote, passes the sample key with the context the
    // HTTP samples carry.
    let authorizer = functions.iter().find(|f| f.binary == AUTHORIZER).expect("the authorizer");
    let vars = on_moto(authorizer);
    let keys = key_source(|name| vars.get(name).cloned()).expect("the key source").keys().await;
    let answer = authorize(&keys, serde_json::from_value(event(AUTHORIZER)).expect("the authorizer's event"));
    assert!(answer.is_authorized, "the sample key is refused: {answer:?}");
    let http: Vec<&Function> = functions.iter().filter(|f| !f.routes.is_empty()).collect();
    for function in &http {
        let sample = event(&function.binary);
        let context = &sample["requestContext"]["authorizer"]["lambda"];
        assert!(
            context.is_null() || *context == answer.context,
            "{}: {context} is not {}",
            function.binary,
            answer.context
        );
    }

    let names: BTreeSet<&str> = http.iter().map(|f| f.binary.as_str()).collect();
    assert_eq!(
        HTTP_IN_ORDER.iter().copied().collect::<BTreeSet<_>>(),
        names,
        "HTTP_IN_ORDER (left), HTTP functions (right)"
    );
    let mut wrong = Vec::new();
    for name in HTTP_IN_ORDER {
        let function = http.iter().find(|f| f.binary == name).expect("listed");
        let vars = on_moto(function);
        let lookup = |var: &str| vars.get(var).cloned();
        // As its binary wires it; api-docs builds no app, and any will do for its router.
        let reach = declared_reach(name).map_or_else(Reach::table, DeclaredReach::reach);
        let app = AwsApp::load_in_lambda(AwsConfig::from_env(lookup).expect("config"), lookup, reach).expect("clients");
        let router = match function::every().into_iter().find(|(n, _)| *n == name) {
            Some((_, routes)) => http_router(&app, routes),
            None => jobsmith::http::docs_router(),
        };
        let request = from_str(&event(name).to_string()).expect("an HttpApi event");
        let response = router.oneshot(request).await.expect("infallible");
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 16 << 20).await.expect("the body");
        let expected =
            if NAME_WHAT_NO_SAMPLE_CREATES.contains(&name) { status == 404 } else { (200..300).contains(&status) };
        if !expected {
            wrong.push(format!("{name}: {status} {}", String::from_utf8_lossy(&bytes[..bytes.len().min(300)])));
        }
    }
    assert!(wrong.is_empty(), "answers the samples should not get:\n{}", wrong.join("\n"));
}
