//! The local task runner: scripts as child processes, scrapes through the process's scraper,
//! history retention against the store, video retention against the video and object stores.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::clip_task::{self, ClipRuns};
use super::scrape_task::{self, ScrapeRuns};
use super::script::{
    Interpreters, ScriptEnvironment, ScriptInvocation, ScriptKind, ScriptOutcome, ScriptStatus, run_script,
};
use crate::app::VideoRetention;
use crate::domain::execution::{Execution, ExecutionStatus};
use crate::domain::job::Job;
use crate::domain::script_path::ScriptRoots;
use crate::domain::task::{ScriptLanguage, TaskSpec};
use crate::ports::{Clock, ExecutionStore, RunOutcome, TaskRunner};

pub struct LocalTaskRunner {
    roots: Arc<ScriptRoots>,
    interpreters: Interpreters,
    /// Captured once, when the server or the function starts: a run never reads the process
    /// environment, so what a script sees cannot change under a running server.
    script_env: ScriptEnvironment,
    executions: Arc<dyn ExecutionStore>,
    clock: Arc<dyn Clock>,
    /// Absent where the process has no video store, object store or yt-dlp set up.
    scrapes: Option<ScrapeRuns>,
    /// Absent where the process has no object store or ffmpeg set up.
    clips: Option<ClipRuns>,
    /// Absent where the process has no video store or object store set up.
    retention: Option<VideoRetention>,
    /// Where every script runs; `None` runs each in its own folder. Lambda mounts the scripts
    /// read-only under `/opt`, so a script there could not write a file beside itself.
    script_work_dir: Option<PathBuf>,
}

impl LocalTaskRunner {
    pub fn new(
        roots: Arc<ScriptRoots>,
        interpreters: Interpreters,
        script_env: ScriptEnvironment,
        executions: Arc<dyn ExecutionStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            roots,
            interpreters: interpreters.found_in(&script_env),
            script_env,
            executions,
            clock,
            scrapes: None,
            clips: None,
            retention: None,
            script_work_dir: None,
        }
    }

    pub fn with_script_work_dir(mut self, dir: PathBuf) -> Self {
        self.script_work_dir = Some(dir);
        self
    }

    pub fn with_scrapes(mut self, scrapes: ScrapeRuns) -> Self {
        self.scrapes = Some(scrapes);
        self
    }

    pub fn with_clips(mut self, clips: ClipRuns) -> Self {
        self.clips = Some(clips);
        self
    }

    pub fn with_retention(mut self, retention: VideoRetention) -> Self {
        self.retention = Some(retention);
        self
    }

    async fn run_script_task(
        &self,
        script: ScriptTask<'_>,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> RunOutcome {
        let ScriptTask { job, execution, language, script_path, args } = script;
        // Checked again at run time: the file or a symlink on its way may have changed since
        // the job was scheduled.
        let script = match self.roots.resolve(script_path) {
            Ok(script) => script,
            Err(err) => return RunOutcome::failed(format!("script_path: {err}")),
        };
        let kind = match language {
            ScriptLanguage::Bash => ScriptKind::Bash,
            ScriptLanguage::Python => ScriptKind::Python,
        };
        let invocation = ScriptInvocation {
            kind,
            script: script.resolved().to_path_buf(),
            args: args.to_vec(),
            timeout: Some(timeout),
            working_dir: self.script_work_dir.clone().or_else(|| script.resolved().parent().map(Path::to_path_buf)),
            // The execution id is also how a restarted server finds this run's processes if it
            // crashed meanwhile (`orphans`).
            env: self.script_env.with([
                ("JOBSMITH_JOB_ID".to_owned(), job.id.to_string()),
                (super::orphans::EXECUTION_ID_VAR.to_owned(), execution.id.to_string()),
                ("JOBSMITH_ATTEMPT".to_owned(), execution.attempt.to_string()),
            ]),
        };
        outcome_of(run_script(&self.interpreters, invocation, cancel).await)
    }

    async fn purge_history(&self, retention_days: u32, failed_retention_days: u32, dry_run: bool) -> RunOutcome {
        let now = self.clock.now();
        let succeeded_before = now - chrono::Duration::days(i64::from(retention_days));
        let failed_before = now - chrono::Duration::days(i64::from(failed_retention_days));
        let outcome = if dry_run {
            self.executions
                .count_purgeable(succeeded_before, failed_before)
                .await
                .map(|n| serde_json::json!({ "dry_run": true, "would_delete": n }))
        } else {
            self.executions
                .purge_finished(succeeded_before, failed_before)
                .await
                .map(|n| serde_json::json!({ "deleted": n }))
        };
        match outcome {
            Ok(result) => RunOutcome {
                status: ExecutionStatus::Succeeded,
                result: Some(result),
                error: None,
                exit_code: None,
                stdout_tail: None,
                stderr_tail: None,
                progress: None,
            },
            Err(err) => {
                tracing::error!(error = %err, "history retention failed");
                RunOutcome::failed("could not delete old executions")
            }
        }
    }
}

