//! The job types seed 004 lists at `/api/v1/scheduler/job-types`, plus `date` for one-off jobs.

use serde::{Deserialize, Serialize};

/// The kind of schedule a job has; its numeric id is seed 004's `jobTypeId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobType {
    Interval = 1,
    Cron = 2,
    Date = 3,
}

impl JobType {
    const ALL: [JobType; 3] = [JobType::Interval, JobType::Cron, JobType::Date];

    pub fn all() -> [JobType; 3] {
        Self::ALL
    }

    pub fn id(self) -> i64 {
        self as i64
    }

    pub fn from_id(id: i64) -> Option<JobType> {
        Self::ALL.into_iter().find(|t| t.id() == id)
    }

    pub fn from_name(name: &str) -> Option<JobType> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            JobType::Interval => "interval",
            JobType::Cron => "cron",
            JobType::Date => "date",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            JobType::Interval => "Interval",
            JobType::Cron => "Cron",
            JobType::Date => "Date",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            JobType::Interval => "Run at fixed time intervals",
            JobType::Cron => "Run on cron schedule",
            JobType::Date => "Run once at a given date and time",
        }
    }
}
