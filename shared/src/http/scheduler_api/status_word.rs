//! Seed 004's words for a run's status: `success` and `timeout` where the model says
//! `succeeded` and `timed_out`.

use crate::domain::execution::ExecutionStatus;

pub(super) fn scheduler_status_word(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Succeeded => "success",
        ExecutionStatus::TimedOut => "timeout",
        other => other.as_str(),
    }
}

/// A status filter in any family's words (seed 000's `finished`/`processing`, seed 002's
/// `completed`, seed 004's own, the model's), so that a filter copied from another family's
/// answer works here too.
pub(super) fn status_from_any_word(word: &str) -> Option<ExecutionStatus> {
    match word {
        "success" | "finished" | "completed" => Some(ExecutionStatus::Succeeded),
        "timeout" => Some(ExecutionStatus::TimedOut),
        "processing" => Some(ExecutionStatus::Running),
        other => ExecutionStatus::parse(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExecutionStatus::*;

    #[test]
    fn seed_004_words() {
        assert_eq!(scheduler_status_word(Succeeded), "success");
        assert_eq!(scheduler_status_word(TimedOut), "timeout");
        assert_eq!(scheduler_status_word(Running), "running");
        for s in ExecutionStatus::ALL {
            assert_eq!(status_from_any_word(s.as_str()), Some(s));
            assert_eq!(status_from_any_word(scheduler_status_word(s)), Some(s));
        }
        assert_eq!(status_from_any_word("finished"), Some(Succeeded));
        assert_eq!(status_from_any_word("processing"), Some(Running));
        assert_eq!(status_from_any_word("completed"), Some(Succeeded));
        assert_eq!(status_from_any_word("nope"), None);
    }
}
