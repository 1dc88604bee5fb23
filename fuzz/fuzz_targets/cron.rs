//! EventBridge's six-field cron expressions (`0 9 ? * MON *`), in a time zone.
//!
//! An accepted expression is normalised (upper case, single spaces): the normal form must parse
//! to itself and fire at the same times, and fire times must rise strictly.
#![no_main]

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use jobsmith::domain::trigger::CronSchedule;
use libfuzzer_sys::fuzz_target;

const ZONES: [Tz; 5] = [Tz::UTC, Tz::Europe__Berlin, Tz::America__New_York, Tz::Australia__Lord_Howe, Tz::Asia__Kolkata];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let zone = ZONES[usize::from(pick) % ZONES.len()];
    let Ok(schedule) = CronSchedule::parse("cron", text, zone) else { return };

    let normal = schedule.expression();
    let again = CronSchedule::parse("cron", normal, zone)
        .unwrap_or_else(|e| panic!("{text:?} normalised to {normal:?}, which does not parse: {e:?}"));
    assert_eq!(again.expression(), normal, "{text:?}");

    let Some(start) = Utc.with_ymd_and_hms(2026, 3, 28, 23, 0, 0).single() else { return };
    let mut at: DateTime<Utc> = start;
    for _ in 0..4 {
        let next = schedule.next_after(at);
        assert_eq!(next, again.next_after(at), "{text:?} and {normal:?} differ after {at}");
        let Some(next) = next else { break };
        assert!(next > at, "{text:?} fires at {next}, not after {at}");
        // A fire time lands on a whole second.
        assert_eq!(next, next - Duration::nanoseconds(i64::from(next.timestamp_subsec_nanos())), "{text:?}");
        at = next;
    }
});
