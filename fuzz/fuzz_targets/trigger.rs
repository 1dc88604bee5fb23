//! `at(…)`, `rate(…)` and `cron(…)` schedule expressions, in a time zone or none.
//!
//! An accepted expression must render to an expression that parses back to the same trigger, its
//! storage form must read back unchanged, and its next fire time must lie after the moment asked.
#![no_main]

use chrono::{DateTime, TimeZone, Utc};
use jobsmith::domain::trigger::{Trigger, parse_expression};
use libfuzzer_sys::fuzz_target;

const ZONES: [Option<&str>; 5] = [None, Some("UTC"), Some("Europe/Berlin"), Some("America/New_York"), Some("Asia/Kolkata")];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).single().unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let zone = ZONES[usize::from(pick) % ZONES.len()];
    let Ok(trigger) = parse_expression("expr", text, zone, now()) else { return };

    // at() renders in UTC, so the rendered form is read back without the zone; cron keeps it.
    let rendered = trigger.expression();
    let zone_again = match &trigger {
        Trigger::Cron(schedule) => Some(schedule.timezone().name()),
        _ => None,
    };
    let again = parse_expression("expr", &rendered, zone_again, now())
        .unwrap_or_else(|e| panic!("{text:?} rendered as {rendered:?}, which does not parse: {e:?}"));
    match (&trigger, &again) {
        (Trigger::Cron(a), Trigger::Cron(b)) => {
            assert_eq!(a.expression(), b.expression(), "{text:?}");
            assert_eq!(a.timezone(), b.timezone(), "{text:?}");
        }
        _ => assert_eq!(trigger, again, "{text:?} rendered as {rendered:?}"),
    }
    assert_eq!(again.expression(), rendered, "{text:?}");

    let stored = serde_json::to_string(&trigger).unwrap_or_else(|e| panic!("{text:?} cannot be stored: {e}"));
    let loaded: Trigger = serde_json::from_str(&stored).unwrap_or_else(|e| panic!("{stored} does not load: {e}"));
    assert_eq!(loaded.expression(), rendered, "{stored}");

    if let Some(next) = trigger.next_fire_after(now()) {
        assert!(next > now(), "{text:?} fires at {next}, not after {}", now());
        if let Some(after) = trigger.next_fire_after(next) {
            assert!(after > next, "{text:?}: {after} follows {next}");
        }
    }
});
