use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::*;
use crate::test_support::clock::ManualClock;
use crate::test_support::fixtures::{secs, t0};

fn limiter() -> (Arc<ManualClock>, Arc<PlatformLimiter>) {
    let clock = Arc::new(ManualClock::new(t0()));
    (clock.clone(), Arc::new(PlatformLimiter::new(clock)))
}

fn tiktok() -> Platform {
    Platform::tiktok()
}

#[tokio::test]
async fn a_platform_never_limited_runs_free() {
    let (_, limiter) = limiter();
    for _ in 0..10 {
        assert_eq!(limiter.acquire(&tiktok(), &CancellationToken::new()).await, Ok(()));
    }
    assert_eq!(limiter.paces()[0].spacing, Duration::ZERO);
    assert!(!limiter.any_slowed());
}

#[tokio::test]
async fn a_rate_limit_pauses_for_retry_after_then_spaces_requests() {
    let (clock, limiter) = limiter();
    limiter.rate_limited(&tiktok(), Some(Duration::from_secs(30)));
    let pace = &limiter.paces()[0];
    assert!(pace.slowed);
    assert_eq!(pace.paused_until, Some(t0() + secs(30)));
    assert_eq!(pace.spacing, FIRST_SPACING);

    let waiting = tokio::spawn({
        let limiter = limiter.clone();
        async move { limiter.acquire(&tiktok(), &CancellationToken::new()).await }
    });
    assert_eq!(clock.until_someone_sleeps("the pause's end", |_| true).await, t0() + secs(30));
    clock.set(t0() + secs(30));
    assert_eq!(waiting.await.unwrap(), Ok(()));

    let next = tokio::spawn({
        let limiter = limiter.clone();
        async move { limiter.acquire(&tiktok(), &CancellationToken::new()).await }
    });
    assert_eq!(clock.until_someone_sleeps("one spacing later", |_| true).await, t0() + secs(32));
    clock.set(t0() + secs(32));
    assert_eq!(next.await.unwrap(), Ok(()));
    assert_eq!(limiter.paces()[0].paused_until, None, "the pause is over");
    assert!(limiter.paces()[0].slowed, "still spaced");
}

#[tokio::test]
async fn other_platforms_are_not_slowed() {
    let (_, limiter) = limiter();
    limiter.rate_limited(&tiktok(), None);
    let generic = Platform::parse("generic").unwrap();
    assert_eq!(limiter.acquire(&generic, &CancellationToken::new()).await, Ok(()));
    let paces = limiter.paces();
    assert_eq!(
        paces.iter().map(|p| (p.platform.as_str(), p.slowed)).collect::<Vec<_>>(),
        [("generic", false), ("tiktok", true)]
    );
}

#[test]
fn spacing_doubles_up_to_its_cap_and_eases_back_after_successes() {
    let (_, limiter) = limiter();
    let spacing = |l: &PlatformLimiter| l.paces()[0].spacing;
    let mut seen = Vec::new();
    for _ in 0..10 {
        limiter.rate_limited(&tiktok(), Some(Duration::ZERO));
        seen.push(spacing(&limiter).as_secs());
    }
    assert_eq!(seen, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);

    for _ in 0..EASE_AFTER - 1 {
        limiter.succeeded(&tiktok());
    }
    assert_eq!(spacing(&limiter), MAX_SPACING, "not yet");
    limiter.succeeded(&tiktok());
    assert_eq!(spacing(&limiter), MAX_SPACING / 2);

    limiter.rate_limited(&tiktok(), Some(Duration::ZERO));
    assert_eq!(spacing(&limiter), MAX_SPACING, "a new limit starts the count over");
    for _ in 0..EASE_AFTER * 20 {
        limiter.succeeded(&tiktok());
    }
    assert_eq!(spacing(&limiter), Duration::ZERO);
    assert!(!limiter.any_slowed());
}

#[test]
fn a_huge_retry_after_is_held_to_the_longest_pause() {
    let (_, limiter) = limiter();
    limiter.rate_limited(&tiktok(), Some(Duration::from_secs(86_400 * 365)));
    let until = limiter.paces()[0].paused_until.unwrap();
    assert_eq!(until, t0() + chrono::Duration::from_std(MAX_PAUSE).unwrap());
}

#[tokio::test]
async fn a_cancel_ends_the_wait() {
    let (clock, limiter) = limiter();
    limiter.rate_limited(&tiktok(), Some(Duration::from_secs(60)));
    let cancel = CancellationToken::new();
    let waiting = tokio::spawn({
        let (limiter, cancel) = (limiter.clone(), cancel.clone());
        async move { limiter.acquire(&tiktok(), &cancel).await }
    });
    clock.until_someone_sleeps("the pause's end", |_| true).await;
    cancel.cancel();
    assert_eq!(waiting.await.unwrap(), Err(Cancelled));
}
