//! The AWS side as the tests configure it: a made-up account's executor and scheduler role.

use crate::adapters::aws::scheduler::{SchedulerTarget, default_run_group};

pub const EXECUTOR_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:jobsmith-executor";
pub const SCHEDULER_ROLE_ARN: &str = "arn:aws:iam::123456789012:role/jobsmith-scheduler";
pub const DEAD_LETTER_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:jobsmith-dlq";

/// Schedules in `group` that invoke [`EXECUTOR_ARN`] as [`SCHEDULER_ROLE_ARN`], without a
/// dead-letter queue.
pub fn scheduler_target(group: &str) -> SchedulerTarget {
    SchedulerTarget {
        group: group.to_owned(),
        run_group: default_run_group(group),
        executor_arn: Some(EXECUTOR_ARN.to_owned()),
        role_arn: SCHEDULER_ROLE_ARN.to_owned(),
        dead_letter_arn: None,
        maximum_retry_attempts: 3,
        maximum_event_age_seconds: 3_600,
    }
}

/// Creates the job group `group` and its run group on the emulator, as the template does.
pub async fn create_schedule_groups(client: &aws_sdk_scheduler::Client, group: &str) {
    for name in [group.to_owned(), default_run_group(group)] {
        client
            .create_schedule_group()
            .name(&name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create group {name}: {e:?}"));
    }
}
