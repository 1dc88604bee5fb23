//! One moto server, its table and schedule group, and the AWS app over them, as the executor
//! function builds it from its configuration.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use jobsmith::adapters::aws::app::{AwsApp, AwsConfig, vars};
use jobsmith::adapters::aws::dynamo::create_table;
use jobsmith::adapters::aws::scheduler::{default_run_group, run_schedule_name};
use jobsmith::domain::execution::{Execution, ExecutionStatus};
use jobsmith::domain::ids::{ExecutionId, JobId};
use jobsmith::domain::job::{Job, NewJob, Policies};
use jobsmith::domain::principal::{Principal, Role};
use jobsmith::domain::task::{ScriptLanguage, TaskSpec};
use jobsmith::domain::trigger::Trigger;
use jobsmith::ports::{ExecutionFilter, PageRequest, TaskRunner};
use jobsmith::test_support::aws::{EXECUTOR_ARN, SCHEDULER_ROLE_ARN};
use jobsmith_functions::{RunReport, ScheduledRun, handle_scheduled_run};
use jobsmith_tests::moto::MotoServer;

const TABLE: &str = "jobsmith-executor-test";
const GROUP: &str = "jobsmith-executor-test";

/// The ARN in the executor's invocation context: its own, here through an alias. The template
/// gives the executor no JOBSMITH_EXECUTOR_ARN; the harness's app has one for the routes it
/// stands in for (a trigger), and it differs, so a test tells which one a schedule targets.
pub const INVOKED_AS: &str = "arn:aws:lambda:us-east-1:123456789012:function:jobs-ExecutorFunction-Q1w2E3r4:live";
/// [`INVOKED_AS`] without its alias: what the executor's retries and next legs target.
pub const OWN_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:jobs-ExecutorFunction-Q1w2E3r4";

/// Far from any Lambda deadline: the tests that are not about the deadline get out of its way.
pub const PLENTY: Duration = Duration::from_secs(600);

/// Planted in the function's environment, beside its configuration, where Lambda puts the
/// function's credentials: no script may see it.
pub const PLANTED_SECRET: &str = "planted-aws-secret-3b7d";

pub struct Harness {
    moto: MotoServer,
    scripts: tempfile::TempDir,
    pub app: AwsApp,
    /// Built once, as the executor function builds it per cold start.
    pub runner: Arc<dyn TaskRunner>,
    scheduler: aws_sdk_scheduler::Client,
}

pub async fn harness() -> Harness {
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), TABLE).await.expect("create the table");
    let scheduler = aws_sdk_scheduler::Client::new(&sdk);
    jobsmith::test_support::aws::create_schedule_groups(&scheduler, GROUP).await;
    let scripts = tempfile::tempdir().expect("script root");
    let root = scripts.path().to_string_lossy().into_owned();
    // This test's own PATH, so that the interpreters are found as a function's PATH finds them.
    let path = std::env::var("PATH").unwrap_or_default();
    let env = [
        ("PATH", path.as_str()),
        ("AWS_ACCESS_KEY_ID", "AKIAPLANTED"),
        ("AWS_SECRET_ACCESS_KEY", PLANTED_SECRET),
        ("AWS_SESSION_TOKEN", PLANTED_SECRET),
        (vars::TABLE, TABLE),
        (vars::BUCKET, "unused-by-the-executor"),
        (vars::SCHEDULE_GROUP, GROUP),
        (vars::EXECUTOR_ARN, EXECUTOR_ARN),
        (vars::SCHEDULER_ROLE_ARN, SCHEDULER_ROLE_ARN),
        (vars::S3_FORCE_PATH_STYLE, "true"),
        (vars::SCRIPT_ROOTS, root.as_str()),
    ];
    let config =
        AwsConfig::from_env(|name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())).expect("config");
    let app = AwsApp::build(config, &sdk).expect("build the app");
    let runner = app.task_runner();
    Harness { moto, scripts, app, runner, scheduler }
}

pub fn admin() -> Principal {
    Principal { name: "tester".to_owned(), role: Role::Admin }
}

impl Harness {
    /// A bash script in the script root; returns its path.
    pub fn script(&self, name: &str, body: &str) -> String {
        self.file(name, &format!("#!/usr/bin/env bash\n{body}\n"))
    }

    /// Any file in the script root, as written; returns its path.
    pub fn file(&self, name: &str, content: &str) -> String {
        let path = self.scripts.path().join(name);
        std::fs::write(&path, content).expect("write the script");
        path.to_string_lossy().into_owned()
    }

