//! A clock the test moves by hand, which also tells who is waiting on it: a scheduler that sleeps
//! until a given time has looked at everything due before it, which is how a test proves that
//! something did not fire without sleeping itself.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::ports::Clock;

/// Long enough for a loaded machine; only a broken scheduler waits this long.
const SETTLE_WITHIN: Duration = Duration::from_secs(30);

pub struct ManualClock {
    now: watch::Sender<DateTime<Utc>>,
    /// How many sleepers wait for each instant.
    sleepers: watch::Sender<BTreeMap<DateTime<Utc>, usize>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self { now: watch::Sender::new(start), sleepers: watch::Sender::new(BTreeMap::new()) }
    }

    pub fn set(&self, at: DateTime<Utc>) {
        self.now.send_replace(at);
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.now.send_modify(|now| *now += by);
    }

    /// Waits until someone sleeps until an instant that `wanted` accepts, and returns it.
    pub async fn until_someone_sleeps(&self, what: &str, wanted: impl Fn(DateTime<Utc>) -> bool) -> DateTime<Utc> {
        let mut sleepers = self.sleepers.subscribe();
        let found = tokio::time::timeout(SETTLE_WITHIN, async {
            loop {
                if let Some(at) = sleepers.borrow_and_update().keys().copied().find(|at| wanted(*at)) {
                    return at;
                }
                if sleepers.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        })
        .await;
        match found {
            Ok(at) => at,
            Err(_) => panic!("nobody slept until {what} within {SETTLE_WITHIN:?}"),
        }
    }
}

/// Takes a sleeper off the list however its wait ends, a `select!` dropping it included.
struct Registration<'a> {
    sleepers: &'a watch::Sender<BTreeMap<DateTime<Utc>, usize>>,
    at: DateTime<Utc>,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.sleepers.send_modify(|sleepers| {
            if let Some(count) = sleepers.get_mut(&self.at) {
                *count -= 1;
                if *count == 0 {
                    sleepers.remove(&self.at);
                }
            }
        });
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    async fn sleep_until(&self, at: DateTime<Utc>) {
        let mut now = self.now.subscribe();
        if *now.borrow_and_update() >= at {
            return;
        }
        self.sleepers.send_modify(|sleepers| *sleepers.entry(at).or_default() += 1);
        let _registered = Registration { sleepers: &self.sleepers, at };
        while *now.borrow_and_update() < at {
            if now.changed().await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    #[test]
    fn a_sleeper_wakes_when_the_clock_reaches_its_time_and_leaves_the_list() {
        let start = DateTime::from_timestamp(1_000, 0).expect("a time");
        let clock = ManualClock::new(start);
        let at = start + chrono::Duration::seconds(10);
        let mut cx = Context::from_waker(Waker::noop());
        let mut sleeping = pin!(clock.sleep_until(at));
        assert!(sleeping.as_mut().poll(&mut cx).is_pending());
        assert_eq!(clock.sleepers.borrow().get(&at), Some(&1));
        clock.advance(chrono::Duration::seconds(9));
        assert!(sleeping.as_mut().poll(&mut cx).is_pending(), "woke early");
        clock.advance(chrono::Duration::seconds(1));
        assert_eq!(sleeping.as_mut().poll(&mut cx), Poll::Ready(()));
        assert!(clock.sleepers.borrow().is_empty());
    }

    #[test]
    fn a_dropped_sleeper_leaves_the_list_and_a_due_one_never_joins_it() {
        let start = DateTime::from_timestamp(1_000, 0).expect("a time");
        let clock = ManualClock::new(start);
        let mut cx = Context::from_waker(Waker::noop());
        {
            let mut sleeping = pin!(clock.sleep_until(start + chrono::Duration::seconds(1)));
            assert!(sleeping.as_mut().poll(&mut cx).is_pending());
            assert_eq!(clock.sleepers.borrow().len(), 1);
        }
        assert!(clock.sleepers.borrow().is_empty());
        assert_eq!(pin!(clock.sleep_until(start)).poll(&mut cx), Poll::Ready(()));
        assert!(clock.sleepers.borrow().is_empty());
    }
}
