use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::test_support::fixtures::t0;
use crate::test_support::videos::value;

const DAY: i64 = 86_400;

/// Video `n` of `source`, stored `days` before `t0`, of `bytes` bytes.
fn video(n: u128, source: &str, days: i64, bytes: u64) -> Candidate {
    Candidate {
        id: VideoId::from_uuid(uuid::Uuid::from_u128(n)),
        stored_at: t0() - Duration::seconds(days * DAY),
        bytes,
        source: (ScrapeMode::Profile, value(source)),
        pinned: false,
    }
}

fn pinned(video: Candidate) -> Candidate {
    Candidate { pinned: true, ..video }
}

fn rules(days: Option<u64>, keep: Option<u64>, bytes: Option<u64>) -> RetentionRules {
    RetentionRules::new(days, keep, bytes).unwrap()
}

/// The ids the plan removes, oldest first, with the rule that took each.
fn removed(plan: &Plan, videos: &[Candidate]) -> Vec<(u128, Rule)> {
    plan.remove.iter().map(|&(i, rule)| (videos[i].id.as_uuid().as_u128(), rule)).collect()
}

fn now() -> DateTime<Utc> {
    t0()
}

#[test]
fn rules_are_checked_and_one_is_required() {
    assert_eq!(RetentionRules::new(None, None, None), Err(RulesError::NoRule));
    assert_eq!(RetentionRules::new(Some(0), None, None), Err(RulesError::OlderThanDays));
    assert_eq!(RetentionRules::new(Some(36_501), None, None), Err(RulesError::OlderThanDays));
    assert_eq!(RetentionRules::new(None, Some(0), None), Err(RulesError::KeepNewest));
    assert_eq!(RetentionRules::new(None, Some(100_001), None), Err(RulesError::KeepNewest));
    assert_eq!(RetentionRules::new(None, None, Some(0)), Err(RulesError::MaxBytes));
    assert_eq!(RulesError::KeepNewest.field(), "keep_newest");
    let all = rules(Some(36_500), Some(100_000), Some(u64::MAX));
    assert_eq!(
        (all.older_than_days(), all.keep_newest(), all.max_bytes()),
        (Some(36_500), Some(100_000), Some(u64::MAX))
    );
}

#[test]
fn age_takes_what_is_older_than_the_days_and_spares_the_pinned() {
    let videos = [video(1, "a", 31, 10), video(2, "a", 30, 10), video(3, "b", 400, 10), pinned(video(4, "a", 90, 10))];
    let plan = plan(&rules(Some(30), None, None), &videos, now());
    assert_eq!(removed(&plan, &videos), [(3, Rule::OlderThanDays), (1, Rule::OlderThanDays)]);
    assert_eq!((plan.kept, plan.bytes_kept, plan.pinned, plan.pinned_bytes), (2, 20, 1, 10));
}

#[test]
fn keep_newest_counts_each_source_apart_and_pinned_take_no_place() {
    let videos = [
        video(1, "a", 1, 1),
        video(2, "a", 2, 1),
        pinned(video(3, "a", 3, 1)),
        video(4, "a", 4, 1),
        video(5, "b", 9, 1),
        video(6, "b", 8, 1),
    ];
    let plan = plan(&rules(None, Some(2), None), &videos, now());
    assert_eq!(removed(&plan, &videos), [(4, Rule::KeepNewest)], "b has two; a's pinned one is extra");
    let plan = super::plan(&rules(None, Some(1), None), &videos, now());
    assert_eq!(removed(&plan, &videos), [(5, Rule::KeepNewest), (4, Rule::KeepNewest), (2, Rule::KeepNewest)]);
}

#[test]
fn the_same_value_under_another_mode_is_another_source() {
    let hashtag = Candidate { source: (ScrapeMode::Hashtag, value("a")), ..video(2, "a", 5, 1) };
    let videos = [video(1, "a", 1, 1), hashtag];
    assert!(plan(&rules(None, Some(1), None), &videos, now()).remove.is_empty());
}

#[test]
fn equal_times_are_ranked_by_id() {
    let videos = [video(7, "a", 3, 1), video(9, "a", 3, 1), video(8, "a", 3, 1)];
    let plan = plan(&rules(None, Some(1), None), &videos, now());
    assert_eq!(removed(&plan, &videos), [(7, Rule::KeepNewest), (8, Rule::KeepNewest)]);
}

#[test]
fn the_quota_takes_the_oldest_until_under_and_pinned_bytes_count() {
    let videos = [video(1, "a", 1, 40), video(2, "a", 2, 30), pinned(video(3, "a", 9, 50)), video(4, "b", 3, 20)];
    // 140 bytes against 80: the oldest unpinned go (20, then 30), leaving 40 + the pinned 50.
    let plan = plan(&rules(None, None, Some(100)), &videos, now());
    assert_eq!(removed(&plan, &videos), [(4, Rule::MaxBytes), (2, Rule::MaxBytes)]);
    assert_eq!((plan.bytes_kept, plan.pinned_bytes), (90, 50));
    let exact = super::plan(&rules(None, None, Some(140)), &videos, now());
    assert!(exact.remove.is_empty(), "at the quota is not over it");
    let too_small = super::plan(&rules(None, None, Some(10)), &videos, now());
    assert_eq!(too_small.remove.len(), 3);
    assert_eq!((too_small.bytes_kept, too_small.kept), (50, 1), "the pinned stay over it");
}

#[test]
fn the_rules_apply_in_order_and_the_quota_weighs_what_the_others_left() {
    let videos = [
        video(1, "a", 1, 10),
        video(2, "a", 2, 10),
        video(3, "a", 3, 10),
        video(4, "b", 40, 10),
        video(5, "b", 4, 100),
        pinned(video(6, "b", 50, 10)),
    ];
    let plan = plan(&rules(Some(30), Some(2), Some(120)), &videos, now());
    assert_eq!(
        removed(&plan, &videos),
        [(4, Rule::OlderThanDays), (5, Rule::MaxBytes), (3, Rule::KeepNewest)],
        "after age and count 130 bytes are left; the oldest left, 5, takes it under 120"
    );
    assert_eq!((plan.kept, plan.bytes_kept), (3, 30));
}

#[test]
fn nothing_to_weigh_is_an_empty_plan() {
    let plan = plan(&rules(Some(1), Some(1), Some(1)), &[], now());
    assert_eq!(plan, Plan::default());
}
