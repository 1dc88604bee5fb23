//! `template.yaml` against the route table: the table in `shared/src/http/routes.rs` is the single
//! source of the API's routes, and the SAM template has to say exactly the same thing.
//!
//! - every route is an `HttpApi` event, with the same method and path, on the function the table
//!   names, and the template has no other route (bar the `/docs` page's assets);
//! - the API key authorizer guards exactly the routes that are not public;
//! - every function binary (`functions/src/bin/<name>.rs`) is a function of the template built
//!   as that binary, and every function of the template is such a binary;
//! - a function that serves only reads can only read the table, and schedules and the scheduler's
//!   role are fenced in;
//! - every function gets the configuration `AwsConfig::from_env` reads;
//! - the executor runs on the python runtime as its exec wrapper, with the task runtime's layers,
//!   and the functions that check script paths see the same scripts;
//! - the table is the one the DynamoDB store creates for itself (on moto).
//!
//! The template is read with serde_yaml_ng into the small tree of `jobsmith_tests::template`,
//! which keeps short tags (`!Ref`, `!GetAtt`, `!Sub`) as tagged nodes and scalars as their text.

use std::collections::{BTreeMap, BTreeSet};

use jobsmith::adapters::aws::app::vars;
use jobsmith::http::routes::{Access, every_route};
use jobsmith_tests::function_reach::declared_reach;
use jobsmith_tests::template::{Node, root, template, yaml};

/// The one route the template has that the table does not: API Gateway's catch-all for the
/// browsable page's assets (`/docs/index.html`, `/docs/swagger-ui.css`, ...), which axum serves as
/// `/docs/{*rest}`, public like `/docs` itself (the documents are mounted outside the auth layer).
const DOCS_ASSETS: (&str, &str, &str) = ("GET", "/docs/{proxy+}", "api-docs");

/// Functions that serve no route: EventBridge Scheduler's target and the authorizer.
const NON_HTTP_FUNCTIONS: [&str; 4] = [EXECUTOR, "authorizer", "sweep", "redrive"];
const EXECUTOR: &str = "executor";
/// Lambda's python bootstrap execs this variable's program instead of starting python.
const EXEC_WRAPPER: &str = "AWS_LAMBDA_EXEC_WRAPPER";

const AUTHORIZER: &str = "ApiKeyAuthorizer";
const NO_AUTHORIZER: &str = "NONE";

/// One function of the template, by the crate it is built from.
struct Function<'a> {
    logical_id: &'a str,
    name: String,
    properties: &'a Node,
}

fn functions(template: &Node) -> Vec<Function<'_>> {
    let resources = template.get("Resources").expect("Resources");
    let mut found = Vec::new();
    for (logical_id, resource) in resources.entries() {
        if resource.get("Type").and_then(Node::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        let properties = resource.get("Properties").unwrap_or_else(|| panic!("{logical_id} has no Properties"));
        let name = binary_of(logical_id, resource, properties);
        found.push(Function { logical_id, name, properties });
    }
    found
}

/// `sam build` builds the function with cargo-lambda as binary `BuildProperties.Binary` of the one
/// functions package (`CodeUri: functions`). The executor's Makefile does the same by hand (see
/// [`the_executor_is_the_python_runtimes_exec_wrapper`]).
fn binary_of(logical_id: &str, resource: &Node, properties: &Node) -> String {
    assert_eq!(properties.get("CodeUri").and_then(Node::as_str), Some("functions"), "{logical_id}: CodeUri");
    let metadata = resource.get("Metadata").unwrap_or_else(|| panic!("{logical_id} has no Metadata"));
    // SAM hands `BuildProperties.Binary` to cargo-lambda as the binary to build and copy; without
    // it, a package with many binaries fails at the copy.
    let binary = metadata
        .get_path(&["BuildProperties", "Binary"])
        .and_then(Node::as_str)
        .unwrap_or_else(|| panic!("{logical_id}: Metadata.BuildProperties.Binary names the function's binary"))
        .to_owned();
    let method = if binary == EXECUTOR { "makefile" } else { "rust-cargolambda" };
    assert_eq!(metadata.get("BuildMethod").and_then(Node::as_str), Some(method), "{logical_id}: Metadata.BuildMethod");
    binary
}

/// What one `HttpApi` event says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    method: String,
    path: String,
    function: String,
    authorizer: String,
}

fn template_routes(template: &Node) -> Vec<Route> {
    let default_authorizer = http_api(template)
        .get_path(&["Properties", "Auth", "DefaultAuthorizer"])
        .and_then(Node::as_str)
        .unwrap_or(NO_AUTHORIZER);
    let mut routes = Vec::new();
    for function in functions(template) {
        let Some(events) = function.properties.get("Events") else { continue };
        // The non-HTTP functions' own events are checked in `every_function_binary_is_a_template_function_and_back`.
        if NON_HTTP_FUNCTIONS.contains(&function.name.as_str()) {
            continue;
        }
        for (event_id, event) in events.entries() {
            let kind = event.get("Type").and_then(Node::as_str);
            assert_eq!(kind, Some("HttpApi"), "{}.{event_id}: only HttpApi events are expected", function.logical_id);
            let properties = event.get("Properties").unwrap_or_else(|| panic!("{event_id} has no Properties"));
            let field = |name: &str| {
                properties
                    .get(name)
                    .and_then(Node::as_str)
                    .unwrap_or_else(|| panic!("{}.{event_id} has no {name}", function.logical_id))
                    .to_owned()
            };
            assert_eq!(
                properties.get("ApiId"),
                Some(&Node::tagged("!Ref", "HttpApi")),
                "{}.{event_id}: every route belongs to the one HttpApi",
                function.logical_id
            );
            let authorizer = properties
                .get_path(&["Auth", "Authorizer"])
                .map(|a| a.as_str().expect("Auth.Authorizer is a name").to_owned())
                .unwrap_or_else(|| default_authorizer.to_owned());
            routes.push(Route {
                method: field("Method").to_ascii_uppercase(),
                path: field("Path"),
                function: function.name.clone(),
                authorizer,
            });
        }
    }
    routes
}

