//! The executor's Lambda package, run as Lambda would run it: `infra/aws/package-executor.sh`
//! lays it out for this machine (the same layout `sam build` deploys for arm64), the python
//! runtime's bootstrap (a stand-in) starts it with the environment Lambda and template.yaml give
//! the function, and a Runtime API of the test's own delivers the events EventBridge Scheduler
//! would send, against moto holding the jobs. A bash job, a python job with a result, the media
//! tools from the layers, a script that shows it sees none of the function's credentials, and a
//! scrape run with the layers' yt-dlp and ffmpeg against a loopback video site.

mod lambda;

use std::collections::BTreeSet;

use chrono::{SecondsFormat, Utc};
use jobsmith::adapters::aws::app::{AwsApp, AwsConfig, vars};
use jobsmith::adapters::aws::dynamo::create_table;
use jobsmith::adapters::aws::s3::s3_client;
use jobsmith::adapters::local::script::INHERITED_VARS;
use jobsmith::domain::execution::{Execution, ExecutionStatus};
use jobsmith::domain::ids::{ExecutionId, JobId};
use jobsmith::domain::job::{Job, NewJob, Policies};
use jobsmith::domain::principal::{Principal, Role};
use jobsmith::domain::task::{ScrapeFields, ScrapeTask, ScriptLanguage, TaskSpec};
use jobsmith::domain::trigger::Trigger;
use jobsmith::domain::video::ScrapeMode;
use jobsmith::test_support::aws::{EXECUTOR_ARN, SCHEDULER_ROLE_ARN};
use jobsmith::test_support::media::installed_tools;
use jobsmith::test_support::scrape_fixture::ScrapeFixture;
use jobsmith_functions::ScheduledRun;
use jobsmith_tests::lambda_watch::build_binaries;
use jobsmith_tests::moto::MotoServer;
use jobsmith_tests::runtime_api::Answer;
use serde_json::json;

use lambda::{Lambda, Package, executor_template, workspace_root};

const TABLE: &str = "jobsmith-package-test";
const GROUP: &str = "jobsmith-package-test";
const BUCKET: &str = "jobsmith-package-test";
/// Planted where Lambda puts the function's credentials: no script may see it.
const SENTINEL: &str = "planted-lambda-secret-9c41e2";
const ACCESS_KEY_ID: &str = "ASIAPLANTEDKEY9C41E2";

