use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// This process as a scheduler instance, for seed 004's status route.
pub struct InstanceInfo {
    pub id: String,
    pub hostname: String,
    pub pid: u32,
    pub started_at: DateTime<Utc>,
    pub version: &'static str,
    heartbeat_millis: AtomicI64,
    /// Since when the scheduler cannot read its store, if it cannot.
    scheduler_failing_since: Mutex<Option<DateTime<Utc>>>,
}

impl InstanceInfo {
    pub fn new(hostname: String, now: DateTime<Utc>) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            hostname,
            pid: std::process::id(),
            started_at: now,
            version: env!("CARGO_PKG_VERSION"),
            heartbeat_millis: AtomicI64::new(now.timestamp_millis()),
            scheduler_failing_since: Mutex::new(None),
        }
    }

    pub fn beat(&self, now: DateTime<Utc>) {
        self.heartbeat_millis.store(now.timestamp_millis(), Ordering::Relaxed);
    }

    pub fn last_heartbeat(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.heartbeat_millis.load(Ordering::Relaxed)).unwrap_or(self.started_at)
    }

    /// Records that the scheduler cannot read its store (the first failure's time is kept), or
    /// with `None` that it can again.
    pub fn set_scheduler_failing(&self, since: Option<DateTime<Utc>>) {
        let mut failing = self.scheduler_failing_since.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *failing = since.map(|since| failing.unwrap_or(since));
    }

    pub fn scheduler_failing_since(&self) -> Option<DateTime<Utc>> {
        *self.scheduler_failing_since.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
