//! Seed 001 shows a job's trigger as APScheduler's `str(trigger)`; its clients print it as is.

use crate::domain::trigger::Trigger;
use crate::http::time;

/// `date[2024-12-31 23:59:59 UTC]`, `interval[1:00:00]`, and for cron
/// `cron[cron(0 9 ? * MON *) Europe/Berlin]`.
pub(super) fn apscheduler_trigger_text(trigger: &Trigger) -> String {
    match trigger {
        Trigger::Date { run_at } | Trigger::Now { at: run_at } => {
            // The naive form with a space for its `T`: chrono's RFC 3339 writer rather than a
            // format string interpreted for every view of every job.
            format!("date[{} UTC]", time::naive(*run_at).replacen('T', " ", 1))
        }
        Trigger::Interval { every_seconds, .. } => format!("interval[{}]", python_timedelta(*every_seconds)),
        Trigger::Cron(schedule) => format!("cron[{} {}]", trigger.expression(), schedule.timezone().name()),
    }
}

/// Python's `str(timedelta)`: `1:00:00`, `0:00:30`, `1 day, 2:03:04`, `2 days, 0:00:00`.
fn python_timedelta(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let clock = format!("{}:{:02}:{:02}", rest / 3_600, rest % 3_600 / 60, rest % 60);
    match days {
        0 => clock,
        1 => format!("1 day, {clock}"),
        _ => format!("{days} days, {clock}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::trigger::tests::{cron, now, utc};

    fn interval(every_seconds: u64) -> Trigger {
        Trigger::Interval { every_seconds, anchor: now() }
    }

    #[test]
    fn like_apscheduler() {
        let text = apscheduler_trigger_text;
        assert_eq!(text(&Trigger::date(utc("2024-12-31T23:59:59Z"))), "date[2024-12-31 23:59:59 UTC]");
        assert_eq!(text(&interval(3_600)), "interval[1:00:00]");
        assert_eq!(text(&interval(30)), "interval[0:00:30]");
        assert_eq!(text(&interval(90_061)), "interval[1 day, 1:01:01]");
        assert_eq!(text(&interval(172_800)), "interval[2 days, 0:00:00]");
        assert_eq!(text(&cron("0 9 ? * MON *", "Europe/Berlin")), "cron[cron(0 9 ? * MON *) Europe/Berlin]");
    }

    #[test]
    fn a_date_reads_as_strftime_writes_it() {
        for at in ["0001-01-01T00:00:00Z", "1999-12-31T23:59:59.999Z", "2024-02-29T08:05:03Z", "9999-12-31T23:59:59Z"] {
            let run_at = utc(at);
            let expected = format!("date[{}]", run_at.format("%Y-%m-%d %H:%M:%S UTC"));
            assert_eq!(apscheduler_trigger_text(&Trigger::date(run_at)), expected, "{at}");
        }
    }
}