/// Prints the script's whole environment; the test's own, beside the repository's examples.
const ENV_SCRIPT: &str = "#!/usr/bin/env bash\nenv\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_executors_lambda_package_runs_scripts_and_the_media_tools() {
    // The scripts folder `sam build` would package: the repository's examples and one more.
    let scripts = tempfile::tempdir().expect("a scripts folder");
    for example in ["hello.sh", "summary.py", "media_tools.sh"] {
        std::fs::copy(workspace_root().join("scripts").join(example), scripts.path().join(example)).expect("copy");
    }
    std::fs::write(scripts.path().join("env.sh"), ENV_SCRIPT).expect("write env.sh");
    let executor = build_binaries(&["executor"]).await.remove(0);
    let package = Package::lay_out(&executor, scripts.path()).await;

    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    create_table(&aws_sdk_dynamodb::Client::new(&sdk), TABLE).await.expect("create the table");
    jobsmith::test_support::aws::create_schedule_groups(&aws_sdk_scheduler::Client::new(&sdk), GROUP).await;
    s3_client(&sdk, true).create_bucket().bucket(BUCKET).send().await.expect("create the bucket");
    // The videos' site; ffmpeg from the machine only makes its files.
    let fixture = ScrapeFixture::with_samples(&installed_tools().ffmpeg, 2).await;
    // The global variables, whose template values are references resolved at deploy time.
    let globals = [
        (vars::TABLE, TABLE.to_owned()),
        (vars::BUCKET, BUCKET.to_owned()),
        (vars::SCHEDULE_GROUP, GROUP.to_owned()),
        (vars::EXECUTOR_ARN, EXECUTOR_ARN.to_owned()),
        (vars::SCHEDULER_ROLE_ARN, SCHEDULER_ROLE_ARN.to_owned()),
    ];
    // The test's own side of the table: it creates the jobs and reads what the runs recorded,
    // with the packaged scripts as its roots, as create-job has them on Lambda.
    let roots = package.path("/opt/scripts").to_string_lossy().into_owned();
    let config = AwsConfig::from_env(|name| {
        let ours = [(vars::SCRIPT_ROOTS, roots.clone())];
        globals.iter().chain(&ours).find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    })
    .expect("config");
    let app = AwsApp::build(config, &sdk).expect("the app");

    let template = executor_template();
    let mut extra: Vec<(&str, String)> = vec![
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", SENTINEL.to_owned()),
        ("AWS_SESSION_TOKEN", SENTINEL.to_owned()),
        // Beyond what Lambda sets: where the AWS services are, here.
        ("AWS_ENDPOINT_URL", moto.endpoint().to_owned()),
        (vars::S3_FORCE_PATH_STYLE, "true".to_owned()),
        // A deployment's own choice of site.
        (vars::SCRAPE_PROFILE_URL, format!("{}?u={{value}}", fixture.feed_url())),
    ];
    extra.extend(globals.iter().cloned());
    let mut lambda = Lambda::start(&package, &template, &extra).await;

    // A bash script, run in /tmp (the scripts' own folder is read-only on Lambda).
    let hello = run(&mut lambda, &app, ScriptLanguage::Bash, "hello.sh", &["from", "lambda"]).await;
    let stdout = hello.stdout_tail.clone().unwrap_or_default();
    assert!(stdout.starts_with("hello from lambda, from Linux") && stdout.contains(" in /tmp, attempt 1"), "{stdout}");

    // A python script's main() result, recorded in DynamoDB, from the runtime's python3.
    let summary = run(&mut lambda, &app, ScriptLanguage::Python, "summary.py", &["a", "b"]).await;
    let result = summary.result.clone().unwrap_or_else(|| panic!("no result: {summary:?}"));
    assert_eq!((&result["args"], &result["cwd"]), (&json!(["a", "b"]), &json!("/tmp")), "{result}");
    assert!(result["python"].as_str().is_some_and(|v| v.starts_with("3.")), "{result}");

    // The media tools, found on PATH in the layers' /opt/bin, at their pinned versions.
    let tools = run(&mut lambda, &app, ScriptLanguage::Bash, "media_tools.sh", &[]).await;
    let stdout = tools.stdout_tail.clone().unwrap_or_default();
    let bin = package.path("/opt/bin");
    let ytdlp = format!("yt-dlp: {}: {}", bin.join("yt-dlp").display(), pinned_ytdlp_version());
    assert!(stdout.lines().any(|line| line == ytdlp), "expected {ytdlp:?} in:\n{stdout}");
    for tool in ["ffmpeg", "ffprobe"] {
        let prefix = format!("{tool}: {}: {tool} version n", bin.join(tool).display());
        assert!(stdout.lines().any(|line| line.starts_with(&prefix)), "expected {prefix:?} in:\n{stdout}");
    }

    // A script's whole environment: the allowlist and the run's own, nothing of the function's.
    let env = run(&mut lambda, &app, ScriptLanguage::Bash, "env.sh", &[]).await;
    let output =
        format!("{}{}", env.stdout_tail.clone().unwrap_or_default(), env.stderr_tail.clone().unwrap_or_default());
    for secret in [SENTINEL, ACCESS_KEY_ID, &lambda.runtime_api_address(), "AWS_"] {
        assert!(!output.contains(secret), "a script saw {secret:?}:\n{output}");
    }
    let allowed: BTreeSet<&str> = INHERITED_VARS
        .into_iter()
        .chain(["JOBSMITH_JOB_ID", "JOBSMITH_EXECUTION_ID", "JOBSMITH_ATTEMPT"])
        // What bash adds on its own.
        .chain(["PWD", "SHLVL", "_"])
        .collect();
    let names: Vec<&str> = output.lines().filter_map(|line| line.split_once('=').map(|(name, _)| name)).collect();
    let unexpected: Vec<&&str> = names.iter().filter(|name| !allowed.contains(**name)).collect();
    assert!(unexpected.is_empty(), "variables from outside the allowlist: {unexpected:?}\n{output}");
    assert!(names.contains(&"PATH") && output.contains("PWD=/tmp\n"), "{output}");

    // A scrape run: the listing and the downloads with the layer's yt-dlp (started by the
    // runtime's python3), the files into the bucket. The downloads went through a download slot,
    // whose yt-dlp stays for the next run a while.
    let scrape = ScrapeFields { mode: Some(ScrapeMode::Profile), value: "fixture".to_owned(), ..Default::default() };
    let task = TaskSpec::Scrape(ScrapeTask::try_from(scrape).expect("a valid scrape"));
    let scraped = run_task(&mut lambda, &app, "scrape-profile", task).await;
    let result = scraped.result.clone().unwrap_or_else(|| panic!("no result: {scraped:?}"));
    assert_eq!((&result["total_videos"], &result["successful_downloads"]), (&json!(2), &json!(2)), "{result}");
    let listed = s3_client(&sdk, true).list_objects_v2().bucket(BUCKET).prefix("videos/").send().await.expect("list");
    let mp4s = listed.contents().iter().filter(|o| o.key().is_some_and(|k| k.ends_with(".mp4"))).count();
    assert_eq!(mp4s, 2, "{listed:?}");
    let launcher = package.path("/opt/bin/yt-dlp");
    let slots = download_slots(&launcher);
    // One per download running at once: 2 by default, 1 if the first ended before the second came.
    assert!((1..=2).contains(&slots), "the downloads' yt-dlp, in {slots} slots\n{}", lambda.log_tail());

    assert!(lambda.is_running(), "one process served every invocation, as a warm Lambda does\n{}", lambda.log_tail());
}

