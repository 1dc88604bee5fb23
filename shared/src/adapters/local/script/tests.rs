use super::*;
use crate::domain::record_budget::{TAIL_BUDGET, TAIL_MARKER_MAX};
use std::path::Path;

pub(super) fn write_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

pub(super) fn invocation(kind: ScriptKind, script: PathBuf, args: &[&str]) -> ScriptInvocation {
    ScriptInvocation {
        kind,
        script,
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        timeout: Some(Duration::from_secs(30)),
        working_dir: None,
        // What a server started from this test's environment hands its scripts.
        env: ScriptEnvironment::from_process().vars().to_vec(),
    }
}

pub(super) async fn run(inv: ScriptInvocation) -> ScriptOutcome {
    run_script(&Interpreters::default(), inv, CancellationToken::new()).await
}

/// Gone or a zombie: a killed orphan may wait a moment for init to reap it.
fn is_dead(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

async fn eventually_dead(pid: i32) -> bool {
    for _ in 0..100 {
        if is_dead(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Waits for the script to write its pids, one per line.
async fn read_pids(path: &Path) -> Vec<i32> {
    for _ in 0..200 {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text.lines().map(|l| l.trim().parse().unwrap()).collect();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the script never wrote its pids");
}

/// Writes the shell's pid and a background grandchild's pid to `$1`, then waits.
const SPAWNS_A_GRANDCHILD: &str = "sleep 100 &\nprintf '%s\\n%s\\n' \"$$\" \"$!\" > \"$1\"\nsleep 100\n";

#[tokio::test]
async fn bash_gets_its_args_verbatim_without_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    let script = write_script(dir.path(), "args.sh", "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n");
    let injection = format!("$(touch {})", marker.display());
    let args = ["plain", "with space", &injection, "a; touch x", "`id`", "*", "", "$HOME"];
    let out = run(invocation(ScriptKind::Bash, script, &args)).await;
    assert_eq!(out.status, ScriptStatus::Succeeded, "{out:?}");
    assert_eq!((out.exit_code, out.error.as_deref()), (Some(0), None));
    let expected: String = args.iter().map(|a| format!("[{a}]\n")).collect();
    assert_eq!(out.stdout_tail, expected);
    assert!(!marker.exists());
    assert!(!dir.path().join("x").exists());
}

#[tokio::test]
async fn non_zero_exit_and_signals_fail() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(invocation(ScriptKind::Bash, write_script(dir.path(), "e.sh", "echo oops >&2\nexit 3\n"), &[])).await;
    assert_eq!((out.status, out.exit_code, out.signal), (ScriptStatus::Failed, Some(3), None));
    assert_eq!(out.error.as_deref(), Some("exit code 3"));
    assert_eq!(out.stderr_tail, "oops\n");
    let out = run(invocation(ScriptKind::Bash, write_script(dir.path(), "k.sh", "kill -TERM $$\n"), &[])).await;
    assert_eq!((out.status, out.exit_code, out.signal), (ScriptStatus::Failed, None, Some(15)));
    assert_eq!(out.error.as_deref(), Some("killed by signal 15"));
}

/// The marker's count and the text after it.
fn split_tail(tail: &str) -> (u64, &str) {
    let (marker, body) = tail.split_once('\n').expect("a marker line");
    let count = marker.trim_start_matches("…[truncated: first ").trim_end_matches(" bytes dropped]");
    (count.parse().expect("a count"), body)
}

#[tokio::test]
async fn only_the_end_of_large_output_is_kept_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let body = "head -c 10000000 /dev/zero | tr '\\0' a\nprintf END\nhead -c 200000 /dev/zero | tr '\\0' b >&2\n";
    let out = run(invocation(ScriptKind::Bash, write_script(dir.path(), "big.sh", body), &[])).await;
    assert_eq!(out.status, ScriptStatus::Succeeded, "{:?}", out.error);
    for tail in [&out.stdout_tail, &out.stderr_tail] {
        assert!(tail.len() <= TAIL_BUDGET && tail.len() > TAIL_BUDGET - TAIL_MARKER_MAX, "{}", tail.len());
    }
    let (dropped, kept) = split_tail(&out.stdout_tail);
    assert!(kept.ends_with("aaaEND"));
    assert_eq!(dropped + kept.len() as u64, 10_000_003);
    let (dropped, kept) = split_tail(&out.stderr_tail);
    assert!(kept.bytes().all(|b| b == b'b'));
    assert_eq!(dropped + kept.len() as u64, 200_000);
}

#[tokio::test]
async fn a_mebibyte_of_invalid_utf8_fits_the_record_after_conversion() {
    let dir = tempfile::tempdir().unwrap();
    let body = "head -c 1048576 /dev/zero | tr '\\0' '\\377'\n";
    let out = run(invocation(ScriptKind::Bash, write_script(dir.path(), "ff.sh", body), &[])).await;
    assert_eq!(out.status, ScriptStatus::Succeeded, "{:?}", out.error);
    assert!(out.stdout_tail.len() <= TAIL_BUDGET, "{}", out.stdout_tail.len());
    let (dropped, kept) = split_tail(&out.stdout_tail);
    assert!(!kept.is_empty() && kept.chars().all(|c| c == char::REPLACEMENT_CHARACTER));
    assert_eq!(dropped + kept.chars().count() as u64, 1 << 20, "one replacement per byte shown");
}

#[tokio::test]
async fn timeout_kills_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = write_script(dir.path(), "slow.sh", SPAWNS_A_GRANDCHILD);
    let mut inv = invocation(ScriptKind::Bash, script, &[pids.to_str().unwrap()]);
    inv.timeout = Some(Duration::from_millis(500));
    let out = run(inv).await;
    assert_eq!(out.status, ScriptStatus::TimedOut);
    assert_eq!(out.error.as_deref(), Some("timed out after 0.5 s"));
    assert_eq!(out.signal, Some(9));
    assert!(out.duration >= Duration::from_millis(500) && out.duration < Duration::from_secs(10));
    for pid in read_pids(&pids).await {
        assert!(eventually_dead(pid).await, "pid {pid} survived");
    }
}

#[tokio::test]
async fn cancellation_kills_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = write_script(dir.path(), "slow.sh", SPAWNS_A_GRANDCHILD);
    let inv = invocation(ScriptKind::Bash, script, &[pids.to_str().unwrap()]);
    let cancel = CancellationToken::new();
    let interpreters = Interpreters::default();
    let run = tokio::spawn({
        let cancel = cancel.clone();
        async move { run_script(&interpreters, inv, cancel).await }
    });
    let written = read_pids(&pids).await;
    cancel.cancel();
    let out = run.await.unwrap();
    assert_eq!((out.status, out.error.as_deref()), (ScriptStatus::Cancelled, Some("cancelled")));
    for pid in written {
        assert!(eventually_dead(pid).await, "pid {pid} survived");
    }
}

