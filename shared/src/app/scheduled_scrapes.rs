//! Seed 002's scheduled jobs: scrape jobs that fire on an interval. They are ordinary jobs, so a
//! scrape job made through seed 004's routes with an interval trigger is one too, and each firing
//! is a run like any other.

use crate::domain::ids::JobId;
use crate::domain::job::{Job, JobFilter, NewJob, Policies};
use crate::domain::principal::Principal;
use crate::domain::task::{ScrapeFields, ScrapeTask, TaskArgError, TaskFunction, TaskSpec};
use crate::domain::trigger::{MAX_INTERVAL_SECONDS, Trigger};
use crate::domain::video::ScrapeMode;
use crate::ports::PageRequest;

use super::error::{AppError, AppResult};
use super::jobs::JobService;

/// Seed 002's floor: a scrape more often than every five minutes only invites rate limits.
pub const MIN_INTERVAL_MINUTES: u64 = 5;
pub const MAX_INTERVAL_MINUTES: u64 = MAX_INTERVAL_SECONDS / 60;

/// How many jobs one read of a listing walk asks for.
const WALK_PAGE: u32 = 100;

const SCRAPE_FUNCTIONS: [TaskFunction; 2] = [TaskFunction::ScrapeProfile, TaskFunction::ScrapeHashtag];

/// How often a scheduled scrape fires: whole minutes, from [`MIN_INTERVAL_MINUTES`] up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntervalMinutes(u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    #[error("ensure this value is greater than or equal to {MIN_INTERVAL_MINUTES}")]
    TooShort,
    #[error("ensure this value is less than or equal to {MAX_INTERVAL_MINUTES}")]
    TooLong,
}

impl IntervalMinutes {
    pub fn parse(minutes: i64) -> Result<Self, IntervalError> {
        match u64::try_from(minutes) {
            Ok(m) if m > MAX_INTERVAL_MINUTES => Err(IntervalError::TooLong),
            Ok(m) if m >= MIN_INTERVAL_MINUTES => Ok(Self(m)),
            _ => Err(IntervalError::TooShort),
        }
    }

    pub fn get(self) -> u64 {
        self.0
    }

    fn seconds(self) -> u64 {
        self.0 * 60
    }
}

/// A scheduled scrape as a client asks for it.
#[derive(Debug, Clone)]
pub struct NewScheduledScrape {
    pub name: String,
    pub task: ScrapeTask,
    pub every: IntervalMinutes,
    pub enabled: bool,
}

/// What a change asks for; what is `None` keeps its value.
#[derive(Debug, Clone, Default)]
pub struct ScheduledScrapeChange {
    pub name: Option<String>,
    pub mode: Option<ScrapeMode>,
    pub value: Option<String>,
    pub limit: Option<u32>,
    pub no_watermark: Option<bool>,
    pub every: Option<IntervalMinutes>,
    pub enabled: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduledScrapeError {
    #[error(transparent)]
    App(#[from] AppError),
    /// The scrape the change would leave is not one that can run.
    #[error("{0}")]
    Task(TaskArgError),
}

pub fn scheduled_job_not_found() -> AppError {
    AppError::NotFound("Scheduled job not found".to_owned())
}

/// A scrape task on an interval trigger, whichever family made it.
pub fn is_scheduled_scrape(job: &Job) -> bool {
    matches!(job.task, TaskSpec::Scrape(_)) && matches!(job.trigger, Trigger::Interval { .. })
}

/// The use cases of seed 002's scheduled jobs, over the one [`JobService`].
pub struct ScheduledScrapes<'a> {
    jobs: &'a JobService,
}

impl<'a> ScheduledScrapes<'a> {
    pub fn new(jobs: &'a JobService) -> Self {
        Self { jobs }
    }

    pub async fn create(&self, new: NewScheduledScrape, principal: &Principal) -> AppResult<Job> {
        let job = NewJob {
            id: None,
            name: Some(new.name),
            description: None,
            task: TaskSpec::Scrape(new.task),
            trigger: Trigger::Interval { every_seconds: new.every.seconds(), anchor: self.jobs.now() },
            policies: Policies::default(),
            enabled: new.enabled,
            paused: false,
        };
        self.jobs.create(job, principal, false).await
    }

