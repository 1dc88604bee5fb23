//! A job's item: the attributes that keys, filters and targeted updates touch, and the rest of
//! the definition as one JSON `definition` (nothing queries inside it, so a new definition field
//! needs no migration, and the JSON round-trips exactly where a DynamoDB map would turn every
//! number into a decimal string).

use serde::{Deserialize, Serialize};

use super::errors::corrupt;
use super::expr::Item;
use super::keys::{DUE_PARTITION, JOB_SK, JOBS_DUE, JOBS_PARTITION, due_order, job_order, job_pk, ms};
use crate::domain::execution::ExecutionStatus;
use crate::domain::ids::JobId;
use crate::domain::job::{Job, Policies, RunCounters};
use crate::domain::task::TaskSpec;
use crate::domain::trigger::Trigger;
use crate::ports::{StoreError, StoreResult};

#[derive(Serialize, Deserialize)]
struct Definition {
    description: Option<String>,
    task: TaskSpec,
    trigger: Trigger,
    policies: Policies,
    created_by: Option<String>,
    updated_by: Option<String>,
}

/// Attribute names, as `JobItem` serializes them, that filters and updates name.
pub(super) const NAME_LOWER: &str = "name_lower";
pub(super) const ENABLED: &str = "enabled";
pub(super) const FUNCTION: &str = "function";
pub(super) const VERSION: &str = "version";
pub(super) const NEXT_RUN: &str = "next_run_ms";

/// What `update_job` writes: the definition, never the run record (`record_run`'s) nor the
/// creation time. The due-index keys follow `enabled`, `paused` and the next run.
pub(super) const DEFINITION_ATTRS: &[&str] = &[
    "name",
    NAME_LOWER,
    FUNCTION,
    ENABLED,
    "paused",
    NEXT_RUN,
    VERSION,
    "updated_ms",
    "definition",
    JOBS_DUE.pk,
    JOBS_DUE.sk,
];

#[derive(Serialize, Deserialize)]
pub(super) struct JobItem {
    pk: String,
    sk: String,
    jobs_pk: String,
    jobs_sk: String,
    /// Only on active jobs with a next run: what makes `jobs_due` sparse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due_pk: Option<String>,
    /// Whenever there is a next run, so that `advance_next_run` moves it without knowing
    /// whether the job is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due_sk: Option<String>,
    id: String,
    name: String,
    name_lower: String,
    function: String,
    enabled: bool,
    paused: bool,
    created_ms: i64,
    updated_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_run_ms: Option<i64>,
    version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_run_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_status: Option<String>,
    runs_total: u64,
    runs_succeeded: u64,
    runs_failed: u64,
    definition: String,
}

impl JobItem {
    pub fn new(job: &Job) -> StoreResult<Self> {
        let definition = Definition {
            description: job.description.clone(),
            task: job.task.clone(),
            trigger: job.trigger.clone(),
            policies: job.policies,
            created_by: job.created_by.clone(),
            updated_by: job.updated_by.clone(),
        };
        let next_run_ms = job.next_run_at.map(ms);
        let due_sk = next_run_ms.map(|next| due_order(next, &job.id));
        Ok(Self {
            pk: job_pk(&job.id),
            sk: JOB_SK.to_owned(),
            jobs_pk: JOBS_PARTITION.to_owned(),
            jobs_sk: job_order(ms(job.created_at), &job.id),
            due_pk: (job.is_active() && due_sk.is_some()).then(|| DUE_PARTITION.to_owned()),
            due_sk,
            id: job.id.to_string(),
            name: job.name.clone(),
            name_lower: job.name.to_lowercase(),
            function: job.task.function().name().to_owned(),
            enabled: job.enabled,
            paused: job.paused,
            created_ms: ms(job.created_at),
            updated_ms: ms(job.updated_at),
            next_run_ms,
            version: job.version,
            last_run_ms: job.last_run_at.map(ms),
            last_status: job.last_status.map(|s| s.as_str().to_owned()),
            runs_total: job.counters.total,
            runs_succeeded: job.counters.succeeded,
            runs_failed: job.counters.failed,
            definition: serde_json::to_string(&definition)
                .map_err(|e| StoreError::Backend(format!("encoding job {}: {e}", job.id)))?,
        })
    }

