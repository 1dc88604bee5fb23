//! A job: the definition the scheduler fires and every route family shows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::execution::ExecutionStatus;
use super::ids::JobId;
use super::task::TaskSpec;
use super::trigger::Trigger;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policies {
    /// How many runs of this job may be running at once; a fire beyond it is recorded as skipped.
    pub max_instances: u32,
    pub timeout_seconds: Option<u64>,
    pub retry_count: u32,
    pub retry_delay_seconds: u64,
    /// How late a fire may start; `None` uses the server's configured grace.
    pub misfire_grace_seconds: Option<u64>,
}

impl Default for Policies {
    fn default() -> Self {
        Self {
            max_instances: 1,
            timeout_seconds: None,
            retry_count: 0,
            retry_delay_seconds: 60,
            misfire_grace_seconds: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunCounters {
    pub total: u64,
    pub succeeded: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    pub name: String,
    pub description: Option<String>,
    pub task: TaskSpec,
    pub trigger: Trigger,
    pub policies: Policies,
    pub enabled: bool,
    pub paused: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    /// When the scheduler fires it next; `None` once a one-off job has fired or while it cannot fire.
    pub next_run_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_status: Option<ExecutionStatus>,
    pub counters: RunCounters,
    /// Bumped on every definition change; an update naming an older version is refused.
    pub version: u64,
}

/// What a client asks for when it creates a job, before the system fills in the rest.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: Option<JobId>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub task: TaskSpec,
    pub trigger: Trigger,
    pub policies: Policies,
    pub enabled: bool,
    pub paused: bool,
}

impl Job {
    pub fn create(new: NewJob, principal: Option<String>, now: DateTime<Utc>) -> Self {
        let name = new.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| new.task.default_job_name());
        let mut job = Self {
            id: new.id.unwrap_or_else(JobId::generate),
            name,
            description: new.description,
            task: new.task,
            trigger: new.trigger.at_millisecond_precision(),
            policies: new.policies,
            enabled: new.enabled,
            paused: new.paused,
            created_at: now,
            updated_at: now,
            created_by: principal.clone(),
            updated_by: principal,
            next_run_at: None,
            last_run_at: None,
            last_status: None,
            counters: RunCounters::default(),
            version: 1,
        };
        job.next_run_at = job.trigger.first_fire(now);
        job
    }

    /// Whether the scheduler should fire it at all.
    pub fn is_active(&self) -> bool {
        self.enabled && !self.paused
    }

    pub fn touch(&mut self, principal: Option<String>, now: DateTime<Utc>) {
        self.updated_at = now;
        self.updated_by = principal;
        self.version += 1;
    }

    pub fn timeout_seconds(&self) -> u64 {
        self.policies.timeout_seconds.unwrap_or_else(|| self.task.function().catalog_entry().default_timeout_seconds)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFilter {
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
    pub enabled: Option<bool>,
    pub function: Option<super::task::TaskFunction>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub total: u64,
    pub enabled: u64,
    pub disabled: u64,
}