    /// Every scheduled scrape, oldest first; with `enabled`, only those that are (or are not).
    pub async fn list(&self, enabled: Option<bool>) -> AppResult<Vec<Job>> {
        let mut found = Vec::new();
        for function in SCRAPE_FUNCTIONS {
            let filter = JobFilter { function: Some(function), enabled, ..JobFilter::default() };
            let mut cursor = None;
            loop {
                let page = self.jobs.walk(&filter, &PageRequest { offset: 0, limit: WALK_PAGE, cursor }).await?;
                found.extend(page.items.into_iter().filter(is_scheduled_scrape));
                match page.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
        found.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
        Ok(found)
    }

    /// Any other job is as unknown here as no job at all.
    pub async fn get(&self, id: &JobId) -> AppResult<Job> {
        match self.jobs.get(id).await {
            Ok(job) if is_scheduled_scrape(&job) => Ok(job),
            Ok(_) | Err(AppError::NotFound(_)) => Err(scheduled_job_not_found()),
            Err(err) => Err(err),
        }
    }

    /// Changes what is given, judged against the version it is written over. A changed interval
    /// counts from now, so the next run is planned one new interval ahead.
    pub async fn update(
        &self,
        id: &JobId,
        change: ScheduledScrapeChange,
        principal: &Principal,
    ) -> Result<Job, ScheduledScrapeError> {
        let now = self.jobs.now();
        let changed = self.jobs.update(id, principal, |job| apply(job, change, now)).await;
        changed.map_err(|err| match err {
            ScheduledScrapeError::App(AppError::NotFound(_)) => scheduled_job_not_found().into(),
            other => other,
        })
    }

    /// Enables a disabled one and disables an enabled one, as one change of the stored version.
    pub async fn toggle(&self, id: &JobId, principal: &Principal) -> AppResult<Job> {
        let flipped = self.jobs.update(id, principal, |job| {
            if !is_scheduled_scrape(job) {
                return Err(scheduled_job_not_found());
            }
            job.enabled = !job.enabled;
            Ok(())
        });
        flipped.await.map_err(not_found_as_scheduled)
    }

    /// Deletes the job, its schedule and its runs' history; the videos it stored stay.
    pub async fn delete(&self, id: &JobId) -> AppResult<()> {
        self.get(id).await?;
        self.jobs.delete(id).await.map_err(not_found_as_scheduled)
    }
}

fn not_found_as_scheduled(err: AppError) -> AppError {
    match err {
        AppError::NotFound(_) => scheduled_job_not_found(),
        other => other,
    }
}

fn apply(
    job: &mut Job,
    change: ScheduledScrapeChange,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ScheduledScrapeError> {
    let TaskSpec::Scrape(task) = &job.task else { return Err(scheduled_job_not_found().into()) };
    let Trigger::Interval { every_seconds, .. } = job.trigger else { return Err(scheduled_job_not_found().into()) };
    if change.mode.is_some() || change.value.is_some() || change.limit.is_some() || change.no_watermark.is_some() {
        let current = ScrapeFields::from(task.clone());
        let fields = ScrapeFields {
            mode: change.mode.or(current.mode),
            value: change.value.unwrap_or(current.value),
            limit: change.limit.or(current.limit),
            no_watermark: change.no_watermark.or(current.no_watermark),
            ..current
        };
        job.task = TaskSpec::Scrape(ScrapeTask::try_from(fields).map_err(ScheduledScrapeError::Task)?);
    }
    if let Some(name) = change.name {
        job.name = name;
    }
    // The same interval again keeps its anchor: rewriting it would move every later run.
    if let Some(every) = change.every.filter(|every| every.seconds() != every_seconds) {
        job.trigger = Trigger::Interval { every_seconds: every.seconds(), anchor: now };
    }
    if let Some(enabled) = change.enabled {
        job.enabled = enabled;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_hold_the_seeds_floor() {
        assert_eq!(IntervalMinutes::parse(4), Err(IntervalError::TooShort));
        assert_eq!(IntervalMinutes::parse(-5), Err(IntervalError::TooShort));
        assert_eq!(IntervalMinutes::parse(5).map(IntervalMinutes::get), Ok(5));
        assert_eq!(IntervalMinutes::parse(1440).map(|m| m.seconds()), Ok(86_400));
        assert_eq!(IntervalMinutes::parse(i64::MAX), Err(IntervalError::TooLong));
        assert_eq!(IntervalError::TooShort.to_string(), "ensure this value is greater than or equal to 5");
    }
}