fn http_api(template: &Node) -> &Node {
    let resources = template.get("Resources").expect("Resources");
    let apis: Vec<_> = resources
        .entries()
        .filter(|(_, r)| r.get("Type").and_then(Node::as_str) == Some("AWS::Serverless::HttpApi"))
        .collect();
    assert_eq!(apis.len(), 1, "the template has exactly one HttpApi");
    assert_eq!(apis[0].0, "HttpApi", "the HttpApi's logical id");
    apis[0].1
}

fn expected_routes() -> Vec<Route> {
    let mut routes: Vec<Route> = every_route()
        .map(|r| Route {
            method: r.method.to_owned(),
            path: api_gateway_path(r.path),
            function: r.function.to_owned(),
            authorizer: match r.access {
                Access::Public => NO_AUTHORIZER,
                Access::Requires(_) => AUTHORIZER,
            }
            .to_owned(),
        })
        .collect();
    let (method, path, function) = DOCS_ASSETS;
    routes.push(Route {
        method: method.into(),
        path: path.into(),
        function: function.into(),
        authorizer: NO_AUTHORIZER.into(),
    });
    routes
}

/// axum's greedy `{*key}` is API Gateway's `{key+}`.
fn api_gateway_path(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment.strip_prefix("{*").and_then(|s| s.strip_suffix('}')) {
            Some(name) => format!("{{{name}+}}"),
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn the_template_has_exactly_the_route_tables_routes() {
    let template = template();
    let actual = template_routes(&template);
    let expected = expected_routes();

    let mut seen = BTreeSet::new();
    for route in &actual {
        assert!(seen.insert((&route.method, &route.path)), "{} {} is in the template twice", route.method, route.path);
    }
    let actual: BTreeSet<_> = actual.into_iter().collect();
    let expected: BTreeSet<_> = expected.into_iter().collect();
    let missing: Vec<_> = expected.difference(&actual).collect();
    let extra: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "template.yaml and the route table disagree.\n  in the table, not (so) in the template: {missing:#?}\n  in the template, not (so) in the table: {extra:#?}"
    );
}

#[test]
fn the_authorizer_checks_the_api_key_header_of_every_request() {
    let template = template();
    let auth = http_api(&template).get_path(&["Properties", "Auth"]).expect("HttpApi Auth");
    assert_eq!(auth.get("DefaultAuthorizer").and_then(Node::as_str), Some(AUTHORIZER), "routes are closed by default");
    let authorizer = auth.get_path(&["Authorizers", AUTHORIZER]).expect("the ApiKeyAuthorizer");
    assert_eq!(authorizer.get("FunctionArn"), Some(&Node::tagged("!GetAtt", "AuthorizerFunction.Arn")));
    assert_eq!(authorizer.get("AuthorizerPayloadFormatVersion").and_then(Node::as_str), Some("2.0"));
    assert_eq!(authorizer.get("EnableSimpleResponses").and_then(Node::as_str), Some("true"));
    let headers = authorizer.get_path(&["Identity", "Headers"]).expect("Identity.Headers");
    assert_eq!(headers.items().iter().filter_map(Node::as_str).collect::<Vec<_>>(), ["X-API-Key"]);
    let cache: u32 = authorizer
        .get_path(&["Identity", "ReauthorizeEvery"])
        .and_then(Node::as_str)
        .and_then(|s| s.parse().ok())
        .expect("Identity.ReauthorizeEvery, in seconds");
    assert!(cache <= 300, "authorizer caching is off or short, not {cache} s");
}

#[test]
fn every_function_binary_is_a_template_function_and_back() {
    let template = template();
    let in_template: BTreeMap<String, &str> =
        functions(&template).into_iter().map(|f| (f.name.clone(), f.logical_id)).collect();
    assert_eq!(in_template.len(), functions(&template).len(), "two template functions built as one binary");

    let binaries = function_binaries();
    let template_names: BTreeSet<&String> = in_template.keys().collect();
    let binary_names: BTreeSet<&String> = binaries.iter().collect();
    assert_eq!(
        template_names, binary_names,
        "template functions (left) and binaries functions/src/bin/<name>.rs (right)"
    );

    let mut from_routes: BTreeSet<&str> = every_route().map(|r| r.function).collect();
    from_routes.extend(NON_HTTP_FUNCTIONS);
    assert_eq!(
        template_names.iter().map(|s| s.as_str()).collect::<BTreeSet<_>>(),
        from_routes,
        "template functions (left) and the route table's functions plus {NON_HTTP_FUNCTIONS:?} (right)"
    );
    for name in NON_HTTP_FUNCTIONS {
        let function = functions(&template).into_iter().find(|f| f.name == name).expect("present");
        let events: Vec<(&str, &Node)> =
            function.properties.get("Events").map(|e| e.entries().collect()).unwrap_or_default();
        if name == "sweep" {
            // Its own schedule, and nothing else.
            let kinds: Vec<String> = events.iter().map(|(_, event)| text(event, "Type")).collect();
            assert_eq!(kinds, ["ScheduleV2"], "the sweep runs on a schedule of its own");
        } else {
            assert!(events.is_empty(), "{name} serves no route");
        }
    }
}

/// The binaries of the functions package: cargo builds one per file in `functions/src/bin`.
fn function_binaries() -> Vec<String> {
    let dir = root().join("functions/src/bin");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            names.push(path.file_stem().expect("a file name").to_string_lossy().into_owned());
        }
    }
    names.sort();
    names
}

