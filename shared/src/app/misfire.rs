//! What to do with a fire time that has come, possibly late: run it, skip it, or coalesce the
//! runs missed while the scheduler was down into one.

use chrono::{DateTime, Duration, Utc};

use crate::domain::trigger::Trigger;

/// Walking a fine interval across a long outage must not take forever; past this many missed
/// fires the oldest ones are counted, not visited.
const MAX_MISSED_WALK: usize = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub struct FirePlan {
    /// The scheduled time to run now, if any.
    pub run: Option<DateTime<Utc>>,
    /// A fire time to record as skipped, with why.
    pub skip: Option<(DateTime<Utc>, String)>,
    /// The job's next run time after this one.
    pub next: Option<DateTime<Utc>>,
}

pub fn plan_fire(trigger: &Trigger, due: DateTime<Utc>, now: DateTime<Utc>, grace: Duration) -> FirePlan {
    let mut latest = due;
    let mut missed = 0usize;
    while missed < MAX_MISSED_WALK {
        match trigger.next_fire_after(latest) {
            Some(next) if next <= now => {
                latest = next;
                missed += 1;
            }
            _ => break,
        }
    }
    if missed == MAX_MISSED_WALK {
        // Too many to walk: jump to the fire just before now.
        if let Some(next) = trigger.next_fire_after(now - Duration::milliseconds(1)) {
            latest = if next <= now { next } else { latest };
        }
    }
    let next = trigger.next_fire_after(now.max(latest));
    let lateness = now - latest;
    if lateness > grace {
        let why = format!(
            "misfired: due at {} but the scheduler was {} s late (grace {} s)",
            latest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            lateness.num_seconds(),
            grace.num_seconds()
        );
        return FirePlan { run: None, skip: Some((latest, why)), next };
    }
    let skip = (missed > 0).then(|| {
        (
            due,
            format!(
                "missed {missed} earlier run(s) while the scheduler was down; coalesced into the run due at {}",
                latest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        )
    });
    FirePlan { run: Some(latest), skip, next }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + s, 0).single().unwrap()
    }

    fn every(secs: u64) -> Trigger {
        Trigger::Interval { every_seconds: secs, anchor: t(0) }
    }

    #[test]
    fn on_time_fire_runs_and_plans_the_next() {
        let plan = plan_fire(&every(10), t(10), t(10), Duration::seconds(60));
        assert_eq!(plan, FirePlan { run: Some(t(10)), skip: None, next: Some(t(20)) });
    }

    #[test]
    fn missed_fires_within_grace_coalesce_into_one_run() {
        let plan = plan_fire(&every(10), t(10), t(45), Duration::seconds(60));
        assert_eq!(plan.run, Some(t(40)));
        assert_eq!(plan.next, Some(t(50)));
        let (at, why) = plan.skip.unwrap();
        assert_eq!(at, t(10));
        assert!(why.contains("missed 3 earlier"), "{why}");
    }

    #[test]
    fn a_fire_past_its_grace_is_skipped() {
        let date = Trigger::Date { run_at: t(10) };
        let plan = plan_fire(&date, t(10), t(200), Duration::seconds(60));
        assert_eq!(plan.run, None);
        assert_eq!(plan.next, None);
        let (at, why) = plan.skip.unwrap();
        assert_eq!(at, t(10));
        assert!(why.starts_with("misfired"), "{why}");
    }

    #[test]
    fn a_long_outage_on_a_fine_interval_is_bounded() {
        let plan = plan_fire(&every(1), t(1), t(10_000_000), Duration::seconds(60));
        assert_eq!(plan.run, Some(t(10_000_000)));
        assert_eq!(plan.next, Some(t(10_000_001)));
    }
}