struct ScriptTask<'a> {
    job: &'a Job,
    execution: &'a Execution,
    language: ScriptLanguage,
    script_path: &'a str,
    args: &'a [String],
}

fn outcome_of(outcome: ScriptOutcome) -> RunOutcome {
    let status = match outcome.status {
        ScriptStatus::Succeeded => ExecutionStatus::Succeeded,
        ScriptStatus::Failed => ExecutionStatus::Failed,
        ScriptStatus::TimedOut => ExecutionStatus::TimedOut,
        ScriptStatus::Cancelled => ExecutionStatus::Cancelled,
    };
    RunOutcome {
        status,
        result: outcome.result,
        error: outcome.error,
        exit_code: outcome.exit_code,
        stdout_tail: Some(outcome.stdout_tail),
        stderr_tail: Some(outcome.stderr_tail),
        progress: None,
    }
}

#[async_trait]
impl TaskRunner for LocalTaskRunner {
    async fn run(&self, job: &Job, execution: &Execution, timeout: Duration, cancel: CancellationToken) -> RunOutcome {
        match &job.task {
            TaskSpec::Script { language, script_path, args } => {
                let script = ScriptTask { job, execution, language: *language, script_path, args };
                self.run_script_task(script, timeout, cancel).await
            }
            TaskSpec::CleanupExecutions { retention_days, failed_retention_days, dry_run } => {
                self.purge_history(*retention_days, *failed_retention_days, *dry_run).await
            }
            TaskSpec::Scrape(task) => match &self.scrapes {
                Some(scrapes) => scrapes.run(job, execution, task, timeout, cancel).await,
                None => scrape_task::not_set_up(),
            },
            TaskSpec::Clip(task) => match &self.clips {
                Some(clips) => clips.run(execution, task, timeout, cancel).await,
                None => clip_task::not_set_up(),
            },
            TaskSpec::CleanupVideos(task) => match &self.retention {
                Some(retention) => retention.run(execution, task, timeout, cancel).await,
                None => RunOutcome::failed(
                    "video retention is not set up in this process: it has no video store or object store",
                ),
            },
        }
    }
}