    pub fn into_attrs(self) -> StoreResult<Item> {
        serde_dynamo::aws_sdk_dynamodb_1::to_item(self).map_err(|e| StoreError::Backend(format!("encoding job: {e}")))
    }

    pub fn decode(item: Item) -> StoreResult<Job> {
        let row: Self = serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(|e| corrupt(format!("job: {e}")))?;
        let definition: Definition =
            serde_json::from_str(&row.definition).map_err(|e| corrupt(format!("job {}: {e}", row.id)))?;
        let time = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt(format!("job {}: time {ms}", row.id)))
        };
        Ok(Job {
            id: JobId::parse(&row.id).map_err(corrupt)?,
            name: row.name,
            description: definition.description,
            task: definition.task,
            trigger: definition.trigger,
            policies: definition.policies,
            enabled: row.enabled,
            paused: row.paused,
            created_at: time(row.created_ms)?,
            updated_at: time(row.updated_ms)?,
            created_by: definition.created_by,
            updated_by: definition.updated_by,
            next_run_at: row.next_run_ms.map(time).transpose()?,
            last_run_at: row.last_run_ms.map(time).transpose()?,
            last_status: row
                .last_status
                .as_deref()
                .map(|s| ExecutionStatus::parse(s).ok_or_else(|| corrupt(format!("job status {s:?}"))))
                .transpose()?,
            counters: RunCounters { total: row.runs_total, succeeded: row.runs_succeeded, failed: row.runs_failed },
            version: row.version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::aws::dynamo::keys::JOBS_BY_CREATED;
    use crate::domain::task::ScriptLanguage;
    use chrono::{DateTime, Utc};

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    fn job() -> Job {
        Job {
            id: JobId::parse("backup").unwrap(),
            name: "Nightly Café".to_owned(),
            description: Some("copies".to_owned()),
            task: TaskSpec::Script { language: ScriptLanguage::Bash, script_path: "b.sh".to_owned(), args: vec![] },
            trigger: Trigger::Interval { every_seconds: 60, anchor: at(1_000) },
            policies: Policies::default(),
            enabled: true,
            paused: false,
            created_at: at(1_000),
            updated_at: at(2_000),
            created_by: Some("alice".to_owned()),
            updated_by: None,
            next_run_at: Some(at(61_000)),
            last_run_at: None,
            last_status: Some(ExecutionStatus::TimedOut),
            counters: RunCounters { total: 3, succeeded: 1, failed: 2 },
            version: 7,
        }
    }

    #[test]
    fn the_item_carries_the_index_keys_and_round_trips() {
        let item = JobItem::new(&job()).unwrap().into_attrs().unwrap();
        for attr in [JOBS_BY_CREATED.pk, JOBS_BY_CREATED.sk, JOBS_DUE.pk, JOBS_DUE.sk] {
            assert!(item.contains_key(attr), "{attr}");
        }
        assert!(DEFINITION_ATTRS.iter().all(|a| item.contains_key(*a)), "every definition attribute is written");
        assert_eq!(JobItem::decode(item).unwrap(), job());
    }

    #[test]
    fn only_active_scheduled_jobs_enter_the_due_index() {
        for (paused, enabled, next) in [(true, true, Some(at(5))), (false, false, Some(at(5))), (false, true, None)] {
            let j = Job { paused, enabled, next_run_at: next, ..job() };
            let item = JobItem::new(&j).unwrap().into_attrs().unwrap();
            assert!(!item.contains_key(JOBS_DUE.pk), "paused {paused}, enabled {enabled}, next {next:?}");
            assert_eq!(item.contains_key(JOBS_DUE.sk), next.is_some(), "the due sort key follows the next run");
            assert_eq!(JobItem::decode(item).unwrap(), j);
        }
    }
}
