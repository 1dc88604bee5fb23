//! Task functions: the registered kinds of work, and their validated arguments.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TaskFunction {
    #[serde(rename = "script.bash")]
    ScriptBash,
    #[serde(rename = "script.python")]
    ScriptPython,
    #[serde(rename = "scrape.profile")]
    ScrapeProfile,
    #[serde(rename = "scrape.hashtag")]
    ScrapeHashtag,
    #[serde(rename = "clip.video")]
    ClipVideo,
    #[serde(rename = "cleanup.videos")]
    CleanupVideos,
    #[serde(rename = "cleanup.executions")]
    CleanupExecutions,
}

/// What seed 004's task-function listing shows for each function.
pub struct TaskFunctionInfo {
    pub id: i64,
    pub name: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    pub default_timeout_seconds: u64,
    pub queue: &'static str,
    /// Whether this build can run it; scheduling an inactive function is refused.
    pub is_active: bool,
    pub is_system: bool,
}

impl TaskFunction {
    pub const ALL: [TaskFunction; 7] = [
        Self::ScriptBash,
        Self::ScriptPython,
        Self::ScrapeProfile,
        Self::ScrapeHashtag,
        Self::ClipVideo,
        Self::CleanupVideos,
        Self::CleanupExecutions,
    ];

    pub fn info(self) -> TaskFunctionInfo {
        let (id, name, display_name, description, timeout, queue, is_active, is_system) = match self {
            Self::ScriptBash => (
                1,
                "script.bash",
                "Bash script",
                "Run a bash script from a configured script root with an argument vector",
                3600,
                "scripts",
                true,
                false,
            ),
            Self::ScriptPython => (
                2,
                "script.python",
                "Python script",
                "Import a python script from a configured script root, call main(*args) and keep its return value",
                3600,
                "scripts",
                true,
                false,
            ),
            Self::ScrapeProfile => (
                3,
                "scrape.profile",
                "Scrape a profile",
                "Download a profile's videos and their metadata into object storage",
                3600,
                "media",
                false,
                false,
            ),
            Self::ScrapeHashtag => (
                4,
                "scrape.hashtag",
                "Scrape a hashtag (experimental)",
                "Download a hashtag's videos; TikTok tag pages are not reliably extractable today",
                3600,
                "media",
                false,
                false,
            ),
            Self::ClipVideo => (
                5,
                "clip.video",
                "Cut clips",
                "Cut clips from a stored video into the clips prefix",
                1800,
                "media",
                false,
                false,
            ),
            Self::CleanupVideos => (
                6,
                "cleanup.videos",
                "Video retention",
                "Delete stored video files older than a retention age",
                900,
                "maintenance",
                false,
                true,
            ),
            Self::CleanupExecutions => (
                7,
                "cleanup.executions",
                "Execution history retention",
                "Delete finished executions older than retention_days (failed ones after failed_retention_days)",
                900,
                "maintenance",
                true,
                true,
            ),
        };
        TaskFunctionInfo {
            id,
            name,
            display_name,
            description,
            default_timeout_seconds: timeout,
            queue,
            is_active,
            is_system,
        }
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn id(self) -> i64 {
        self.info().id
    }

    pub fn from_id(id: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.id() == id)
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptLanguage {
    Bash,
    Python,
}

impl ScriptLanguage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bash => "bash",
            Self::Python => "python",
        }
    }
}

