//! Seed 004's `taskArgs`: the JSON object a job's arguments travel in, read into a checked
//! [`TaskSpec`] and shown back the same way.

use serde_json::{Map, Value, json};

use super::clip_args::{CLIP_ARGS, clip_args_view, parse_clip_args};
use super::retention_args::{RETENTION_ARGS, parse_retention_args, retention_args_view};
use crate::domain::task::{ScrapeFields, ScrapeTask, ScriptLanguage, TaskArgError, TaskFunction, TaskSpec};
use crate::domain::video::ScrapeMode;

/// Reads `taskArgs` for `function`. Locations in errors are relative to `taskArgs`.
pub(super) fn parse_task_args(function: TaskFunction, args: Option<&Value>) -> Result<TaskSpec, TaskArgError> {
    let empty = Map::new();
    let map = match args {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(map)) => map,
        Some(_) => return Err(TaskArgError::new("", "must be an object")),
    };
    let language = match function {
        TaskFunction::ScriptBash => ScriptLanguage::Bash,
        TaskFunction::ScriptPython => ScriptLanguage::Python,
        TaskFunction::CleanupExecutions => {
            reject_unknown(map, &["retention_days", "failed_retention_days", "dry_run"])?;
            let dry_run = match map.get("dry_run") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(TaskArgError::new("dry_run", "must be a boolean")),
            };
            return TaskSpec::cleanup_executions(
                days(map, "retention_days")?,
                days(map, "failed_retention_days")?,
                dry_run,
            );
        }
        TaskFunction::ScrapeProfile => return scrape_args(ScrapeMode::Profile, map),
        TaskFunction::ScrapeHashtag => return scrape_args(ScrapeMode::Hashtag, map),
        TaskFunction::ClipVideo => {
            reject_unknown(map, &CLIP_ARGS)?;
            return parse_clip_args(map).map(TaskSpec::Clip);
        }
        TaskFunction::CleanupVideos => {
            reject_unknown(map, &RETENTION_ARGS)?;
            return parse_retention_args(map).map(TaskSpec::CleanupVideos);
        }
    };
    reject_unknown(map, &["script_path", "args"])?;
    let script_path = match map.get("script_path") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => return Err(TaskArgError::new("script_path", "field required")),
        Some(_) => return Err(TaskArgError::new("script_path", "must be a string")),
    };
    TaskSpec::script(language, script_path, string_list(map.get("args"))?)
}

/// The arguments as seed 004 shows them.
pub(super) fn task_args_view(task: &TaskSpec) -> Value {
    match task {
        TaskSpec::Script { script_path, args, .. } => json!({ "script_path": script_path, "args": args }),
        TaskSpec::CleanupExecutions { retention_days, failed_retention_days, dry_run } => json!({
            "retention_days": retention_days,
            "failed_retention_days": failed_retention_days,
            "dry_run": dry_run,
        }),
        TaskSpec::Scrape(scrape) => json!({
            "value": scrape.value(),
            "limit": scrape.limit(),
            "since": scrape.since(),
            "until": scrape.until(),
            "no_watermark": scrape.no_watermark(),
        }),
        TaskSpec::Clip(clip) => clip_args_view(clip),
        TaskSpec::CleanupVideos(task) => retention_args_view(task),
    }
}

/// A scrape's arguments under seed 002's names; the mode is the function's.
fn scrape_args(mode: ScrapeMode, map: &Map<String, Value>) -> Result<TaskSpec, TaskArgError> {
    reject_unknown(map, &["value", "limit", "since", "until", "no_watermark"])?;
    let value = match map.get("value") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => return Err(TaskArgError::new("value", "field required")),
        Some(_) => return Err(TaskArgError::new("value", "must be a string")),
    };
    let limit = match map.get("limit") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| TaskArgError::new("limit", "must be an integer from 1 to 200"))?,
        ),
    };
    let fields = ScrapeFields {
        mode: Some(mode),
        value,
        limit,
        since: time(map, "since")?,
        until: time(map, "until")?,
        no_watermark: match map.get("no_watermark") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(TaskArgError::new("no_watermark", "must be a boolean")),
        },
        ..ScrapeFields::default()
    };
    ScrapeTask::try_from(fields).map(TaskSpec::Scrape)
}

/// An ISO 8601 time with its offset, as seed 002's `since` and `until` are written.
fn time(map: &Map<String, Value>, key: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, TaskArgError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&chrono::Utc)))
            .map_err(|_| TaskArgError::new(key, "must be an ISO 8601 date and time, such as 2024-01-01T00:00:00Z")),
        Some(_) => Err(TaskArgError::new(key, "must be a string")),
    }
}

fn reject_unknown(map: &Map<String, Value>, known: &[&str]) -> Result<(), TaskArgError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => {
            Err(TaskArgError::new(key.clone(), format!("unknown argument; expected one of: {}", known.join(", "))))
        }
        None => Ok(()),
    }
}

