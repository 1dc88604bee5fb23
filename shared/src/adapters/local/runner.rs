//! The local task runner: scripts as child processes, history retention against the store.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::script::{Interpreters, ScriptInvocation, ScriptKind, ScriptOutcome, ScriptStatus, run_script};
use crate::domain::execution::{Execution, ExecutionStatus};
use crate::domain::job::Job;
use crate::domain::script_path::ScriptRoots;
use crate::domain::task::{ScriptLanguage, TaskSpec};
use crate::ports::{Clock, ExecutionStore, RunOutcome, TaskRunner};

pub struct LocalTaskRunner {
    roots: Arc<ScriptRoots>,
    interpreters: Interpreters,
    executions: Arc<dyn ExecutionStore>,
    clock: Arc<dyn Clock>,
}

impl LocalTaskRunner {
    pub fn new(
        roots: Arc<ScriptRoots>,
        interpreters: Interpreters,
        executions: Arc<dyn ExecutionStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { roots, interpreters, executions, clock }
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
            working_dir: script.resolved().parent().map(std::path::Path::to_path_buf),
            env: vec![
                ("JOBSMITH_JOB_ID".to_owned(), job.id.to_string()),
                (super::orphans::EXECUTION_ID_VAR.to_owned(), execution.id.to_string()),
                ("JOBSMITH_ATTEMPT".to_owned(), execution.attempt.to_string()),
            ],
        };
        outcome_of(run_script(&self.interpreters, invocation, cancel).await)
    }

    async fn purge_history(&self, retention_days: u32, failed_retention_days: u32) -> RunOutcome {
        let now = self.clock.now();
        let succeeded_before = now - chrono::Duration::days(i64::from(retention_days));
        let failed_before = now - chrono::Duration::days(i64::from(failed_retention_days));
        match self.executions.purge_finished(succeeded_before, failed_before).await {
            Ok(deleted) => RunOutcome {
                status: ExecutionStatus::Succeeded,
                result: Some(serde_json::json!({ "deleted": deleted })),
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
            TaskSpec::CleanupExecutions { retention_days, failed_retention_days } => {
                self.purge_history(*retention_days, *failed_retention_days).await
            }
        }
    }
}