/// A task function with arguments that passed its validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "function", content = "args")]
pub enum TaskSpec {
    #[serde(rename = "script")]
    Script {
        language: ScriptLanguage,
        /// As the client gave it; resolved against the script roots when scheduled and again when run.
        script_path: String,
        args: Vec<String>,
    },
    #[serde(rename = "cleanup.executions")]
    CleanupExecutions { retention_days: u32, failed_retention_days: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TaskArgError {
    /// Location inside the arguments, such as `args[1]`.
    pub field: String,
    pub message: String,
}

fn arg_error(field: impl Into<String>, message: impl Into<String>) -> TaskArgError {
    TaskArgError { field: field.into(), message: message.into() }
}

impl TaskSpec {
    pub fn function(&self) -> TaskFunction {
        match self {
            Self::Script { language: ScriptLanguage::Bash, .. } => TaskFunction::ScriptBash,
            Self::Script { language: ScriptLanguage::Python, .. } => TaskFunction::ScriptPython,
            Self::CleanupExecutions { .. } => TaskFunction::CleanupExecutions,
        }
    }

    pub fn script(language: ScriptLanguage, script_path: String, args: Vec<String>) -> Result<Self, TaskArgError> {
        if script_path.trim().is_empty() {
            return Err(arg_error("script_path", "must not be empty"));
        }
        Ok(Self::Script { language, script_path, args })
    }

    /// Parses seed 004's `taskArgs` object for a function.
    pub fn parse(function: TaskFunction, args: Option<&Value>) -> Result<Self, TaskArgError> {
        let empty = Map::new();
        let map = match args {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(map)) => map,
            Some(_) => return Err(arg_error("", "must be an object")),
        };
        if !function.info().is_active {
            return Err(arg_error("", format!("task function {} is not available in this build", function.name())));
        }
        match function {
            TaskFunction::ScriptBash | TaskFunction::ScriptPython => {
                let language =
                    if function == TaskFunction::ScriptBash { ScriptLanguage::Bash } else { ScriptLanguage::Python };
                reject_unknown(map, &["script_path", "args"])?;
                let script_path = match map.get("script_path") {
                    Some(Value::String(s)) => s.clone(),
                    None | Some(Value::Null) => return Err(arg_error("script_path", "field required")),
                    Some(_) => return Err(arg_error("script_path", "must be a string")),
                };
                Self::script(language, script_path, parse_string_list(map.get("args"))?)
            }
            TaskFunction::CleanupExecutions => {
                reject_unknown(map, &["retention_days", "failed_retention_days"])?;
                let retention_days = positive_days(map, "retention_days")?.unwrap_or(30);
                let failed_retention_days =
                    positive_days(map, "failed_retention_days")?.unwrap_or(retention_days.saturating_mul(2));
                Ok(Self::CleanupExecutions { retention_days, failed_retention_days })
            }
            _ => Err(arg_error("", format!("task function {} is not available in this build", function.name()))),
        }
    }

    /// The arguments as seed 004 shows them (`taskArgs`).
    pub fn args_view(&self) -> Value {
        match self {
            Self::Script { script_path, args, .. } => serde_json::json!({ "script_path": script_path, "args": args }),
            Self::CleanupExecutions { retention_days, failed_retention_days } => {
                serde_json::json!({ "retention_days": retention_days, "failed_retention_days": failed_retention_days })
            }
        }
    }

    /// The name APScheduler gave seed 001's jobs: `bash:/opt/scripts/backup.sh`.
    pub fn default_job_name(&self) -> String {
        match self {
            Self::Script { language, script_path, .. } => format!("{}:{}", language.as_str(), script_path),
            Self::CleanupExecutions { .. } => "cleanup.executions".to_owned(),
        }
    }
}

fn reject_unknown(map: &Map<String, Value>, known: &[&str]) -> Result<(), TaskArgError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(arg_error(key.clone(), format!("unknown argument; expected one of: {}", known.join(", ")))),
        None => Ok(()),
    }
}

fn parse_string_list(value: Option<&Value>) -> Result<Vec<String>, TaskArgError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                _ => Err(arg_error(format!("args[{i}]"), "must be a string")),
            })
            .collect(),
        Some(_) => Err(arg_error("args", "must be an array of strings")),
    }
}

fn positive_days(map: &Map<String, Value>, key: &str) -> Result<Option<u32>, TaskArgError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|d| (1..=36_500).contains(d))
            .and_then(|d| u32::try_from(d).ok())
            .map(Some)
            .ok_or_else(|| arg_error(key, "must be an integer from 1 to 36500")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn catalog_ids_and_names_round_trip() {
        for f in TaskFunction::ALL {
            assert_eq!(TaskFunction::from_id(f.id()), Some(f));
            assert_eq!(TaskFunction::from_name(f.name()), Some(f));
        }
        assert_eq!(TaskFunction::from_id(99), None);
    }

    #[test]
    fn script_args_are_checked() {
        let spec =
            TaskSpec::parse(TaskFunction::ScriptBash, Some(&json!({"script_path": "a.sh", "args": ["--full", "x y"]})));
        assert_eq!(
            spec,
            Ok(TaskSpec::Script {
                language: ScriptLanguage::Bash,
                script_path: "a.sh".into(),
                args: vec!["--full".into(), "x y".into()]
            })
        );
        let err = TaskSpec::parse(TaskFunction::ScriptPython, Some(&json!({"script_path": "a.py", "args": ["a", 1]})))
            .unwrap_err();
        assert_eq!(err.field, "args[1]");
        let err = TaskSpec::parse(TaskFunction::ScriptPython, Some(&json!({"args": []}))).unwrap_err();
        assert_eq!((err.field.as_str(), err.message.as_str()), ("script_path", "field required"));
        let err =
            TaskSpec::parse(TaskFunction::ScriptBash, Some(&json!({"script_path": "a", "shell": true}))).unwrap_err();
        assert_eq!(err.field, "shell");
        assert!(TaskSpec::parse(TaskFunction::ScriptBash, Some(&json!([1]))).is_err());
    }

    #[test]
    fn inactive_functions_are_refused() {
        let err = TaskSpec::parse(TaskFunction::ClipVideo, None).unwrap_err();
        assert!(err.message.contains("not available"), "{err}");
    }

    #[test]
    fn cleanup_defaults_keep_failed_runs_longer() {
        let spec = TaskSpec::parse(TaskFunction::CleanupExecutions, Some(&json!({"retention_days": 30}))).unwrap();
        assert_eq!(spec, TaskSpec::CleanupExecutions { retention_days: 30, failed_retention_days: 60 });
        assert!(TaskSpec::parse(TaskFunction::CleanupExecutions, Some(&json!({"retention_days": 0}))).is_err());
    }

    #[test]
    fn storage_form_round_trips() {
        let spec = TaskSpec::Script { language: ScriptLanguage::Python, script_path: "p.py".into(), args: vec![] };
        let text = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<TaskSpec>(&text).unwrap(), spec);
        assert_eq!(spec.default_job_name(), "python:p.py");
        assert_eq!(spec.function(), TaskFunction::ScriptPython);
    }
}
