//! A trigger shown as `scheduleConfig`, and what of a config sent back is a change.

use chrono::SecondsFormat;
use serde_json::{Map, Value, json};

use crate::domain::trigger::Trigger;

/// Interval: `{hours, minutes, seconds}` normalised (hours may exceed 24, as seed 004's daily
/// example has it). Cron: `{expression, timezone}` plus the fields it was created from. Date:
/// `{run_date, expression}`.
pub(in crate::http::scheduler_api) fn schedule_config_view(trigger: &Trigger) -> Value {
    match trigger {
        Trigger::Date { run_at } | Trigger::Now { at: run_at } => json!({
            "run_date": run_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            "expression": trigger.expression(),
        }),
        Trigger::Interval { every_seconds, .. } => json!({
            "hours": every_seconds / 3_600,
            "minutes": every_seconds % 3_600 / 60,
            "seconds": every_seconds % 60,
        }),
        Trigger::Cron(schedule) => {
            let mut map = Map::new();
            if let Some(fields) = schedule.fields()
                && let Ok(Value::Object(source)) = serde_json::to_value(fields)
            {
                map.extend(source);
            }
            map.insert("expression".into(), Value::String(trigger.expression()));
            map.insert("timezone".into(), Value::String(schedule.timezone().name().to_string()));
            Value::Object(map)
        }
    }
}

/// What of a `scheduleConfig` sent for a job of the same type is a change: `None` when it is
/// the job's own view sent back. The views of cron and date jobs carry `expression` beside the
/// fields it was made from, and the parser takes one or the other; the one the client left as
/// it was is the echo, so it is dropped.
pub(in crate::http::scheduler_api) fn changed_schedule_config(sent: &Value, current: &Value) -> Option<Value> {
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