    /// The SDK's configuration for the moto server, for clients of services the app does not use.
    pub async fn sdk(&self) -> aws_config::SdkConfig {
        self.moto.sdk_config().await
    }

    /// The one-off schedule `name` in the run group, if there is one.
    pub async fn run_schedule(&self, name: &str) -> Option<ScheduledRun> {
        let schedule =
            self.scheduler.get_schedule().group_name(default_run_group(GROUP)).name(name).send().await.ok()?;
        let input = schedule.target()?.input()?;
        Some(serde_json::from_str(input).expect("an executor event"))
    }

    pub fn scripts_dir(&self) -> &Path {
        self.scripts.path()
    }

    pub fn marker(&self) -> PathBuf {
        self.scripts.path().join("marker.txt")
    }

    pub async fn job(&self, id: &str, script_path: String, args: Vec<String>, policies: Policies) -> Job {
        self.job_in(ScriptLanguage::Bash, id, script_path, args, policies).await
    }

    pub async fn job_in(
        &self,
        language: ScriptLanguage,
        id: &str,
        script_path: String,
        args: Vec<String>,
        policies: Policies,
    ) -> Job {
        let new = NewJob {
            id: Some(JobId::parse(id).expect("job id")),
            name: None,
            description: None,
            task: TaskSpec::Script { language, script_path, args },
            trigger: Trigger::Interval { every_seconds: 3_600, anchor: Utc::now() },
            policies,
            enabled: true,
            paused: false,
        };
        self.app.service.create(new, &admin(), false).await.expect("create the job")
    }

    pub async fn deliver(&self, event: ScheduledRun, deadline: Instant) -> RunReport {
        handle_scheduled_run(&self.app, &self.runner, INVOKED_AS, event, deadline).await.expect("handle the event")
    }

    pub async fn executions(&self, job: &Job) -> Vec<Execution> {
        let filter = ExecutionFilter::of_job(job.id.clone());
        let page = PageRequest { offset: 0, limit: 100, cursor: None };
        self.app.service.executions(&filter, &page).await.expect("list executions").items
    }

    pub async fn wait_until_running(&self, job: &Job) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.executions(job).await.iter().any(|e| e.status == ExecutionStatus::Running) {
            assert!(Instant::now() < deadline, "no run of {} started within 30 s", job.id);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The names of the schedules in the jobs' group: one per scheduled job.
    pub async fn job_schedules(&self) -> Vec<String> {
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .scheduler
                .list_schedules()
                .group_name(GROUP)
                .set_next_token(token)
                .send()
                .await
                .expect("list the jobs' schedules");
            names.extend(page.schedules().iter().filter_map(|s| s.name().map(str::to_owned)));
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return names;
            }
        }
    }

    /// Whether a one-off run schedule for `execution` exists.
    pub async fn has_run_schedule(&self, job: &Job, execution: ExecutionId) -> bool {
        let name = run_schedule_name(&job.id, execution);
        match self.scheduler.get_schedule().group_name(default_run_group(GROUP)).name(&name).send().await {
            Ok(_) => true,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => false,
            Err(err) => panic!("get_schedule {name}: {err:?}"),
        }
    }

    /// The input of the one-off schedule the executor (or a trigger) created for `execution`,
    /// as EventBridge would deliver it, checking that it targets `executor`.
    pub async fn dispatched(&self, job: &Job, execution: ExecutionId, executor: &str) -> ScheduledRun {
        let name = run_schedule_name(&job.id, execution);
        let group = default_run_group(GROUP);
        let schedule = self.scheduler.get_schedule().group_name(group).name(&name).send().await.expect("run schedule");
        let target = schedule.target().expect("a target");
        assert_eq!(target.arn(), executor, "the schedule's target");
        serde_json::from_str(target.input().expect("an input")).expect("executor input")
    }
}

/// A job's own schedule firing at `at`.
pub fn fire(job: &Job, at: DateTime<Utc>) -> ScheduledRun {
    ScheduledRun {
        job_id: job.id.to_string(),
        scheduled_time: at.to_rfc3339_opts(SecondsFormat::Secs, true),
        execution_id: None,
        leg: None,
    }
}

/// EventBridge's fire times are whole seconds.
pub fn this_second() -> DateTime<Utc> {
    DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("a representable time")
}

pub fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map(|text| text.lines().count()).unwrap_or(0)
}