fn string_list(value: Option<&Value>) -> Result<Vec<String>, TaskArgError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                _ => Err(TaskArgError::new(format!("args[{i}]"), "must be a string")),
            })
            .collect(),
        Some(_) => Err(TaskArgError::new("args", "must be an array of strings")),
    }
}

/// A day count; anything but a whole non-negative number is as far out of range as 0.
fn days(map: &Map<String, Value>, key: &str) -> Result<Option<u64>, TaskArgError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value.as_u64().map(Some).ok_or_else(|| TaskArgError::retention_out_of_range(key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_args_are_checked() {
        let spec =
            parse_task_args(TaskFunction::ScriptBash, Some(&json!({"script_path": "a.sh", "args": ["--full", "x y"]})));
        assert_eq!(
            spec,
            Ok(TaskSpec::Script {
                language: ScriptLanguage::Bash,
                script_path: "a.sh".into(),
                args: vec!["--full".into(), "x y".into()]
            })
        );
        let err = parse_task_args(TaskFunction::ScriptPython, Some(&json!({"script_path": "a.py", "args": ["a", 1]})))
            .unwrap_err();
        assert_eq!(err.field, "args[1]");
        let err = parse_task_args(TaskFunction::ScriptPython, Some(&json!({"args": []}))).unwrap_err();
        assert_eq!((err.field.as_str(), err.message.as_str()), ("script_path", "field required"));
        let err =
            parse_task_args(TaskFunction::ScriptBash, Some(&json!({"script_path": "a", "shell": true}))).unwrap_err();
        assert_eq!(err.field, "shell");
        assert!(parse_task_args(TaskFunction::ScriptBash, Some(&json!([1]))).is_err());
    }

    #[test]
    fn video_retention_needs_a_rule_and_knows_its_arguments() {
        let err = parse_task_args(TaskFunction::CleanupVideos, None).unwrap_err();
        assert_eq!(err.field, "older_than_days", "{err}");
        let err =
            parse_task_args(TaskFunction::CleanupVideos, Some(&json!({"keep_newest": 2, "days": 3}))).unwrap_err();
        assert_eq!(err.field, "days");
        let spec = parse_task_args(TaskFunction::CleanupVideos, Some(&json!({"older_than_days": 30}))).unwrap();
        assert_eq!(spec.function(), TaskFunction::CleanupVideos);
        assert_eq!(spec.default_job_name(), "cleanup.videos:videos/");
        assert_eq!(parse_task_args(TaskFunction::CleanupVideos, Some(&task_args_view(&spec))), Ok(spec));
    }

    #[test]
    fn cleanup_defaults_keep_failed_runs_longer() {
        let spec = parse_task_args(TaskFunction::CleanupExecutions, Some(&json!({"retention_days": 30}))).unwrap();
        assert_eq!(spec, TaskSpec::CleanupExecutions { retention_days: 30, failed_retention_days: 60, dry_run: false });
        assert!(parse_task_args(TaskFunction::CleanupExecutions, Some(&json!({"retention_days": 0}))).is_err());
        let err = parse_task_args(TaskFunction::CleanupExecutions, Some(&json!({"retention_days": -3}))).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.message.as_str()),
            ("retention_days", "must be an integer from 1 to 36500")
        );
    }

    #[test]
    fn scrape_args_take_seed_002s_names() {
        let args = json!({"value": "@Khaby.Lame", "limit": 20, "since": "2024-01-01T00:00:00Z", "no_watermark": false});
        let spec = parse_task_args(TaskFunction::ScrapeProfile, Some(&args)).unwrap();
        assert_eq!(spec.function(), TaskFunction::ScrapeProfile);
        assert_eq!(spec.default_job_name(), "scrape.profile:khaby.lame");
        let view = task_args_view(&spec);
        assert_eq!(view["limit"], 20);
        assert_eq!(parse_task_args(TaskFunction::ScrapeProfile, Some(&view)), Ok(spec));
        let err =
            parse_task_args(TaskFunction::ScrapeHashtag, Some(&json!({"value": "fyp", "limit": 500}))).unwrap_err();
        assert_eq!(err.field, "limit");
        let err = parse_task_args(TaskFunction::ScrapeHashtag, Some(&json!({"value": "fyp", "since": "yesterday"})))
            .unwrap_err();
        assert_eq!(err.field, "since");
        let err = parse_task_args(TaskFunction::ScrapeHashtag, None).unwrap_err();
        assert_eq!((err.field.as_str(), err.message.as_str()), ("value", "field required"));
    }

    #[test]
    fn the_view_reads_back() {
        let spec = TaskSpec::CleanupExecutions { retention_days: 3, failed_retention_days: 9, dry_run: false };
        let view = task_args_view(&spec);
        assert_eq!(parse_task_args(TaskFunction::CleanupExecutions, Some(&view)), Ok(spec));
    }
}
