//! The time formats the seeds' clients parse.

use chrono::{DateTime, SecondsFormat, Utc};

/// Seed 004: `2024-01-15T12:00:00Z`.
pub fn rfc3339_z(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Seed 001 (APScheduler): `2024-12-31T23:59:59+00:00`.
pub fn offset(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Seed 000: `2024-11-11T20:30:00`, naive UTC. Its clients compare it with a naive
/// `datetime.now()`, which fails on an aware value.
pub fn naive(at: DateTime<Utc>) -> String {
    // The `Z` form less its `Z`: chrono's fixed RFC 3339 writer is much cheaper than interpreting
    // a format string, and every job view writes several of these.
    let mut text = rfc3339_z(at);
    text.pop();
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats() {
        let at = Utc.with_ymd_and_hms(2024, 12, 31, 23, 59, 59).unwrap();
        assert_eq!(rfc3339_z(at), "2024-12-31T23:59:59Z");
        assert_eq!(offset(at), "2024-12-31T23:59:59+00:00");
        assert_eq!(naive(at), "2024-12-31T23:59:59");
    }

    #[test]
    fn naive_drops_the_fraction_as_the_other_forms_do() {
        let at = Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::milliseconds(987);
        assert_eq!(naive(at), "2024-01-02T03:04:05");
        assert_eq!(rfc3339_z(at), "2024-01-02T03:04:05Z");
    }
}