/// Read functions read the table and nothing else; only functions that change jobs may write it
/// or touch schedules. Derived from the routes' methods, so a new read route cannot quietly get
/// write rights.
#[test]
fn a_function_that_only_reads_can_only_read_the_table() {
    let template = template();
    let routes = template_routes(&template);
    for function in functions(&template) {
        let methods: BTreeSet<&str> =
            routes.iter().filter(|r| r.function == function.name).map(|r| r.method.as_str()).collect();
        if methods.is_empty() {
            continue;
        }
        let policies = policy_names(function.properties);
        // Reads may read the bucket too: a presigned link is signed with the function's rights.
        // Writes may delete stored videos, under `videos/` only (`inline`, checked below).
        let allowed: &[&str] = if function.name == CLEANUP {
            // Its statements are checked in `only_the_cleanup_and_the_clip_deletes_delete_clips`.
            &["DynamoDBCrudPolicy", "inline"]
        } else if CLIP_DELETES.contains(&function.name.as_str()) {
            // Their statements are checked in `only_the_cleanup_and_the_clip_deletes_delete_clips`.
            &["DynamoDBReadPolicy", "inline"]
        } else if function.name == SCRAPE_HEALTH {
            // Its statements are checked in `the_scrape_health_function_reads_only_what_it_checks`.
            &["DynamoDBReadPolicy", "inline"]
        } else if methods == BTreeSet::from(["GET"]) {
            &["DynamoDBReadPolicy", "S3ReadPolicy"]
        } else {
            // Which of them may invoke the executor: `only_the_functions_that_start_runs_may_invoke_the_executor`.
            &[
                "DynamoDBReadPolicy",
                "DynamoDBCrudPolicy",
                "!Ref ScheduleWriterPolicy",
                "!Ref ExecutorInvokerPolicy",
                "inline",
            ]
        };
        let writes = if [SCRAPE_HEALTH, CLEANUP].contains(&function.name.as_str())
            || CLIP_DELETES.contains(&function.name.as_str())
        {
            Vec::new()
        } else {
            inline_statements(function.properties)
        };
        let clip_files = Node::tagged("!Sub", "${Bucket.Arn}/clips/*");
        for statement in writes {
            assert_eq!(text(&statement, "Effect"), "Allow", "{}", function.logical_id);
            assert_eq!(text(&statement, "Action"), "s3:DeleteObject", "{}: only deletes", function.logical_id);
            // The job delete also takes the files of the clips its runs cut, with `delete_files`.
            let clips = function.name == JOB_DELETE && statement.get("Resource") == Some(&clip_files);
            assert!(
                clips || statement.get("Resource") == Some(&Node::tagged("!Sub", "${Bucket.Arn}/videos/*")),
                "{}: only under videos/",
                function.logical_id
            );
        }
        for policy in &policies {
            assert!(
                allowed.contains(&policy.as_str()),
                "{} serves {methods:?} and must not have the policy {policy}",
                function.logical_id
            );
        }
    }
    let authorizer = functions(&template).into_iter().find(|f| f.name == "authorizer").expect("the authorizer");
    assert_eq!(policy_names(authorizer.properties), ["inline"], "the authorizer reads its keys' parameter only");
    let statements = inline_statements(authorizer.properties);
    assert_eq!(statements.len(), 1);
    assert_eq!(text(&statements[0], "Action"), "ssm:GetParameter");
    let parameter = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ApiKeysParameterName}";
    assert_eq!(statements[0].get("Resource"), Some(&Node::tagged("!Sub", parameter)));
}

/// Videos and stats have no schedules: their functions never get to write one, whatever they
/// change in the table. A video's retry is the exception: it starts a run, and a run is started
/// through a one-time schedule.
#[test]
fn video_and_stats_functions_cannot_touch_schedules() {
    let template = template();
    let routes = template_routes(&template);
    let is_scraper_route =
        |path: &str| (path.starts_with("/api/v1/videos") && !path.ends_with("/retry")) || path == "/api/v1/stats";
    let mut checked = 0;
    for function in functions(&template) {
        let paths: Vec<&str> = routes.iter().filter(|r| r.function == function.name).map(|r| r.path.as_str()).collect();
        if paths.is_empty() || !paths.iter().all(|p| is_scraper_route(p)) {
            continue;
        }
        checked += 1;
        let policies = policy_names(function.properties);
        assert!(
            policies.iter().all(|p| p == "DynamoDBReadPolicy" || p == "DynamoDBCrudPolicy"),
            "{} has {policies:?}",
            function.logical_id
        );
    }
    assert_eq!(checked, 5, "list-videos, get-video, delete-video, pin-video and get-stats");
}

/// The statements of a function's inline policies.
fn inline_statements(properties: &Node) -> Vec<Node> {
    let Some(policies) = properties.get("Policies") else { return Vec::new() };
    policies.items().iter().filter_map(|policy| policy.get("Statement")).flat_map(|s| s.items().to_vec()).collect()
}

/// A function's `Policies`, each as the SAM policy template's name, `!Ref X` for a managed
/// policy of the template, or `inline` for a statement list.
fn policy_names(properties: &Node) -> Vec<String> {
    let Some(policies) = properties.get("Policies") else { return Vec::new() };
    policies
        .items()
        .iter()
        .map(|policy| match policy {
            Node::Tagged(tag, value) => format!("{tag} {}", value.as_str().unwrap_or("?")),
            Node::Scalar(name) => name.clone(),
            Node::Map(entries) if entries.len() == 1 && entries[0].0 != "Statement" => entries[0].0.clone(),
            _ => "inline".to_owned(),
        })
        .collect()
}