#[cfg(test)]
mod retention_tests;

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use super::*;
    use crate::adapters::local::script::{DEFAULT_PATH, INHERITED_VARS};
    use crate::adapters::local::sqlite::SqliteStore;
    use crate::domain::execution::TriggeredBy;
    use crate::ports::SystemClock;
    use crate::test_support::fixtures::{job, t0};

    const SENTINEL: &str = "JOBSMITH_TEST_SENTINEL";
    const SECRET: &str = "sentinel-value-4f1c9a";

    /// What the shell and the interpreter add on their own: bash exports `PWD`, `SHLVL` and `_`,
    /// and python may set `LC_CTYPE` to coerce a C locale to UTF-8.
    const ADDED_BY_THE_INTERPRETER: [&str; 4] = ["PWD", "SHLVL", "_", "LC_CTYPE"];

    /// A server environment as a map, holding the sentinel and the secrets a real one holds,
    /// beside `PATH` (this test's own, so that the interpreters are found) and a `HOME` of its own.
    fn server_environment(home: &str) -> ScriptEnvironment {
        let path = std::env::var("PATH").unwrap_or_else(|_| DEFAULT_PATH.to_owned());
        let server: HashMap<&str, String> = [
            ("PATH", path),
            ("HOME", home.to_owned()),
            (SENTINEL, SECRET.to_owned()),
            ("JOBSMITH_API_KEYS", format!("ops:admin:sha256:{SECRET}")),
            ("AWS_SECRET_ACCESS_KEY", SECRET.to_owned()),
        ]
        .into_iter()
        .collect();
        ScriptEnvironment::capture(|name| server.get(name).cloned())
    }

    /// The interpreter itself rather than a launcher in front of it (pyenv's shims export
    /// `PYENV_*` variables of their own), so that everything the script sees comes from the runner.
    fn python_itself() -> std::path::PathBuf {
        let out = std::process::Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("run python3");
        std::path::PathBuf::from(String::from_utf8(out.stdout).expect("a UTF-8 path").trim())
    }

    /// Runs a script that prints its environment as the server would, and checks what it saw.
    async fn run_printing_env(language: ScriptLanguage, file: &str, body: &str) -> String {
        let scripts = tempfile::tempdir().expect("script root");
        let home = tempfile::tempdir().expect("home");
        let home = home.path().to_string_lossy().into_owned();
        let path = scripts.path().join(file);
        std::fs::write(&path, body).expect("write the script");
        let roots = Arc::new(ScriptRoots::new(vec![scripts.path().to_owned()]).expect("roots"));
        let store: Arc<dyn ExecutionStore> = Arc::new(SqliteStore::open_in_memory().expect("store"));
        let env = server_environment(&home);
        let interpreters = Interpreters { python: python_itself(), ..Interpreters::default() };
        let runner = LocalTaskRunner::new(roots, interpreters, env, store, Arc::new(SystemClock));
        let task = TaskSpec::Script { language, script_path: path.to_string_lossy().into_owned(), args: Vec::new() };
        let job = Job { task, ..job("env-job", t0()) };
        let execution = Execution::new(
            job.id.clone(),
            crate::domain::task::RunKind::Script,
            t0(),
            2,
            TriggeredBy::Manual,
            None,
            t0(),
        );
        let outcome = runner.run(&job, &execution, Duration::from_secs(30), CancellationToken::new()).await;
        assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
        let stdout = outcome.stdout_tail.unwrap_or_default();
        assert!(!stdout.contains(SECRET), "a value of the server's environment leaked:\n{stdout}");
        let vars: HashMap<&str, &str> = stdout.lines().filter_map(|line| line.split_once('=')).collect();
        assert!(vars.get("PATH").is_some_and(|p| !p.is_empty()), "{stdout}");
        assert_eq!(vars.get("HOME"), Some(&home.as_str()), "{stdout}");
        assert_eq!(vars.get("JOBSMITH_JOB_ID"), Some(&job.id.to_string().as_str()));
        assert_eq!(vars.get("JOBSMITH_EXECUTION_ID"), Some(&execution.id.to_string().as_str()));
        assert_eq!(vars.get("JOBSMITH_ATTEMPT"), Some(&"2"));
        let allowed: BTreeSet<&str> = INHERITED_VARS
            .into_iter()
            .chain(["JOBSMITH_JOB_ID", "JOBSMITH_EXECUTION_ID", "JOBSMITH_ATTEMPT"])
            .chain(ADDED_BY_THE_INTERPRETER)
            .collect();
        let unexpected: Vec<&&str> = vars.keys().filter(|name| !allowed.contains(**name)).collect();
        assert!(unexpected.is_empty(), "variables from outside the allowlist: {unexpected:?}\n{stdout}");
        stdout
    }

    #[tokio::test]
    async fn a_bash_script_sees_the_allowlist_and_its_own_variables_only() {
        run_printing_env(ScriptLanguage::Bash, "env.sh", "env\n").await;
    }

    #[tokio::test]
    async fn a_python_script_sees_the_allowlist_and_its_own_variables_only() {
        let body =
            "import os\n\ndef main():\n    for name, value in os.environ.items():\n        print(f'{name}={value}')\n";
        let stdout = run_printing_env(ScriptLanguage::Python, "env.py", body).await;
        assert!(!stdout.contains("JOBSMITH_RESULT_FILE"), "the result channel is hidden: {stdout}");
    }

    /// What `pwd -P` says in a bash script run from a fresh script root by the runner that
    /// `configure` makes, beside that root.
    async fn working_directory(configure: impl FnOnce(LocalTaskRunner) -> LocalTaskRunner) -> (String, PathBuf) {
        let scripts = tempfile::tempdir().expect("script root");
        let path = scripts.path().join("pwd.sh");
        std::fs::write(&path, "pwd -P\n").expect("write the script");
        let roots = Arc::new(ScriptRoots::new(vec![scripts.path().to_owned()]).expect("roots"));
        let store: Arc<dyn ExecutionStore> = Arc::new(SqliteStore::open_in_memory().expect("store"));
        let env = ScriptEnvironment::from_process();
        let runner = configure(LocalTaskRunner::new(roots, Interpreters::default(), env, store, Arc::new(SystemClock)));
        let script_path = path.to_string_lossy().into_owned();
        let task = TaskSpec::Script { language: ScriptLanguage::Bash, script_path, args: Vec::new() };
        let job = Job { task, ..job("pwd-job", t0()) };
        let run = crate::test_support::fixtures::run("pwd-job", t0(), 1);
        let outcome = runner.run(&job, &run, Duration::from_secs(30), CancellationToken::new()).await;
        assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
        let root = scripts.path().canonicalize().expect("canonical root");
        (outcome.stdout_tail.unwrap_or_default().trim_end().to_owned(), root)
    }

    #[tokio::test]
    async fn a_script_runs_in_its_own_folder_unless_a_work_dir_is_set() {
        let (cwd, root) = working_directory(|runner| runner).await;
        assert_eq!(Path::new(&cwd), root);
        let work = tempfile::tempdir().expect("work dir");
        let dir = work.path().to_owned();
        let (cwd, _) = working_directory(|runner| runner.with_script_work_dir(dir)).await;
        assert_eq!(Path::new(&cwd), work.path().canonicalize().expect("canonical work dir"));
    }

    #[tokio::test]
    async fn history_retention_counts_on_a_dry_run_and_deletes_otherwise() {
        let store = Arc::new(SqliteStore::open_in_memory().expect("store"));
        let old = crate::test_support::fixtures::run("old", t0(), 1).finish_without_running(
            ExecutionStatus::Skipped,
            "misfired".to_owned(),
            t0() - chrono::Duration::days(2),
        );
        assert!(store.insert_finished(&old).await.expect("insert"));
        let roots = Arc::new(ScriptRoots::new(Vec::new()).expect("roots"));
        let clock = Arc::new(crate::test_support::clock::ManualClock::new(t0()));
        let runner = LocalTaskRunner::new(
            roots,
            Interpreters::default(),
            ScriptEnvironment::from_process(),
            store.clone(),
            clock,
        );
        let cleanup = |dry_run| {
            let task = TaskSpec::cleanup_executions(Some(1), Some(1), dry_run).expect("arguments");
            Job { task, ..job("retention", t0()) }
        };
        let run = crate::test_support::fixtures::run("retention", t0(), 1);
        let counted = runner.run(&cleanup(true), &run, Duration::from_secs(30), CancellationToken::new()).await;
        assert_eq!(counted.result, Some(serde_json::json!({"dry_run": true, "would_delete": 1})), "{counted:?}");
        assert!(store.get_execution(old.id).await.expect("get").is_some(), "a dry run deletes nothing");
        let purged = runner.run(&cleanup(false), &run, Duration::from_secs(30), CancellationToken::new()).await;
        assert_eq!(purged.result, Some(serde_json::json!({"deleted": 1})), "{purged:?}");
        assert!(store.get_execution(old.id).await.expect("get").is_none());
    }
}
