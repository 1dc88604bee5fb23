//! Which task function and job type a request names, and what of a sent-back view changed.

use crate::domain::task::TaskFunction;
use crate::domain::trigger::JobType;
use crate::http::scheduler_api::problems::{INVALID, Problems};
use serde_json::{Map, Value};

/// A name or id given as a string or a number; anything else is an echoed view object.
pub(super) fn names_by_value(value: &Value) -> bool {
    value.is_string() || value.is_number()
}

pub(super) fn resolve_function(
    id: Option<i64>,
    named: Option<&Value>,
    problems: &mut Problems,
) -> Option<TaskFunction> {
    let known =
        || TaskFunction::ALL.iter().map(|f| format!("{} ({})", f.id(), f.name())).collect::<Vec<_>>().join(", ");
    let by_id = id.and_then(|id| {
        let found = TaskFunction::from_id(id);
        if found.is_none() {
            problems.at("body", "taskFunctionId", format!("unknown task function {id}; known: {}", known()), INVALID);
        }
        found
    });
    let by_name = match named {
        Some(Value::String(name)) => {
            let found = TaskFunction::from_name(name);
            if found.is_none() {
                problems.at(
                    "body",
                    "taskFunction",
                    format!("unknown task function '{name}'; known: {}", known()),
                    INVALID,
                );
            }
            found
        }
        Some(Value::Number(n)) => {
            let found = n.as_i64().and_then(TaskFunction::from_id);
            if found.is_none() {
                problems.at("body", "taskFunction", format!("unknown task function {n}; known: {}", known()), INVALID);
            }
            found
        }
        _ => None,
    };
    let (function, field) = match (by_id, by_name) {
        (Some(a), Some(b)) if a != b => {
            problems.at(
                "body",
                "taskFunction",
                format!("names {} but taskFunctionId is {}", b.name(), a.id()),
                INVALID,
            );
            return None;
        }
        (Some(f), _) => (f, "taskFunctionId"),
        (None, Some(f)) => (f, "taskFunction"),
        (None, None) => return None,
    };
    if !function.info().is_active {
        problems.at(
            "body",
            field,
            format!("task function {} is not available in this build", function.name()),
            INVALID,
        );
        return None;
    }
    Some(function)
}

pub(super) fn resolve_job_type(id: Option<i64>, named: Option<&Value>, problems: &mut Problems) -> Option<JobType> {
    const KNOWN: &str = "1 (interval), 2 (cron) or 3 (date)";
    let by_id = id.and_then(|id| {
        let found = JobType::from_id(id);
        if found.is_none() {
            problems.at("body", "jobTypeId", format!("unknown job type {id}; expected {KNOWN}"), INVALID);
        }
        found
    });
    let by_name = match named {
        Some(Value::String(name)) => {
            let found = JobType::from_name(name);
            if found.is_none() {
                problems.at("body", "jobType", format!("unknown job type '{name}'; expected {KNOWN}"), INVALID);
            }
            found
        }
        Some(Value::Number(n)) => {
            let found = n.as_i64().and_then(JobType::from_id);
            if found.is_none() {
                problems.at("body", "jobType", format!("unknown job type {n}; expected {KNOWN}"), INVALID);
            }
            found
        }
        _ => None,
    };
    match (by_id, by_name) {
        (Some(a), Some(b)) if a != b => {
            problems.at("body", "jobType", format!("names {} but jobTypeId is {}", b.name(), a.id()), INVALID);
            None
        }
        (a, b) => a.or(b),
    }
}

/// The job type a `scheduleConfig` can only mean, for clients that leave `jobTypeId` out.
pub(super) fn infer_job_type(config: &Value) -> Option<JobType> {
    let map = config.as_object()?;
    if let Some(Value::String(expression)) = map.get("expression") {
        let expression = expression.trim_start();
        return [("at(", JobType::Date), ("rate(", JobType::Interval), ("cron(", JobType::Cron)]
            .into_iter()
            .find(|(prefix, _)| expression.starts_with(prefix))
            .map(|(_, job_type)| job_type);
    }
    let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
    let candidates = [
        (has(&["run_date"]), JobType::Date),
        (has(&["weeks", "days", "hours", "minutes", "seconds"]), JobType::Interval),
        (has(&["minute", "hour", "day", "month", "day_of_week", "year"]), JobType::Cron),
    ];
    let mut matching = candidates.into_iter().filter(|(hit, _)| *hit);
    match (matching.next(), matching.next()) {
        (Some((_, job_type)), None) => Some(job_type),
        _ => None,
    }
}

/// What of a `scheduleConfig` sent for a job of the same type is a change: `None` when it is
/// the job's own view sent back. The views of cron and date jobs carry `expression` beside the
/// fields it was made from, and the parser takes one or the other; the one the client left as
/// it was is the echo, so it is dropped.
pub(super) fn changed_schedule_config(sent: &Value, current: &Value) -> Option<Value> {
    if sent == current {
        return None;
    }
    let (Some(sent_map), Some(current_map)) = (sent.as_object(), current.as_object()) else {
        return Some(sent.clone());
    };
    let (Some(sent_expression), Some(current_expression)) = (sent_map.get("expression"), current_map.get("expression"))
    else {
        return Some(sent.clone());
    };
    let is_field = |key: &str| key != "expression" && key != "timezone";
    let mut reduced: Map<String, Value> = sent_map.clone();
    if sent_expression == current_expression {
        if reduced.keys().any(|k| is_field(k)) {
            reduced.remove("expression");
        }
    } else {
        reduced.retain(|key, value| !is_field(key) || current_map.get(key) != Some(value));
    }
    Some(Value::Object(reduced))
}