/// The policy that lets functions change schedules is bounded to the stack's group and passes
/// the scheduler's role to EventBridge Scheduler only; the role itself can only invoke the
/// executor (and dead-letter what it cannot deliver).
#[test]
fn schedules_and_the_schedulers_role_are_fenced_in() {
    let template = template();
    let resources = template.get("Resources").expect("Resources");
    let statements = |id: &str, path: &[&str]| -> Vec<Node> {
        resources.get(id).and_then(|r| r.get_path(path)).unwrap_or_else(|| panic!("{id} {path:?}")).items().to_vec()
    };
    let schedules_of = |group: &str| {
        Node::tagged(
            "!Sub",
            &format!("arn:${{AWS::Partition}}:scheduler:${{AWS::Region}}:${{AWS::AccountId}}:schedule/${{{group}}}/*"),
        )
    };
    let both_groups = Node::Seq(vec![schedules_of("ScheduleGroup"), schedules_of("RunScheduleGroup")]);
    for statement in statements("ScheduleWriterPolicy", &["Properties", "PolicyDocument", "Statement"]) {
        let actions = statement.get("Action").expect("Action");
        let actions: Vec<&str> = match actions {
            Node::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
            other => vec![other.as_str().expect("an action")],
        };
        if actions == ["iam:PassRole"] {
            assert_eq!(statement.get("Resource"), Some(&Node::tagged("!GetAtt", "SchedulerRole.Arn")));
            assert_eq!(
                statement.get_path(&["Condition", "StringEquals", "iam:PassedToService"]).and_then(Node::as_str),
                Some("scheduler.amazonaws.com")
            );
        } else {
            assert!(actions.iter().all(|a| a.starts_with("scheduler:") && a.ends_with("Schedule")), "{actions:?}");
            assert_eq!(statement.get("Resource"), Some(&both_groups));
        }
    }

    let role = resources.get("SchedulerRole").expect("SchedulerRole");
    let trust = role.get_path(&["Properties", "AssumeRolePolicyDocument", "Statement"]).expect("trust policy");
    for statement in trust.items() {
        assert_eq!(
            statement.get_path(&["Principal", "Service"]).and_then(Node::as_str),
            Some("scheduler.amazonaws.com")
        );
    }
    // Its own policies, and those attached to it from outside (the executor's ARN cannot be in
    // the role: the executor's configuration names the role).
    let inline = role.get_path(&["Properties", "Policies"]).expect("the role's policies").items().iter();
    let attached = resources
        .entries()
        .map(|(_, resource)| resource)
        .filter(|resource| resource.get("Type").and_then(Node::as_str) == Some("AWS::IAM::Policy"))
        .filter(|policy| {
            policy
                .get_path(&["Properties", "Roles"])
                .is_some_and(|roles| roles.items().contains(&Node::tagged("!Ref", "SchedulerRole")))
        })
        .filter_map(|policy| policy.get("Properties"));
    let mut granted = BTreeSet::new();
    for policy in inline.chain(attached) {
        for statement in policy.get_path(&["PolicyDocument", "Statement"]).expect("Statement").items() {
            let action = statement.get("Action").and_then(Node::as_str).expect("one action per statement");
            granted.insert(action.to_owned());
            if action == "lambda:InvokeFunction" {
                let resource = statement.get("Resource").expect("Resource");
                let executor = Node::tagged("!GetAtt", "ExecutorFunction.Arn");
                assert_eq!(resource, &executor, "the scheduler's role invokes the executor only");
            }
        }
    }
    assert_eq!(granted, BTreeSet::from(["lambda:InvokeFunction".to_owned(), "sqs:SendMessage".to_owned()]));
    let executor = functions(&template).into_iter().find(|f| f.name == "executor").expect("the executor");
    let retry_schedules = executor
        .properties
        .get("Policies")
        .expect("the executor's policies")
        .items()
        .iter()
        .filter_map(|policy| policy.get("Statement"))
        .flat_map(|statements| statements.items().to_vec())
        .find(|statement| statement.get("Sid").and_then(Node::as_str) == Some("CreateRetrySchedules"))
        .expect("the executor's CreateRetrySchedules statement");
    assert_eq!(
        retry_schedules.get("Resource"),
        Some(&schedules_of("RunScheduleGroup")),
        "the executor creates run schedules only, in the run group"
    );
    assert_eq!(executor.properties.get("FunctionName"), None, "named by CloudFormation, to fit any stack name");
}

#[test]
fn retention_parameters_accept_what_a_cold_start_accepts() {
    let template = template();
    let (least, most) = jobsmith::adapters::aws::app::RETENTION_DAYS_RANGE;
    for name in ["SucceededRetentionDays", "FailedRetentionDays"] {
        let parameter = template.get_path(&["Parameters", name]).unwrap_or_else(|| panic!("parameter {name}"));
        let bounds = (text(parameter, "MinValue"), text(parameter, "MaxValue"));
        assert_eq!(
            bounds,
            (least.to_string(), most.to_string()),
            "{name}: a deploy must refuse what the functions refuse"
        );
    }
}

#[test]
fn functions_are_arm64_al2023_with_bootstrap_handlers() {
    let template = template();
    let globals = template.get_path(&["Globals", "Function"]).expect("Globals.Function");
    assert_eq!(globals.get("Runtime").and_then(Node::as_str), Some("provided.al2023"));
    assert_eq!(globals.get("Handler").and_then(Node::as_str), Some("bootstrap"));
    let architectures = globals.get("Architectures").expect("Architectures");
    assert_eq!(architectures.items().iter().filter_map(Node::as_str).collect::<Vec<_>>(), ["arm64"]);
    for function in functions(&template) {
        for key in ["Runtime", "Handler", "Architectures"] {
            // The executor's runtime is the one exception, checked below.
            if function.name == EXECUTOR && key == "Runtime" {
                continue;
            }
            assert!(function.properties.get(key).is_none(), "{} overrides the global {key}", function.logical_id);
        }
    }
}

fn resource<'a>(template: &'a Node, logical_id: &str) -> &'a Node {
    template.get_path(&["Resources", logical_id]).unwrap_or_else(|| panic!("no resource {logical_id}"))
}

/// The names of a function's `Layers` (`!Ref`s to layers of the template).
fn layers(properties: &Node) -> Vec<String> {
    let refs = properties.get("Layers").map(Node::items).unwrap_or_default();
    refs.iter()
        .map(|layer| match layer {
            Node::Tagged(tag, inner) if tag == "!Ref" => inner.as_str().expect("a name").to_owned(),
            other => panic!("a layer of the template's own, by !Ref, not {other:?}"),
        })
        .collect()
}

fn own_variable<'a>(properties: &'a Node, name: &str) -> Option<&'a str> {
    properties.get_path(&["Environment", "Variables", name]).and_then(Node::as_str)
}

/// A Makefile's targets, for `sam build`'s `makefile` method, which runs `make build-<LogicalId>`.
fn make_targets(dir: &str) -> Vec<String> {
    let path = root().join(dir).join("Makefile");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter_map(|line| line.strip_suffix(':'))
        .filter(|t| t.starts_with("build-"))
        .map(str::to_owned)
        .collect()
}