/// The live download slots started with `launcher`: Python run with `-c` and the launcher as its
/// first argument, where a yt-dlp process of its own runs the launcher as the script.
fn download_slots(launcher: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            args.windows(3).any(|w| w[0] == b"-c" && w[2] == launcher.as_os_str().as_encoded_bytes())
        })
        .count()
}

/// Runs `script` from the packaged scripts as [`run_task`] does.
async fn run(lambda: &mut Lambda, app: &AwsApp, language: ScriptLanguage, script: &str, args: &[&str]) -> Execution {
    let task = TaskSpec::Script {
        language,
        script_path: script.to_owned(),
        args: args.iter().map(|a| (*a).to_owned()).collect(),
    };
    run_task(lambda, app, &script.replace('.', "-"), task).await
}

/// Creates job `id` running `task`, delivers its schedule's fire to the function, and gives the
/// execution it recorded once it says the run succeeded.
async fn run_task(lambda: &mut Lambda, app: &AwsApp, id: &str, task: TaskSpec) -> Execution {
    let new = NewJob {
        id: Some(JobId::parse(id).expect("job id")),
        name: None,
        description: None,
        task,
        trigger: Trigger::Interval { every_seconds: 3_600, anchor: Utc::now() },
        policies: Policies::default(),
        enabled: true,
        paused: false,
    };
    let principal = Principal { name: "tester".to_owned(), role: Role::Admin };
    let job: Job = app.service.create(new, &principal, false).await.expect("create the job");
    let fired = chrono::DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("now");
    let event = ScheduledRun {
        job_id: job.id.to_string(),
        scheduled_time: fired.to_rfc3339_opts(SecondsFormat::Secs, true),
        execution_id: None,
        leg: None,
    };
    let answer = lambda.invoke(serde_json::to_value(event).expect("an event")).await;
    let Answer::Response(report) = answer else { panic!("{id}: {answer:?}\n{}", lambda.log_tail()) };
    assert_eq!((&report["outcome"], &report["status"]), (&json!("ran"), &json!("succeeded")), "{id}: {report}");
    let id = report["execution_id"].as_str().and_then(ExecutionId::parse).expect("an execution id");
    let execution = app.executions.get_execution(id).await.expect("read the execution").expect("recorded");
    assert_eq!(execution.status, ExecutionStatus::Succeeded, "{execution:?}");
    execution
}

/// The yt-dlp version the layer pins, from its requirements file.
fn pinned_ytdlp_version() -> String {
    let path = workspace_root().join("infra/aws/runtime/requirements-ytdlp.txt");
    let text = std::fs::read_to_string(&path).expect("read requirements-ytdlp.txt");
    let pin = text.lines().find_map(|line| line.strip_prefix("yt-dlp==")).expect("a yt-dlp pin");
    pin.split_whitespace().next().expect("a version").to_owned()
}
