//! Known vectors for every trigger form, with exact UTC instants. The helpers serve the tests of
//! the families' own trigger forms too.

mod cron;
mod dst;
mod expression;
mod render;

use chrono::{DateTime, SecondsFormat, Utc};

use super::{Trigger, TriggerError, parse_expression};

/// The "current time" most tests parse at.
const NOW: &str = "2025-01-01T00:00:00Z";

pub(crate) fn utc(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

pub(crate) fn now() -> DateTime<Utc> {
    utc(NOW)
}

fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// An EventBridge cron trigger in `zone`, parsed at [`NOW`].
pub(crate) fn cron(expr: &str, zone: &str) -> Trigger {
    parse_expression("expression", &format!("cron({expr})"), Some(zone), now()).expect("valid cron")
}

/// The next `n` fire times strictly after `after`.
pub(crate) fn fires(trigger: &Trigger, after: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = utc(after);
    while out.len() < n {
        match trigger.next_fire_after(cursor) {
            Some(t) => {
                assert!(t > cursor, "{t} is not after {cursor}");
                out.push(text(t));
                cursor = t;
            }
            None => break,
        }
    }
    out
}

/// Asserts where an error points and that its message says `fragment`.
pub(crate) fn assert_error(result: Result<Trigger, TriggerError>, field: &str, fragment: &str) {
    match result {
        Ok(t) => panic!("expected an error at {field}, got {t:?}"),
        Err(e) => {
            assert_eq!(e.field, field, "{e}");
            assert!(e.message.contains(fragment), "message {:?} lacks {fragment:?}", e.message);
        }
    }
}

#[test]
fn millisecond_precision_keeps_interval_fires_on_whole_milliseconds() {
    let anchor = utc("2025-01-01T00:00:00Z") + chrono::Duration::nanoseconds(1_234_567);
    let trigger = Trigger::Interval { every_seconds: 1, anchor }.at_millisecond_precision();
    let first = trigger.first_fire(anchor).expect("fires");
    assert_eq!(first, utc("2025-01-01T00:00:01.001Z"));
    assert_eq!(trigger.next_fire_after(first), Some(utc("2025-01-01T00:00:02.001Z")));
    let date = Trigger::date(utc("2025-01-01T00:00:00Z") + chrono::Duration::microseconds(1_500));
    assert_eq!(date.at_millisecond_precision(), Trigger::date(utc("2025-01-01T00:00:00.001Z")));
}