/// The executor runs on the python runtime, for python3 (python jobs, yt-dlp) and its tools'
/// layers: Lambda's python bootstrap execs `AWS_LAMBDA_EXEC_WRAPPER` instead of starting python,
/// and that is the executor's own binary, the function's handler, which speaks the Runtime API.
/// `tests/tests/aws_lambda_package.rs` runs the package this way.
#[test]
fn the_executor_is_the_python_runtimes_exec_wrapper() {
    let template = template();
    let executor = functions(&template).into_iter().find(|f| f.name == EXECUTOR).expect("the executor");
    assert_eq!(executor.properties.get("Runtime").and_then(Node::as_str), Some("python3.13"));
    let handler = text(template.get_path(&["Globals", "Function"]).expect("Globals.Function"), "Handler");
    assert_eq!(own_variable(executor.properties, EXEC_WRAPPER), Some(format!("/var/task/{handler}").as_str()));
    for function in functions(&template).into_iter().filter(|f| f.name != EXECUTOR) {
        assert_eq!(own_variable(function.properties, EXEC_WRAPPER), None, "{}", function.logical_id);
    }
    let metadata = resource(&template, executor.logical_id).get("Metadata").expect("Metadata");
    let context = text(metadata, "ContextPath");
    assert!(make_targets(&context).contains(&format!("build-{}", executor.logical_id)), "{context}/Makefile");
    assert_eq!(layers(executor.properties), ["YtDlpLayer", "FfmpegLayer", "ScriptsLayer"]);
    for (name, path) in [
        (vars::YTDLP, "/opt/bin/yt-dlp"),
        (vars::FFMPEG, "/opt/bin/ffmpeg"),
        (vars::FFPROBE, "/opt/bin/ffprobe"),
        (vars::SCRIPT_WORK_DIR, "/tmp"),
    ] {
        assert_eq!(own_variable(executor.properties, name), Some(path), "{name}");
    }
}

/// A script path is checked where a job is created or changed (`JobService::check_task`:
/// create-job, update-job) and again where it runs: all three see the scripts layer at the same
/// root, and no other function is told of one.
#[test]
fn the_functions_that_check_script_paths_see_the_scripts_layer() {
    let template = template();
    let mut seen = Vec::new();
    for function in functions(&template) {
        let Some(roots) = own_variable(function.properties, vars::SCRIPT_ROOTS) else {
            assert!(!layers(function.properties).contains(&"ScriptsLayer".to_owned()), "{}", function.logical_id);
            continue;
        };
        assert_eq!(roots, "/opt/scripts", "{}", function.logical_id);
        assert!(layers(function.properties).contains(&"ScriptsLayer".to_owned()), "{}", function.logical_id);
        seen.push(function.name);
    }
    seen.sort();
    assert_eq!(seen, ["create-job", EXECUTOR, "update-job"]);
}

/// Every layer a function uses is built by `sam build` for arm64 through its Makefile, and
/// goes with its stack.
#[test]
fn the_layers_are_built_for_arm64_from_their_makefile() {
    let template = template();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for function in functions(&template) {
        used.extend(layers(function.properties));
    }
    assert!(!used.is_empty());
    for layer in used {
        let resource = resource(&template, &layer);
        assert_eq!(text(resource, "Type"), "AWS::Serverless::LayerVersion", "{layer}");
        let metadata = resource.get("Metadata").unwrap_or_else(|| panic!("{layer}: Metadata"));
        assert_eq!(
            (text(metadata, "BuildMethod"), text(metadata, "BuildArchitecture")),
            ("makefile".into(), "arm64".into())
        );
        let properties = resource.get("Properties").expect("Properties");
        assert!(make_targets(&text(properties, "ContentUri")).contains(&format!("build-{layer}")), "{layer}");
        let architectures = properties.get("CompatibleArchitectures").map(Node::items).unwrap_or_default();
        assert_eq!(architectures.iter().filter_map(Node::as_str).collect::<Vec<_>>(), ["arm64"], "{layer}");
        assert_eq!(text(properties, "RetentionPolicy"), "Delete", "{layer}");
    }
}

#[test]
fn the_template_tree_keeps_tags_and_scalar_text() {
    let text = "\
# comment
A: 1 # trailing comment
B:
  - x
  - !Ref Y
  - K: v
    L: [1, 2, 'three']
C: >-
  folded
  text

D: !Sub arn:${AWS::Partition}:x
E: \"quoted: # not a comment\"
F:
- same-indent item
G: |
  line one
  line two
H: true
";
    let doc = yaml::parse(text).expect("parses");
    assert_eq!(doc.get("A").and_then(Node::as_str), Some("1"));
    let b = doc.get("B").expect("B").items();
    assert_eq!(b[0].as_str(), Some("x"));
    assert_eq!(b[1], Node::tagged("!Ref", "Y"));
    assert_eq!(b[2].get("K").and_then(Node::as_str), Some("v"));
    assert_eq!(
        b[2].get("L").expect("L").items().iter().filter_map(Node::as_str).collect::<Vec<_>>(),
        ["1", "2", "three"]
    );
    assert_eq!(doc.get("C").and_then(Node::as_str), Some("folded text"));
    assert_eq!(doc.get("D"), Some(&Node::tagged("!Sub", "arn:${AWS::Partition}:x")));
    assert_eq!(doc.get("E").and_then(Node::as_str), Some("quoted: # not a comment"));
    assert_eq!(doc.get("F").expect("F").items()[0].as_str(), Some("same-indent item"));
    assert_eq!(doc.get("G").and_then(Node::as_str), Some("line one\nline two\n"));
    assert_eq!(doc.get("H").and_then(Node::as_str), Some("true"));
    for refused in ["A: 1\n  B: 2\n", "A: 1\nA: 2\n", "A:\n", "1: a\n"] {
        assert!(yaml::parse(refused).is_err(), "{refused:?} must be refused, not misread");
    }
}

