//! `cleanup.videos`: which stored videos a retention run removes. The rules are those of the
//! media managers people come from (Pinchflat, Tube Archivist): an age, a number of newest videos
//! kept per source, and a byte quota; a pinned video is never removed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::task::RETENTION_DAYS;
use super::video::{ScrapeMode, ScrapeValue, VideoId};

#[cfg(test)]
mod tests;

/// How many newest videos per source a run may keep: one at least, and a bound that no profile
/// or hashtag reaches.
pub const KEEP_NEWEST: std::ops::RangeInclusive<u64> = 1..=100_000;

/// What removed a video, in the order the rules are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    OlderThanDays,
    KeepNewest,
    MaxBytes,
}

impl Rule {
    pub const ALL: [Rule; 3] = [Self::OlderThanDays, Self::KeepNewest, Self::MaxBytes];

    /// The argument that sets it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OlderThanDays => "older_than_days",
            Self::KeepNewest => "keep_newest",
            Self::MaxBytes => "max_bytes",
        }
    }
}

/// At least one rule; each within its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRules {
    older_than_days: Option<u32>,
    keep_newest: Option<u32>,
    max_bytes: Option<u64>,
}

/// Which rule is out of bounds, or that none was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("must be an integer from 1 to 36500")]
    OlderThanDays,
    #[error("must be an integer from 1 to 100000")]
    KeepNewest,
    #[error("must be a number of bytes, at least 1")]
    MaxBytes,
    #[error("give at least one of older_than_days, keep_newest and max_bytes")]
    NoRule,
}

impl RulesError {
    /// The argument the error is about; none names the first rule.
    pub fn field(self) -> &'static str {
        match self {
            Self::OlderThanDays | Self::NoRule => Rule::OlderThanDays.as_str(),
            Self::KeepNewest => Rule::KeepNewest.as_str(),
            Self::MaxBytes => Rule::MaxBytes.as_str(),
        }
    }
}

impl RetentionRules {
    pub fn new(
        older_than_days: Option<u64>,
        keep_newest: Option<u64>,
        max_bytes: Option<u64>,
    ) -> Result<Self, RulesError> {
        let within = |n: Option<u64>, range: &std::ops::RangeInclusive<u64>, err: RulesError| {
            n.map(|n| Some(n).filter(|n| range.contains(n)).and_then(|n| u32::try_from(n).ok()).ok_or(err)).transpose()
        };
        let older_than_days = within(older_than_days, &RETENTION_DAYS, RulesError::OlderThanDays)?;
        let keep_newest = within(keep_newest, &KEEP_NEWEST, RulesError::KeepNewest)?;
        if max_bytes == Some(0) {
            return Err(RulesError::MaxBytes);
        }
        if older_than_days.is_none() && keep_newest.is_none() && max_bytes.is_none() {
            return Err(RulesError::NoRule);
        }
        Ok(Self { older_than_days, keep_newest, max_bytes })
    }

    pub fn older_than_days(&self) -> Option<u32> {
        self.older_than_days
    }

    pub fn keep_newest(&self) -> Option<u32> {
        self.keep_newest
    }

    pub fn max_bytes(&self) -> Option<u64> {
        self.max_bytes
    }
}

/// A stored video as the plan weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: VideoId,
    /// When its file was stored: its age, and its place among its source's videos. A video
    /// fetched again by a retry starts afresh, as a re-download does in a media manager.
    pub stored_at: DateTime<Utc>,
    pub bytes: u64,
    /// The scrape that found it: its mode and value.
    pub source: (ScrapeMode, ScrapeValue),
    pub pinned: bool,
}

/// What a run removes and what it leaves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Indexes into the candidates, oldest first, with the rule that took each.
    pub remove: Vec<(usize, Rule)>,
    pub kept: u64,
    /// Everything kept, the pinned videos' bytes included: above `max_bytes` only when the pinned
    /// ones alone are over it.
    pub bytes_kept: u64,
    pub pinned: u64,
    pub pinned_bytes: u64,
}

/// Applies the rules in order: older than the age; beyond the newest `keep_newest` of each source
/// (pinned videos take none of those places); then, while what is left weighs more than
/// `max_bytes`, the oldest first. Pinned videos never go, but they count toward the quota's
/// total: the quota is what the prefix may hold, so a pinned video leaves less room for others.
pub fn plan(rules: &RetentionRules, videos: &[Candidate], now: DateTime<Utc>) -> Plan {
    let mut order: Vec<usize> = (0..videos.len()).collect();
    // Newest first, as listings go; the id settles equal times the same way every time.
    order.sort_by(|&a, &b| (videos[b].stored_at, videos[b].id).cmp(&(videos[a].stored_at, videos[a].id)));
    let mut taken: Vec<Option<Rule>> = vec![None; videos.len()];
    if let Some(days) = rules.older_than_days {
        let cutoff = now - chrono::Duration::days(i64::from(days));
        for &i in &order {
            if !videos[i].pinned && videos[i].stored_at < cutoff {
                taken[i] = Some(Rule::OlderThanDays);
            }
        }
    }
    if let Some(keep) = rules.keep_newest {
        let mut seen: HashMap<&(ScrapeMode, ScrapeValue), u32> = HashMap::new();
        for &i in order.iter().filter(|&&i| !videos[i].pinned) {
            let rank = seen.entry(&videos[i].source).or_default();
            *rank += 1;
            if *rank > keep && taken[i].is_none() {
                taken[i] = Some(Rule::KeepNewest);
            }
        }
    }
    let mut left = weigh(videos, order.iter().copied().filter(|&i| taken[i].is_none()));
    if let Some(quota) = rules.max_bytes {
        for &i in order.iter().rev() {
            if left <= quota {
                break;
            }
            if taken[i].is_none() && !videos[i].pinned {
                taken[i] = Some(Rule::MaxBytes);
                left = left.saturating_sub(videos[i].bytes);
            }
        }
    }
    let pinned: Vec<usize> = order.iter().copied().filter(|&i| videos[i].pinned).collect();
    Plan {
        remove: order.iter().rev().filter_map(|&i| taken[i].map(|rule| (i, rule))).collect(),
        kept: taken.iter().filter(|t| t.is_none()).count() as u64,
        bytes_kept: left,
        pinned: pinned.len() as u64,
        pinned_bytes: weigh(videos, pinned.iter().copied()),
    }
}

/// The bytes of the picked videos; a sum past `u64` stays at its top, where any quota is exceeded.
fn weigh(videos: &[Candidate], picked: impl Iterator<Item = usize>) -> u64 {
    picked.fold(0, |sum, i| sum.saturating_add(videos[i].bytes))
}
