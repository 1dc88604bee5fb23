//! `cleanup.videos`'s `taskArgs`: `older_than_days`, `keep_newest` (per source) and `max_bytes`,
//! at least one of them; `prefix`, `videos/` or a folder under it (`videos/` when absent); and
//! `dry_run`.

use serde_json::{Map, Value, json};

use crate::domain::task::{RetentionFields, RetentionTask, TaskArgError};

pub(crate) const RETENTION_ARGS: [&str; 5] = ["older_than_days", "keep_newest", "max_bytes", "prefix", "dry_run"];

pub(crate) fn parse_retention_args(map: &Map<String, Value>) -> Result<RetentionTask, TaskArgError> {
    let fields = RetentionFields {
        older_than_days: count(map, "older_than_days", "must be an integer from 1 to 36500")?,
        keep_newest: count(map, "keep_newest", "must be an integer from 1 to 100000")?,
        max_bytes: count(map, "max_bytes", "must be a number of bytes, at least 1")?,
        prefix: match map.get("prefix") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(TaskArgError::new("prefix", "must be a string")),
        },
        dry_run: match map.get("dry_run") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(TaskArgError::new("dry_run", "must be a boolean")),
        },
    };
    RetentionTask::try_from(fields)
}

/// Every argument, the rules not given as null, so that a client reads back what it may set.
pub(crate) fn retention_args_view(task: &RetentionTask) -> Value {
    let rules = task.rules();
    json!({
        "older_than_days": rules.older_than_days(),
        "keep_newest": rules.keep_newest(),
        "max_bytes": rules.max_bytes(),
        "prefix": task.prefix(),
        "dry_run": task.dry_run(),
    })
}

/// A whole non-negative number; anything else is as far out of range as a negative one.
fn count(map: &Map<String, Value>, key: &str, message: &str) -> Result<Option<u64>, TaskArgError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value.as_u64().map(Some).ok_or_else(|| TaskArgError::new(key, message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: Value) -> Result<RetentionTask, TaskArgError> {
        parse_retention_args(args.as_object().unwrap())
    }

    #[test]
    fn arguments_round_trip_through_the_view() {
        let args = json!({"older_than_days": 30, "keep_newest": 5, "max_bytes": 1_000_000_000_u64, "prefix": "videos/profile/a/", "dry_run": true});
        let task = parse(args.clone()).unwrap();
        assert_eq!(retention_args_view(&task), args);
        let defaulted = parse(json!({"keep_newest": 3})).unwrap();
        let view = retention_args_view(&defaulted);
        assert_eq!(
            view,
            json!({"older_than_days": null, "keep_newest": 3, "max_bytes": null, "prefix": "videos/", "dry_run": false})
        );
        assert_eq!(parse(view).unwrap(), defaulted);
    }

    #[test]
    fn each_problem_names_its_field() {
        for (args, field) in [
            (json!({}), "older_than_days"),
            (json!({"dry_run": true}), "older_than_days"),
            (json!({"older_than_days": 0}), "older_than_days"),
            (json!({"older_than_days": 36_501}), "older_than_days"),
            (json!({"older_than_days": 1.5}), "older_than_days"),
            (json!({"older_than_days": "30"}), "older_than_days"),
            (json!({"keep_newest": -1}), "keep_newest"),
            (json!({"keep_newest": 100_001}), "keep_newest"),
            (json!({"max_bytes": 0}), "max_bytes"),
            (json!({"max_bytes": "1GB"}), "max_bytes"),
            (json!({"keep_newest": 1, "prefix": "clips/"}), "prefix"),
            (json!({"keep_newest": 1, "prefix": "videos/../clips"}), "prefix"),
            (json!({"keep_newest": 1, "prefix": 7}), "prefix"),
            (json!({"keep_newest": 1, "dry_run": "yes"}), "dry_run"),
        ] {
            assert_eq!(parse(args.clone()).unwrap_err().field, field, "{args}");
        }
    }
}
