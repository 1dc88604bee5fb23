//! Health on AWS: the table, the bucket and the schedule group that EventBridge Scheduler fires
//! jobs from. The media tools and the platforms' paces belong to the executor's instances, each
//! with its own, so a health function has none of its own to report.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_scheduler::error::DisplayErrorContext;

use crate::adapters::health::{database_answers, objects_answer};
use crate::app::JobService;
use crate::ports::ObjectStore;
use crate::ports::health::{CHECK_TIMEOUT, HealthProbe, HealthReport, passes};

pub struct AwsHealth {
    pub(super) service: JobService,
    pub(super) objects: Arc<dyn ObjectStore>,
    pub(super) scheduler: aws_sdk_scheduler::Client,
    /// The jobs' schedule group.
    pub(super) group: String,
}

#[async_trait]
impl HealthProbe for AwsHealth {
    async fn check(&self) -> HealthReport {
        let (database, objects, scheduler) =
            tokio::join!(database_answers(&self.service), objects_answer(&self.objects), self.group_answers());
        HealthReport { database, objects, scheduler, tools: Vec::new(), platforms: Vec::new() }
    }
}

impl AwsHealth {
    /// The group exists and this function may read it: GetScheduleGroup, which the function's
    /// role allows on this group only.
    async fn group_answers(&self) -> bool {
        let read = async {
            self.scheduler.get_schedule_group().name(&self.group).send().await.map(|_| ()).map_err(DisplayErrorContext)
        };
        passes("schedule group", CHECK_TIMEOUT, read).await
    }
}
