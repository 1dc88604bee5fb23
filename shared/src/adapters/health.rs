//! The checks both backends' health probes make the same way: the job store through its use
//! cases, the object store by a one-key listing, and the scrape limiter's paces.

use std::sync::Arc;

use crate::app::JobService;
use crate::app::scrape::PlatformLimiter;
use crate::ports::ObjectStore;
use crate::ports::health::{CHECK_TIMEOUT, PlatformHealth, passes};

pub async fn database_answers(service: &JobService) -> bool {
    passes("database", CHECK_TIMEOUT, service.store_answers()).await
}

/// One key of any prefix: the cheapest request that proves the store is reachable and readable.
pub async fn objects_answer(objects: &Arc<dyn ObjectStore>) -> bool {
    passes("object store", CHECK_TIMEOUT, async { objects.list("", None, 1).await.map(|_| ()) }).await
}

pub fn platforms(limiter: &PlatformLimiter) -> Vec<PlatformHealth> {
    limiter
        .paces()
        .into_iter()
        .map(|pace| PlatformHealth {
            platform: pace.platform,
            slowed: pace.slowed,
            spacing: pace.spacing,
            paused_until: pace.paused_until,
        })
        .collect()
}