/// Every function gets what `AwsConfig::from_env` needs, under the names it reads, and the
/// parameters' defaults are values it accepts.
#[test]
fn every_function_gets_the_configuration_it_reads() {
    use jobsmith::adapters::aws::app::{AwsConfig, vars};
    use jobsmith::adapters::aws::sdk::lambda_vars;

    let template = template();
    let known = [
        // Empty on AWS; what `sam local --env-vars` points at the emulators (infra/aws/local).
        lambda_vars::ENDPOINT_URL,
        vars::LAMBDA_ENDPOINT,
        vars::TABLE,
        vars::BUCKET,
        vars::SCHEDULE_GROUP,
        vars::RUN_SCHEDULE_GROUP,
        vars::EXECUTOR_ARN,
        vars::SCHEDULER_ROLE_ARN,
        vars::DLQ_ARN,
        vars::DLQ_URL,
        vars::SCHEDULER_MAX_RETRIES,
        vars::SCHEDULER_MAX_EVENT_AGE_SECONDS,
        vars::SUCCEEDED_RETENTION_DAYS,
        vars::FAILED_RETENTION_DAYS,
        vars::S3_FORCE_PATH_STYLE,
        vars::SCRIPT_ROOTS,
        vars::API_KEYS,
        vars::API_KEYS_PARAMETER,
        vars::MISFIRE_GRACE_SECONDS,
        vars::BASH,
        vars::PYTHON,
        vars::MODE,
        vars::CLEANUP_TOKEN,
        vars::SCRIPT_WORK_DIR,
        vars::YTDLP,
        vars::FFMPEG,
        vars::FFPROBE,
        // Lambda's own, on the executor (the_executor_is_the_python_runtimes_exec_wrapper).
        EXEC_WRAPPER,
    ];
    let parameters = template.get("Parameters").expect("Parameters");
    // A `!Ref` to a parameter stands for its default; anything else AWS fills in at deploy time.
    let resolve = |value: &Node| -> String {
        match value {
            Node::Scalar(s) => s.clone(),
            Node::Tagged(tag, inner) if tag == "!Ref" => {
                let name = inner.as_str().expect("!Ref names something");
                match parameters.get(name) {
                    Some(parameter) => parameter.get("Default").and_then(Node::as_str).unwrap_or("").to_owned(),
                    None => format!("{name}-from-aws"),
                }
            }
            Node::Tagged(tag, _) => format!("{tag}-from-aws"),
            other => panic!("an environment variable's value is a scalar, not {other:?}"),
        }
    };
    let globals: BTreeMap<String, String> = template
        .get_path(&["Globals", "Function", "Environment", "Variables"])
        .expect("Globals.Function.Environment.Variables")
        .entries()
        .map(|(name, value)| (name.to_owned(), resolve(value)))
        .collect();
    for function in functions(&template) {
        let mut env = globals.clone();
        if let Some(own) = function.properties.get_path(&["Environment", "Variables"]) {
            env.extend(own.entries().map(|(name, value)| (name.to_owned(), resolve(value))));
        }
        for name in env.keys() {
            assert!(known.contains(&name.as_str()), "{}: {name} is no variable jobsmith reads", function.logical_id);
        }
        if function.name == "authorizer" {
            assert!(env.contains_key(vars::API_KEYS_PARAMETER), "the authorizer needs {}", vars::API_KEYS_PARAMETER);
            assert!(!env.contains_key(vars::API_KEYS), "no keys in the template, only the parameter's name");
            continue;
        }
        for keys in [vars::API_KEYS, vars::API_KEYS_PARAMETER] {
            assert!(!env.contains_key(keys), "{}: only the authorizer reads the keys", function.logical_id);
        }
        assert_eq!(
            env.contains_key(vars::CLEANUP_TOKEN),
            function.name == CLEANUP,
            "{}: only the cleanup sees its token",
            function.logical_id
        );
        if let Err(err) = AwsConfig::from_env(|name| env.get(name).cloned()) {
            panic!("{}: {err}", function.logical_id);
        }
    }
}

/// The template's table is the one the DynamoDB store creates for itself on an emulator: same
/// keys, indexes, projections, billing and TTL attribute.
#[tokio::test]
async fn the_table_is_the_one_the_dynamodb_store_creates() {
    use jobsmith::adapters::aws::dynamo::aws_sdk_dynamodb::Client;
    use jobsmith::adapters::aws::dynamo::create_table;

    let template = template();
    let table = template.get_path(&["Resources", "Table", "Properties"]).expect("the Table's properties");
    let declared = TableShape {
        billing: table.get("BillingMode").and_then(Node::as_str).expect("BillingMode").to_owned(),
        attributes: table
            .get("AttributeDefinitions")
            .expect("AttributeDefinitions")
            .items()
            .iter()
            .map(|a| format!("{} {}", text(a, "AttributeName"), text(a, "AttributeType")))
            .collect(),
        keys: keys_of(table.get("KeySchema").expect("KeySchema")),
        indexes: table
            .get("GlobalSecondaryIndexes")
            .expect("GlobalSecondaryIndexes")
            .items()
            .iter()
            .map(|index| {
                let projection = index.get("Projection").expect("Projection");
                let mut non_key: Vec<String> = projection
                    .get("NonKeyAttributes")
                    .map(|attrs| attrs.items().iter().filter_map(Node::as_str).map(str::to_owned).collect())
                    .unwrap_or_default();
                non_key.sort();
                let description = format!(
                    "{} {:?} {}",
                    keys_of(index.get("KeySchema").expect("KeySchema")),
                    non_key,
                    text(projection, "ProjectionType")
                );
                (text(index, "IndexName"), description)
            })
            .collect(),
        ttl: table.get_path(&["TimeToLiveSpecification", "AttributeName"]).and_then(Node::as_str).map(str::to_owned),
    };
    assert_eq!(
        table.get_path(&["TimeToLiveSpecification", "Enabled"]).and_then(Node::as_str),
        Some("true"),
        "TTL is on"
    );
    assert_eq!(
        table.get_path(&["PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"]).and_then(Node::as_str),
        Some("true"),
        "point-in-time recovery is on"
    );

    let moto = jobsmith_tests::moto::MotoServer::start().await;
    let client = Client::new(&moto.sdk_config().await);
    create_table(&client, "shape").await.expect("the store creates its table");
    let described = client.describe_table().table_name("shape").send().await.expect("describe").table.expect("a table");
    let ttl = client.describe_time_to_live().table_name("shape").send().await.expect("describe ttl");
    let key_text = |keys: &[jobsmith::adapters::aws::dynamo::aws_sdk_dynamodb::types::KeySchemaElement]| {
        keys.iter().map(|k| format!("{} {}", k.attribute_name(), k.key_type().as_str())).collect::<Vec<_>>().join(", ")
    };
    let created = TableShape {
        billing: described
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|b| b.as_str().to_owned())
            .unwrap_or_default(),
        attributes: described
            .attribute_definitions()
            .iter()
            .map(|a| format!("{} {}", a.attribute_name(), a.attribute_type().as_str()))
            .collect(),
        keys: key_text(described.key_schema()),
        indexes: described
            .global_secondary_indexes()
            .iter()
            .map(|index| {
                let projection = index.projection().expect("a projection");
                let mut non_key: Vec<String> = projection.non_key_attributes().to_vec();
                non_key.sort();
                let kind = projection.projection_type().map(|p| p.as_str().to_owned()).unwrap_or_default();
                let description = format!("{} {:?} {}", key_text(index.key_schema()), non_key, kind);
                (index.index_name().unwrap_or_default().to_owned(), description)
            })
            .collect(),
        ttl: ttl.time_to_live_description().and_then(|t| t.attribute_name()).map(str::to_owned),
    };
    assert_eq!(declared, created, "template.yaml's Table (left) and create_table's (right)");
}

