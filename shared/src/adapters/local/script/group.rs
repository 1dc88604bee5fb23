//! The child's process group, killed as a whole so that background grandchildren die with it.

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// Kills the group when dropped, so that a run whose future is dropped (a server shutting down,
/// a caller timing out) leaves nothing behind.
pub(super) struct GroupGuard {
    pgid: Option<Pid>,
}

impl GroupGuard {
    /// `pid` is the child's, which is also its group id because it was spawned with
    /// `process_group(0)`.
    pub(super) fn new(pid: Option<u32>) -> Self {
        Self { pgid: pid.and_then(|p| i32::try_from(p).ok()).filter(|p| *p > 1).map(Pid::from_raw) }
    }

    pub(super) fn kill(&self) {
        if let Some(pgid) = self.pgid {
            // ESRCH only means everyone is already gone.
            let _ = killpg(pgid, Signal::SIGKILL);
        }
    }

    /// Kills once more and stops guarding. Called once the leader is reaped: from then on the
    /// group id could in time be reused by an unrelated process, so it must not be signalled
    /// again later.
    pub(super) fn kill_and_disarm(&mut self) {
        self.kill();
        self.pgid = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}