#[tokio::test]
async fn a_dropped_run_leaves_nothing_running() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = write_script(dir.path(), "slow.sh", SPAWNS_A_GRANDCHILD);
    let mut inv = invocation(ScriptKind::Bash, script, &[pids.to_str().unwrap()]);
    inv.timeout = None;
    let interpreters = Interpreters::default();
    let mut run = Box::pin(run_script(&interpreters, inv, CancellationToken::new()));
    let written = tokio::select! {
        _ = &mut run => panic!("the script should still be running"),
        written = read_pids(&pids) => written,
    };
    drop(run);
    for pid in written {
        assert!(eventually_dead(pid).await, "pid {pid} survived");
    }
}

#[tokio::test]
async fn background_children_do_not_outlive_a_finished_script() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = write_script(dir.path(), "bg.sh", "sleep 100 &\necho \"$!\" > \"$1\"\necho done\n");
    let out = run(invocation(ScriptKind::Bash, script, &[pids.to_str().unwrap()])).await;
    assert_eq!((out.status, out.stdout_tail.as_str()), (ScriptStatus::Succeeded, "done\n"));
    assert!(out.duration < Duration::from_secs(10));
    for pid in read_pids(&pids).await {
        assert!(eventually_dead(pid).await, "pid {pid} survived");
    }
}

#[tokio::test]
async fn env_and_working_dir_reach_the_child() {
    let dir = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let script = write_script(dir.path(), "env.sh", "printf '%s %s' \"$JOBSMITH_JOB_ID\" \"$(pwd -P)\"\n");
    let mut inv = invocation(ScriptKind::Bash, script, &[]);
    inv.env.push(("JOBSMITH_JOB_ID".into(), "job-1".into()));
    inv.working_dir = Some(work.path().to_owned());
    let out = run(inv).await;
    let cwd = std::fs::canonicalize(work.path()).unwrap();
    assert_eq!(out.stdout_tail, format!("job-1 {}", cwd.display()));
}

#[tokio::test]
async fn failing_to_start_is_a_failure_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let script = write_script(dir.path(), "a.sh", "exit 0\n");
    let interpreters = Interpreters { bash: "/nonexistent/bash".into(), ..Interpreters::default() };
    let out =
        run_script(&interpreters, invocation(ScriptKind::Bash, script.clone(), &[]), CancellationToken::new()).await;
    assert_eq!(out.status, ScriptStatus::Failed);
    assert!(out.error.as_deref().is_some_and(|e| e.starts_with("could not start /nonexistent/bash")), "{out:?}");
    let mut inv = invocation(ScriptKind::Bash, script, &[]);
    inv.working_dir = Some(dir.path().join("missing"));
    assert_eq!(run(inv).await.error.as_deref(), Some("the working directory does not exist"));
}

#[tokio::test]
async fn a_descendant_that_left_the_group_cannot_hold_the_run_open() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = write_script(dir.path(), "escape.sh", "setsid sleep 30 &\necho \"$!\" > \"$1\"\necho done\n");
    let started = Instant::now();
    let out = run(invocation(ScriptKind::Bash, script, &[pids.to_str().unwrap()])).await;
    for pid in read_pids(&pids).await {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
    }
    assert_eq!((out.status, out.stdout_tail.as_str()), (ScriptStatus::Succeeded, "done\n"));
    assert!(started.elapsed() < DRAIN_GRACE + Duration::from_secs(5));
}
