//! `infra/aws/local`, what `sam local` runs the functions with: SAM's `--env-vars` file, the
//! sample events, and the setup script that creates on moto what the file names.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use jobsmith::adapters::aws::sdk::lambda_vars::{ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY};
use serde_json::Value;

use crate::template::{Function, Node, root};

/// The `--env-vars` key whose variables SAM gives every function.
pub const SHARED: &str = "Parameters";
/// What the functions in SAM's containers reach moto at, as env.json writes it.
const CONTAINER_MOTO: &str = "AWS_ENDPOINT_URL";
const SETUP_WITHIN: Duration = Duration::from_secs(120);

pub fn dir() -> PathBuf {
    root().join("infra/aws/local")
}

/// env.json: `{"Parameters": {VAR: value}, "<LogicalId>": {VAR: value}, …}`, every value a string.
pub struct EnvVars {
    pub shared: BTreeMap<String, String>,
    /// By logical id.
    pub functions: BTreeMap<String, BTreeMap<String, String>>,
}

impl EnvVars {
    pub fn read() -> Self {
        let path = dir().join("env.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let raw: BTreeMap<String, BTreeMap<String, Value>> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut entries: BTreeMap<String, BTreeMap<String, String>> = raw
            .into_iter()
            .map(|(key, vars)| {
                let vars = vars
                    .into_iter()
                    .map(|(name, value)| match value {
                        // Lambda's variables are strings; SAM would turn anything else into "".
                        Value::String(text) => (name, text),
                        other => panic!("env.json: {key}.{name} is {other}, not a string"),
                    })
                    .collect();
                (key, vars)
            })
            .collect();
        let shared = entries.remove(SHARED).unwrap_or_else(|| panic!("env.json has no {SHARED}"));
        Self { shared, functions: entries }
    }

    /// What SAM overrides for `logical_id`: the shared variables, then the function's own.
    pub fn for_function(&self, logical_id: &str) -> BTreeMap<String, String> {
        let mut vars = self.shared.clone();
        vars.extend(self.functions.get(logical_id).cloned().unwrap_or_default());
        vars
    }

    /// Every value with the containers' moto address replaced by `endpoint`.
    pub fn pointed_at(vars: &BTreeMap<String, String>, endpoint: &str) -> BTreeMap<String, String> {
        let container = vars.get(CONTAINER_MOTO).unwrap_or_else(|| panic!("no {CONTAINER_MOTO}")).clone();
        vars.iter().map(|(name, value)| (name.clone(), value.replace(&container, endpoint))).collect()
    }
}

/// What SAM gives every container on its own (`sam local` without credentials); env.json cannot
/// and need not set them.
pub const SAM_SETS: [(&str, &str); 3] =
    [(REGION, "us-east-1"), (ACCESS_KEY_ID, "defaultkey"), (SECRET_ACCESS_KEY, "defaultsecret")];

/// A function's variables as SAM resolves them: env.json's value, else the template's literal or
/// its parameter's default, else (a resource's name or ARN, which SAM cannot know) nothing.
pub fn resolved(function: &Function, env: &EnvVars, parameters: &Node) -> BTreeMap<String, String> {
    let overrides = env.for_function(&function.logical_id);
    let mut resolved: BTreeMap<String, String> =
        SAM_SETS.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
    for (name, value) in &function.variables {
        let value = match (overrides.get(name), value) {
            (Some(local), _) => local.clone(),
            (None, Node::Scalar(literal)) => literal.clone(),
            (None, Node::Tagged(tag, inner)) if tag == "!Ref" => {
                let parameter = inner.as_str().and_then(|p| parameters.get(p));
                match parameter.and_then(|p| p.get("Default")).and_then(Node::as_str) {
                    Some(default) => default.to_owned(),
                    None => panic!("{}: {name} names a resource; env.json must give it a value", function.logical_id),
                }
            }
            (None, other) => panic!("{}: {name} is {other:?}; env.json must give it a value", function.logical_id),
        };
        resolved.insert(name.clone(), value);
    }
    resolved
}

/// The HTTP functions in an order in which the samples build on one another: what one creates,
/// the next reads, changes, runs and finally deletes (`sam_local_files.rs` checks that it names
/// every HTTP function of the template).
pub const HTTP_IN_ORDER: [&str; 41] = [
    "health",
    "scrape-health",
    "api-docs",
    "list-task-functions",
    "list-job-types",
    "create-job",
    "list-jobs",
    "get-job",
    "update-job",
    "set-job-status",
    "pause-job",
    "resume-job",
    "trigger-job",
    "list-executions",
    "scheduler-status",
    "create-scheduled-scrape",
    "list-scheduled-scrapes",
    "get-scheduled-scrape",
    "update-scheduled-scrape",
    "toggle-scheduled-scrape",
    "delete-scheduled-scrape",
    "create-scrape-job",
    "list-scrape-jobs",
    "get-scrape-job",
    "cancel-scrape-job",
    "delete-scrape-job",
    "list-videos",
    "get-video",
    "pin-video",
    "retry-video",
    "delete-video",
    "get-stats",
    "create-clip-job",
    "list-clips",
    "delete-clip",
    "get-file",
    "delete-all-clips",
    "cleanup-all-videos",
    "list-audit",
    "delete-job",
    "delete-all-jobs",
];

/// `events/<name>.json`, named after the function's binary.
pub fn event(name: &str) -> Value {
    let path = dir().join("events").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The names of the event files, without `.json`.
pub fn event_names() -> Vec<String> {
    let events = dir().join("events");
    let mut names: Vec<String> = std::fs::read_dir(&events)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", events.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .map(|path| {
            assert_eq!(path.extension().and_then(|e| e.to_str()), Some("json"), "{}", path.display());
            path.file_stem().expect("a name").to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Runs `setup.sh` against the moto at `endpoint`; panics with its output when it fails.
pub async fn setup(endpoint: &str) {
    let mut command = tokio::process::Command::new(dir().join("setup.sh"));
    command.args(["--endpoint", endpoint]).stdin(Stdio::null()).kill_on_drop(true);
    let output = match tokio::time::timeout(SETUP_WITHIN, command.output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => panic!("cannot run setup.sh: {e}"),
        Err(_) => panic!("setup.sh took longer than {SETUP_WITHIN:?}"),
    };
    assert!(
        output.status.success(),
        "setup.sh failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
