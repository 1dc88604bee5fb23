//! What a run has done so far: its progress while it runs, its result when it ends.

use serde_json::json;

use crate::domain::execution::{ExecutionStatus, Progress};
use crate::domain::video::FailureClass;
use crate::ports::RunOutcome;

/// How one video's turn in the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    Uploaded {
        bytes: u64,
    },
    /// Recorded as failed with its class.
    Failed {
        class: FailureClass,
        disk_low: bool,
    },
    /// Failed without a record of why: the video store itself failed.
    Unrecorded,
    /// Stored or deleted already, failed for good, or moved by someone else meanwhile.
    Skipped,
    /// Stopped by a cancel; left for the next run.
    Interrupted,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Tally {
    total: u64,
    uploaded: u64,
    failed: u64,
    skipped: u64,
    stored_bytes: u64,
    disk_low: bool,
}

impl Tally {
    pub(super) fn new(total: usize) -> Self {
        Self { total: u64::try_from(total).unwrap_or(u64::MAX), ..Self::default() }
    }

    /// One more video the listing found, counted before its turn ends.
    pub(super) fn found_one(&mut self) {
        self.total = self.total.saturating_add(1);
    }

    /// The videos the listing found so far.
    pub(super) fn found(&self) -> u64 {
        self.total
    }

    pub(super) fn record(&mut self, ending: Ending) {
        match ending {
            Ending::Uploaded { bytes } => {
                self.uploaded += 1;
                self.stored_bytes = self.stored_bytes.saturating_add(bytes);
            }
            Ending::Failed { disk_low, .. } => {
                self.failed += 1;
                self.disk_low |= disk_low;
            }
            Ending::Unrecorded => self.failed += 1,
            Ending::Skipped => self.skipped += 1,
            Ending::Interrupted => {}
        }
    }

    /// Skipped videos count as processed, so that a run that found nothing new ends at 100 %.
    pub(super) fn progress(&self) -> Progress {
        Progress {
            total: self.total,
            processed: self.uploaded + self.failed + self.skipped,
            succeeded: self.uploaded,
            failed: self.failed,
        }
    }

    /// Seed 002's counters, and `disk_low` only when the free-space floor stopped a download.
    pub(super) fn result(&self) -> serde_json::Value {
        let mut result = json!({
            "total_videos": self.total,
            "successful_downloads": self.uploaded,
            "failed_downloads": self.failed,
            "skipped": self.skipped,
            "stored_bytes": self.stored_bytes,
        });
        if self.disk_low {
            result["disk_low"] = json!(true);
        }
        result
    }

    /// A run whose listing worked succeeded, however many of its videos failed: the seed's
    /// completed jobs carry `failed_downloads`.
    pub(super) fn outcome(&self, cancelled: bool) -> RunOutcome {
        let (status, error) = match (cancelled, self.disk_low) {
            (true, _) => (ExecutionStatus::Cancelled, Some("cancelled".to_owned())),
            (false, true) => (ExecutionStatus::Succeeded, Some(DISK_LOW.to_owned())),
            (false, false) => (ExecutionStatus::Succeeded, None),
        };
        RunOutcome {
            status,
            result: Some(self.result()),
            error,
            exit_code: None,
            stdout_tail: None,
            stderr_tail: None,
            progress: Some(self.progress()),
        }
    }
}

pub(super) const DISK_LOW: &str = "the work directory's disk is below its free-space floor; videos were not downloaded";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_ending_and_reports_a_low_disk() {
        let mut tally = Tally::new(6);
        for ending in [
            Ending::Uploaded { bytes: 10 },
            Ending::Uploaded { bytes: 5 },
            Ending::Failed { class: FailureClass::Storage, disk_low: true },
            Ending::Unrecorded,
            Ending::Skipped,
            Ending::Interrupted,
        ] {
            tally.record(ending);
        }
        assert_eq!(tally.progress(), Progress { total: 6, processed: 5, succeeded: 2, failed: 2 });
        assert_eq!(
            tally.result(),
            json!({"total_videos": 6, "successful_downloads": 2, "failed_downloads": 2, "skipped": 1,
                   "stored_bytes": 15, "disk_low": true})
        );
        let outcome = tally.outcome(false);
        assert_eq!(outcome.status, ExecutionStatus::Succeeded);
        assert_eq!(outcome.error.as_deref(), Some(DISK_LOW));
        assert_eq!(tally.outcome(true).status, ExecutionStatus::Cancelled);
    }

    #[test]
    fn a_clean_run_has_no_disk_flag_and_no_error() {
        let tally = Tally::new(0);
        assert_eq!(tally.result().get("disk_low"), None);
        assert_eq!(tally.outcome(false).error, None);
    }
}