#[derive(Debug, PartialEq, Eq)]
struct TableShape {
    billing: String,
    attributes: BTreeSet<String>,
    keys: String,
    indexes: BTreeMap<String, String>,
    ttl: Option<String>,
}

fn text(node: &Node, key: &str) -> String {
    node.get(key).and_then(Node::as_str).unwrap_or_else(|| panic!("{key} in {node:?}")).to_owned()
}

fn keys_of(schema: &Node) -> String {
    schema
        .items()
        .iter()
        .map(|k| format!("{} {}", text(k, "AttributeName"), text(k, "KeyType")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Seed 002's health function: it reads what it checks, the table, a one-key listing of the
/// bucket and the jobs' schedule group.
/// Seed 003's cleanup of every video.
const CLEANUP: &str = "cleanup-all-videos";
/// Deletes a job, and with `delete_files` the clips its runs cut.
const JOB_DELETE: &str = "delete-job";
/// Seed 000's deletes of clips.
const CLIP_DELETES: [&str; 2] = ["delete-clip", "delete-all-clips"];
const SCRAPE_HEALTH: &str = "scrape-health";

#[test]
fn the_scrape_health_function_reads_only_what_it_checks() {
    let template = template();
    let function =
        functions(&template).into_iter().find(|f| f.name == SCRAPE_HEALTH).expect("the scrape-health function");
    let mut granted = Vec::new();
    for policy in function.properties.get("Policies").expect("its policies").items() {
        let Some(statements) = policy.get("Statement") else { continue };
        for statement in statements.items() {
            assert_eq!(statement.get("Effect").and_then(Node::as_str), Some("Allow"));
            let action = statement.get("Action").and_then(Node::as_str).expect("one action per statement");
            let resource = statement.get("Resource").expect("Resource").clone();
            granted.push((action.to_owned(), resource));
        }
    }
    let expected = vec![
        ("s3:ListBucket".to_owned(), Node::tagged("!GetAtt", "Bucket.Arn")),
        ("scheduler:GetScheduleGroup".to_owned(), Node::tagged("!GetAtt", "ScheduleGroup.Arn")),
    ];
    assert_eq!(granted, expected);
}

/// Seed 002's rate limit on AWS: every one of its routes, and no other, has its own throttling
/// in the stage's `RouteSettings`, from parameters whose defaults are the seed's numbers (the
/// ones `jobsmith serve` applies per key).
#[test]
fn seed_002s_routes_and_no_others_are_throttled_at_the_seeds_numbers() {
    use jobsmith::http::rate_limit::{DEFAULT_BURST, DEFAULT_PER_MINUTE, is_limited};

    let template = template();
    let settings = http_api(&template).get_path(&["Properties", "RouteSettings"]).expect("HttpApi RouteSettings");
    let throttled: BTreeSet<String> = settings.entries().map(|(key, _)| key.to_owned()).collect();
    let expected: BTreeSet<String> = every_route()
        .filter(|r| is_limited(r.path))
        .map(|r| format!("{} {}", r.method, api_gateway_path(r.path)))
        .collect();
    assert!(!expected.is_empty(), "the table has seed 002 routes");
    assert_eq!(throttled, expected, "RouteSettings (left) and the route table's seed 002 routes (right)");
    for (key, setting) in settings.entries() {
        assert_eq!(
            setting.get("ThrottlingRateLimit"),
            Some(&Node::tagged("!Ref", "ScrapeThrottlingRateLimit")),
            "{key}"
        );
        assert_eq!(
            setting.get("ThrottlingBurstLimit"),
            Some(&Node::tagged("!Ref", "ScrapeThrottlingBurstLimit")),
            "{key}"
        );
    }
    let default = |name: &str| -> f64 {
        let parameter = template.get_path(&["Parameters", name]).unwrap_or_else(|| panic!("parameter {name}"));
        text(parameter, "Default").parse().unwrap_or_else(|e| panic!("{name}'s default: {e}"))
    };
    let per_minute = default("ScrapeThrottlingRateLimit") * 60.0;
    assert!((per_minute - f64::from(DEFAULT_PER_MINUTE)).abs() < 0.01, "{per_minute} a minute");
    assert_eq!(default("ScrapeThrottlingBurstLimit"), f64::from(DEFAULT_BURST));
}

/// Only seed 003's cleanup, seed 000's clip deletes and the job delete may delete clips (the job
/// delete only the keys its runs recorded, and it may not list); the cleanup lists and
/// deletes under `videos/` and `clips/`, the clip deletes under `clips/` alone, and nothing else
/// lists the bucket but scrape health (its statements are checked in
/// `the_scrape_health_function_reads_only_what_it_checks`).
#[test]
fn only_the_cleanup_and_the_clip_deletes_delete_clips() {
    let template = template();
    let mut clip_deletes = 0;
    for function in functions(&template) {
        let statements = inline_statements(function.properties);
        // A statement with several actions lists them; those are read where they are expected.
        let actions: Vec<String> = statements
            .iter()
            .map(|s| s.get("Action").and_then(Node::as_str).unwrap_or("(several)").to_owned())
            .collect();
        let prefixes = |statement: &Node| -> Vec<String> {
            statement
                .get_path(&["Condition", "StringLike", "s3:prefix"])
                .expect("a prefix condition")
                .items()
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_owned)
                .collect()
        };
        if CLIP_DELETES.contains(&function.name.as_str()) {
            clip_deletes += 1;
            assert_eq!(actions[0], "s3:ListBucket", "{}", function.logical_id);
            assert_eq!(prefixes(&statements[0]), ["clips/*"], "{}", function.logical_id);
            let delete = &statements[1];
            let verbs: Vec<&str> =
                delete.get("Action").expect("actions").items().iter().filter_map(Node::as_str).collect();
            assert_eq!(verbs, ["s3:GetObject", "s3:DeleteObject"], "{}", function.logical_id);
            assert_eq!(delete.get("Resource"), Some(&Node::tagged("!Sub", "${Bucket.Arn}/clips/*")));
            assert_eq!(statements.len(), 2, "{}", function.logical_id);
            continue;
        }
        if function.name != CLEANUP {
            let lists = actions.iter().any(|a| a == "s3:ListBucket");
            assert!(!lists || function.name == SCRAPE_HEALTH, "{} lists the bucket", function.logical_id);
            for statement in &statements {
                let resource = format!("{:?}", statement.get("Resource"));
                let only_deletes = statement.get("Action").and_then(Node::as_str) == Some("s3:DeleteObject");
                assert!(
                    !resource.contains("clips/") || (function.name == JOB_DELETE && only_deletes),
                    "{} touches clips/",
                    function.logical_id
                );
            }
            continue;
        }
        assert_eq!(actions, ["s3:ListBucket", "s3:DeleteObject", "s3:DeleteObject"], "{}", function.logical_id);
        assert_eq!(statements[0].get("Resource"), Some(&Node::tagged("!GetAtt", "Bucket.Arn")));
        assert_eq!(prefixes(&statements[0]), ["videos/*", "clips/*"]);
        assert_eq!(statements[1].get("Resource"), Some(&Node::tagged("!Sub", "${Bucket.Arn}/videos/*")));
        assert_eq!(statements[2].get("Resource"), Some(&Node::tagged("!Sub", "${Bucket.Arn}/clips/*")));
        assert_eq!(policy_names(function.properties), ["DynamoDBCrudPolicy", "inline"]);
    }
    assert_eq!(clip_deletes, CLIP_DELETES.len());
    let mode = template.get_path(&["Parameters", "Mode"]).expect("the Mode parameter");
    assert_eq!(mode.get("Default").and_then(Node::as_str), Some("production"), "production unless told");
}

/// Only the functions that hand a run to the executor now may invoke it, and what they may
/// invoke is the executor alone.
#[test]
fn only_the_functions_that_start_runs_may_invoke_the_executor() {
    let template = template();
    let resources = template.get("Resources").expect("Resources");
    let statements = resources
        .get_path(&["ExecutorInvokerPolicy", "Properties", "PolicyDocument", "Statement"])
        .expect("the invoker policy")
        .items()
        .to_vec();
    let executor = Node::tagged("!GetAtt", "ExecutorFunction.Arn");
    assert_eq!(statements.len(), 1);
    assert_eq!(statements[0].get("Action").and_then(Node::as_str), Some("lambda:InvokeFunction"));
    assert_eq!(statements[0].get("Resource"), Some(&executor));
    let invokers: BTreeSet<String> = functions(&template)
        .into_iter()
        .filter(|f| policy_names(f.properties).contains(&"!Ref ExecutorInvokerPolicy".to_owned()))
        .map(|f| f.name)
        .collect();
    let expected = ["create-clip-job", "create-scrape-job", "redrive", "retry-video", "sweep", "trigger-job"];
    assert_eq!(invokers, expected.into_iter().map(str::to_owned).collect::<BTreeSet<_>>());
    // The executor's own grant is attached to its role from outside: its Policies cannot name
    // its ARN without making it depend on itself.
    let own = resources.get_path(&["ExecutorSelfInvokePolicy", "Properties"]).expect("the executor's own grant");
    assert_eq!(own.get("Roles"), Some(&Node::Seq(vec![Node::tagged("!Ref", "ExecutorFunctionRole")])));
    let statements = own.get_path(&["PolicyDocument", "Statement"]).expect("Statement").items();
    assert_eq!(statements.len(), 1);
    assert_eq!(statements[0].get("Action").and_then(Node::as_str), Some("lambda:InvokeFunction"));
    assert_eq!(statements[0].get("Resource"), Some(&executor));
}

/// The functions that start runs or write schedules are told the executor's ARN by
/// CloudFormation; no other function is, and the executor is not (it takes its own from each
/// invocation). Nothing builds the ARN from a name.
#[test]
fn the_executors_arn_comes_from_cloudformation_to_the_functions_that_start_runs() {
    let template = template();
    let globals = template.get_path(&["Globals", "Function", "Environment", "Variables"]).expect("Globals");
    assert_eq!(
        globals.get(vars::EXECUTOR_ARN),
        None,
        "a global would reach the executor, which cannot depend on itself"
    );
    let executor = Node::tagged("!GetAtt", "ExecutorFunction.Arn");
    for function in functions(&template) {
        let policies = policy_names(function.properties);
        let starts_runs = ["!Ref ScheduleWriterPolicy", "!Ref ExecutorInvokerPolicy"]
            .iter()
            .any(|policy| policies.contains(&(*policy).to_owned()));
        let told = function.properties.get_path(&["Environment", "Variables", vars::EXECUTOR_ARN]);
        if function.name == EXECUTOR {
            assert_eq!(told, None, "the executor learns its ARN from its invocations");
        } else if starts_runs {
            assert_eq!(told, Some(&executor), "{}", function.name);
        } else {
            assert_eq!(told, None, "{} starts no run", function.name);
        }
    }
}

/// An HTTP function wires the bucket exactly when its role may touch it, and the Lambda client
/// exactly when it may invoke the executor (`functions/src/bin/<name>.rs` names its `Reach`):
/// a client its role may not call would only add to its zip and its cold start, and a client it
/// lacks would fail the routes its role was granted for.
#[test]
fn each_http_function_wires_what_its_role_is_granted() {
    let template = template();
    let mut checked = 0;
    for function in functions(&template) {
        let Some(reach) = declared_reach(&function.name) else { continue };
        let policies = policy_names(function.properties);
        let s3_action = |statement: &Node| {
            let action = statement.get("Action");
            let actions: Vec<&Node> = match action {
                Some(Node::Seq(items)) => items.iter().collect(),
                Some(one) => vec![one],
                None => Vec::new(),
            };
            actions.iter().any(|a| a.as_str().is_some_and(|a| a.starts_with("s3:")))
        };
        let bucket = policies.iter().any(|name| name.starts_with("S3"))
            || inline_statements(function.properties).iter().any(s3_action);
        let invokes = policies.contains(&"!Ref ExecutorInvokerPolicy".to_owned());
        assert_eq!(reach.bucket(), bucket, "{}: wires the bucket, or is granted it", function.name);
        assert_eq!(reach.executor(), invokes, "{}: wires the executor, or may invoke it", function.name);
        checked += 1;
    }
    assert_eq!(checked, 40, "every HTTP function");
}
