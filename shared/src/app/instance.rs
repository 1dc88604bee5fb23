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
        }
    }

    pub fn beat(&self, now: DateTime<Utc>) {
        self.heartbeat_millis.store(now.timestamp_millis(), Ordering::Relaxed);
    }

    pub fn last_heartbeat(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.heartbeat_millis.load(Ordering::Relaxed)).unwrap_or(self.started_at)
    }
}
