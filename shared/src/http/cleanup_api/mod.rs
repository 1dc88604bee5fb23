//! `/api/v1/cleanup-all-videos/` of seed 003: deleting every video file, behind the seed's
//! guards, with a dry run beyond the seed; and `/api/v1/audit`, where an admin reads every
//! attempt. The cleanup answers in the seed's `{"success": false, "error": …}`; the audit log in
//! the `/api/v1/…` family's `{"detail": …}`.

pub(super) mod audit;
pub(super) mod cleanup;
mod error;
#[cfg(test)]
mod tests;
mod views;

pub use error::{CleanupError, CleanupErrorBody};

/// The paths whose errors are seed 003's shape, with and without the seed's trailing slash.
pub fn is_cleanup_path(path: &str) -> bool {
    path == "/api/v1/cleanup-all-videos" || path == "/api/v1/cleanup-all-videos/"
}
