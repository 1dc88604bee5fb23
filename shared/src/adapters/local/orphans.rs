//! Scripts a crashed predecessor left running. Each script starts with its execution id in its
//! environment (`JOBSMITH_EXECUTION_ID`), which is how they are found again: by what they are,
//! not by a process id that may since belong to someone else.

use std::collections::HashSet;

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::{Pid, getpgid, getpgrp};

use crate::domain::ids::ExecutionId;

pub const EXECUTION_ID_VAR: &str = "JOBSMITH_EXECUTION_ID";

/// Kills the process groups of the runs in `interrupted` that are still alive. Returns how many
/// processes matched. Where `/proc` is missing, nothing can be found and nothing is killed.
pub fn kill_orphaned_runs(interrupted: &[ExecutionId]) -> usize {
    if interrupted.is_empty() {
        return 0;
    }
    let wanted: HashSet<Vec<u8>> =
        interrupted.iter().map(|id| format!("{EXECUTION_ID_VAR}={id}").into_bytes()).collect();
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    let own_group = getpgrp();
    let mut matched = 0;
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<i32>().ok()) else { continue };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else { continue };
        if !environ.split(|b| *b == 0).any(|var| wanted.contains(var)) {
            continue;
        }
        matched += 1;
        let pid = Pid::from_raw(pid);
        match getpgid(Some(pid)) {
            // Never our own group: a script that joined it would take the server down with it.
            Ok(group) if group != own_group => {
                let _ = killpg(group, Signal::SIGKILL);
            }
            _ => {
                let _ = kill(pid, Signal::SIGKILL);
            }
        }
        tracing::warn!(pid = pid.as_raw(), "killed a script left running by an earlier process");
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::time::{Duration, Instant};

    fn alive(pid: u32) -> bool {
        // A zombie still has /proc/<pid>, but its state is Z.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
            .unwrap_or(false)
    }

    /// `spawn` returns once exec has begun, but the kernel fills in the new environment a moment
    /// later; until then `/proc/<pid>/environ` reads empty. A crashed predecessor's scripts are
    /// long past that point, so the test waits for it rather than racing it.
    fn wait_for_environment(pid: u32, var: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            if environ.split(|b| *b == 0).any(|entry| entry == var.as_bytes()) {
                return;
            }
            std::thread::yield_now();
        }
        panic!("process {pid} never showed {var}");
    }

    #[test]
    fn kills_only_the_runs_it_is_given() {
        let (orphan_id, other_id) = (ExecutionId::generate(), ExecutionId::generate());
        let spawn = |id: ExecutionId| {
            std::process::Command::new("sleep")
                .arg("30")
                .env(EXECUTION_ID_VAR, id.to_string())
                .process_group(0)
                .spawn()
                .expect("spawn sleep")
        };
        let (mut orphan, mut other) = (spawn(orphan_id), spawn(other_id));
        for (child, id) in [(&orphan, orphan_id), (&other, other_id)] {
            wait_for_environment(child.id(), &format!("{EXECUTION_ID_VAR}={id}"));
        }
        assert_eq!(kill_orphaned_runs(&[orphan_id]), 1);
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = orphan.wait().expect("reap");
        assert!(Instant::now() < deadline);
        assert!(!status.success(), "killed, not finished");
        assert!(alive(other.id()), "a run not named is left alone");
        let _ = other.kill();
        let _ = other.wait();
        assert_eq!(kill_orphaned_runs(&[]), 0);
    }
}
