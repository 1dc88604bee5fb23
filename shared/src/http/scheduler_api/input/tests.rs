use super::*;
use crate::domain::ids::JobId;
use crate::domain::job::{Job, NewJob, Policies};
use crate::domain::task::ScriptLanguage;
use crate::domain::task::{TaskFunction, TaskSpec};
use crate::domain::trigger::JobType;
use crate::domain::trigger::Trigger;
use crate::http::body::parse_json;
use crate::http::detail::DetailError;
use crate::http::scheduler_api::problems::Problems;
use crate::http::scheduler_api::schedule_config::from_schedule_config;
use chrono::TimeZone;
use chrono::{DateTime, Utc};
use serde_json::json;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap()
}

fn create(body: Value) -> Result<NewJob, Vec<Value>> {
    let SchedulerJobCreate(input) = parse_json(body.to_string().as_bytes()).expect("body parses");
    input.into_new_job(now()).map_err(problem_list)
}

fn problem_list(error: impl Into<DetailError>) -> Vec<Value> {
    let response = axum::response::IntoResponse::into_response(error.into());
    assert_eq!(response.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    let bytes = response_bytes(response);
    let value: Value = serde_json::from_slice(&bytes).unwrap();
    value["detail"].as_array().cloned().unwrap()
}

fn response_bytes(response: axum::response::Response) -> Vec<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async { axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap().to_vec() })
}

fn locs(problems: &[Value]) -> Vec<Value> {
    problems.iter().map(|p| p["loc"].clone()).collect()
}

fn minimal() -> Value {
    json!({
        "name": "Backup",
        "taskFunctionId": 1,
        "jobTypeId": 1,
        "scheduleConfig": {"hours": 6, "minutes": 0, "seconds": 0},
        "taskArgs": {"script_path": "backup.sh", "args": ["--full"]}
    })
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn without(mut base: Value, key: &str) -> Value {
    base.as_object_mut().unwrap().remove(key);
    base
}

fn existing() -> Job {
    let new = create(minimal()).unwrap();
    Job::create(new, Some("alice".into()), now())
}

#[test]
fn a_minimal_job_gets_the_defaults() {
    let new = create(minimal()).unwrap();
    assert_eq!(new.name.as_deref(), Some("Backup"));
    assert_eq!(new.policies, Policies::default());
    assert!(new.enabled);
    assert!(!new.paused);
    assert_eq!(new.id, None);
    assert_eq!(new.trigger, Trigger::Interval { every_seconds: 6 * 3600, anchor: now() });
    assert_eq!(
        new.task,
        TaskSpec::Script {
            language: ScriptLanguage::Bash,
            script_path: "backup.sh".into(),
            args: vec!["--full".into()]
        }
    );
}

#[test]
fn every_field_is_read() {
    let body = json!({
        "id": "backup-1",
        "name": "Backup",
        "description": "nightly",
        "taskFunction": "script.python",
        "jobType": "cron",
        "scheduleConfig": {"hour": "2", "minute": "30"},
        "taskArgs": {"script_path": "b.py"},
        "maxInstances": 3,
        "timeoutSeconds": 120,
        "retryCount": 2,
        "retryDelaySeconds": 10,
        "isEnabled": false,
        "isPaused": true,
        "misfireGraceSeconds": 30,
        "recentExecutions": [],
        "somethingElse": {"ignored": true}
    });
    let new = create(body).unwrap();
    assert_eq!(new.id.as_ref().map(JobId::as_str), Some("backup-1"));
    assert_eq!(new.description.as_deref(), Some("nightly"));
    assert_eq!(new.task.function(), TaskFunction::ScriptPython);
    assert_eq!(new.trigger.job_type(), JobType::Cron);
    assert_eq!(
        new.policies,
        Policies {
            max_instances: 3,
            timeout_seconds: Some(120),
            retry_count: 2,
            retry_delay_seconds: 10,
            misfire_grace_seconds: Some(30)
        }
    );
    assert!(!new.enabled);
    assert!(new.paused);
}

#[test]
fn missing_required_fields_are_each_named() {
    let problems = create(json!({"description": "x"})).unwrap_err();
    assert_eq!(
        locs(&problems),
        vec![
            json!(["body", "name"]),
            json!(["body", "taskFunctionId"]),
            json!(["body", "jobTypeId"]),
            json!(["body", "scheduleConfig"]),
        ]
    );
    assert!(problems.iter().all(|p| p["type"] == MISSING), "{problems:?}");
}

#[test]
fn ranges_are_checked() {
    for (field, bad) in [
        ("maxInstances", 0),
        ("maxInstances", 101),
        ("timeoutSeconds", 0),
        ("timeoutSeconds", 604_801),
        ("retryCount", -1),
        ("retryCount", 101),
        ("retryDelaySeconds", -1),
        ("retryDelaySeconds", 86_401),
        ("misfireGraceSeconds", 0),
    ] {
        let problems = create(with(minimal(), field, json!(bad))).unwrap_err();
        assert_eq!(locs(&problems), vec![json!(["body", field])], "{field}={bad}");
    }
    for (field, good) in
        [("maxInstances", 100), ("timeoutSeconds", 604_800), ("retryCount", 0), ("retryDelaySeconds", 0)]
    {
        assert!(create(with(minimal(), field, json!(good))).is_ok(), "{field}={good}");
    }
}

#[test]
fn wrong_types_are_named_by_the_extractor() {
    let err = parse_json::<SchedulerJobCreate>(with(minimal(), "maxInstances", json!("two")).to_string().as_bytes())
        .unwrap_err();
    assert_eq!(err.loc, ["body", "maxInstances"]);
    assert_eq!(err.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    let err = parse_json::<SchedulerJobUpdate>(br#"{"isEnabled": "yes"}"#).unwrap_err();
    assert_eq!(err.loc, ["body", "isEnabled"]);
}

#[test]
fn unknown_functions_and_types_are_named() {
    let problems = create(with(minimal(), "taskFunctionId", json!(99))).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "taskFunctionId"])]);
    assert!(problems[0]["msg"].as_str().unwrap().contains("1 (script.bash)"));
    let problems = create(with(without(minimal(), "taskFunctionId"), "taskFunction", json!("script.zsh"))).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "taskFunction"])]);
    let problems = create(with(minimal(), "jobTypeId", json!(7))).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "jobTypeId"])]);
    let problems = create(with(minimal(), "taskFunction", json!("script.python"))).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "taskFunction"])], "disagrees with taskFunctionId");
}

#[test]
fn video_retention_takes_its_own_arguments() {
    let problems = create(with(minimal(), "taskFunctionId", json!(6))).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "taskArgs", "args"])], "a script's arguments are not its");
    let args = json!({"older_than_days": 30, "prefix": "videos/profile/a"});
    let job = create(with(with(minimal(), "taskFunctionId", json!(6)), "taskArgs", args)).unwrap();
    assert_eq!(job.task.function(), TaskFunction::CleanupVideos);
    assert_eq!(job.task.default_job_name(), "cleanup.videos:videos/profile/a/");
}

#[test]
fn schedule_config_errors_keep_their_field() {
    let problems = create(with(minimal(), "scheduleConfig", json!({"hours": "two"}))).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "scheduleConfig", "hours"])]);
    let problems = create(with(minimal(), "scheduleConfig", json!({"hours": 0}))).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "scheduleConfig"])]);
}

#[test]
fn task_arg_errors_sit_under_task_args() {
    let problems = create(with(minimal(), "taskArgs", json!({"script_path": "a.sh", "args": ["a", 1]}))).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "taskArgs", "args", 1])]);
    let problems = create(without(minimal(), "taskArgs")).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "taskArgs", "script_path"])]);
}

#[test]
fn problems_are_reported_together() {
    let body = with(with(minimal(), "maxInstances", json!(0)), "scheduleConfig", json!({"hours": -1}));
    let problems = create(body).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "maxInstances"]), json!(["body", "scheduleConfig", "hours"])]);
}

#[test]
fn names_and_ids_are_checked() {
    let problems = create(with(minimal(), "name", json!("  "))).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "name"])]);
    let problems = create(with(minimal(), "id", json!("a b"))).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "id"])]);
    assert!(create(with(minimal(), "id", Value::Null)).is_ok());
    let problems = create(with(without(minimal(), "name"), "id", json!(5))).unwrap_err();
    assert_eq!(
        problems,
        vec![
            json!({"loc": ["body", "id"], "msg": "invalid type: integer `5`, expected a string", "type": "type_error"})
        ],
        "a wrong type is refused alone, as a strict read of the body refuses it"
    );
}

#[test]
fn an_update_ignores_the_id() {
    let original = existing();
    let mut job = original.clone();
    update(json!({"id": 5}), &mut job).unwrap();
    update(json!({"id": "another-job"}), &mut job).unwrap();
    assert_eq!(job, original);
}

#[test]
fn the_job_type_is_read_from_the_config_when_absent() {
    let cases = [
        (json!({"minutes": 5}), JobType::Interval),
        (json!({"hour": "9", "minute": "0"}), JobType::Cron),
        (json!({"run_date": "2030-01-01T00:00:00Z"}), JobType::Date),
        (json!({"expression": "rate(5 minutes)"}), JobType::Interval),
        (json!({"expression": "cron(0 9 * * ? *)"}), JobType::Cron),
    ];
    for (config, job_type) in cases {
        let body = with(without(minimal(), "jobTypeId"), "scheduleConfig", config.clone());
        assert_eq!(create(body).map(|n| n.trigger.job_type()), Ok(job_type), "{config}");
    }
    let body = with(without(minimal(), "jobTypeId"), "scheduleConfig", json!({"minutes": 5, "hour": "1"}));
    assert_eq!(locs(&create(body).unwrap_err()), vec![json!(["body", "jobTypeId"])]);
}

fn update(body: Value, job: &mut Job) -> Result<(), Vec<Value>> {
    let SchedulerJobUpdate(input) = parse_json(body.to_string().as_bytes()).expect("body parses");
    let mut problems = Problems::default();
    let checked = input.check(&mut problems);
    if !problems.is_empty() {
        return Err(problem_list(problems));
    }
    checked.apply_to(job, now() + chrono::Duration::hours(1)).map_err(problem_list)
}

fn view_of(job: &Job) -> Value {
    let detail = super::super::views::SchedulerJobDetailView::new(job, &[], now());
    serde_json::to_value(detail).unwrap()
}

#[test]
fn a_get_result_sent_back_changes_nothing() {
    let mut cron = existing();
    cron.trigger = from_schedule_config(JobType::Cron, &json!({"hour": "9", "minute": "0"}), now()).unwrap();
    let mut date = existing();
    date.trigger = from_schedule_config(JobType::Date, &json!({"run_date": "2030-01-01T00:00:00Z"}), now()).unwrap();
    for original in [existing(), cron, date] {
        let mut job = original.clone();
        update(view_of(&original), &mut job).unwrap();
        assert_eq!(job, original);
    }
}

#[test]
fn an_edited_get_result_changes_what_was_edited() {
    let mut job = existing();
    job.trigger = from_schedule_config(JobType::Cron, &json!({"hour": "9", "minute": "0"}), now()).unwrap();
    let mut view = view_of(&job);
    view["scheduleConfig"]["hour"] = json!("10");
    update(view, &mut job).unwrap();
    assert_eq!(job.trigger.expression(), "cron(0 10 * * ? *)");

    let mut view = view_of(&job);
    view["scheduleConfig"]["expression"] = json!("cron(15 8 * * ? *)");
    update(view, &mut job).unwrap();
    assert_eq!(job.trigger.expression(), "cron(15 8 * * ? *)");

    let mut date = existing();
    date.trigger = from_schedule_config(JobType::Date, &json!({"run_date": "2030-01-01T00:00:00Z"}), now()).unwrap();
    let mut view = view_of(&date);
    view["scheduleConfig"]["run_date"] = json!("2031-01-01T00:00:00Z");
    update(view, &mut date).unwrap();
    assert_eq!(date.trigger.expression(), "at(2031-01-01T00:00:00)");
}

#[test]
fn a_config_without_a_type_keeps_the_jobs_type() {
    let mut job = existing();
    update(json!({"scheduleConfig": {"minutes": 30}}), &mut job).unwrap();
    assert_eq!(job.trigger.expression(), "rate(30 minutes)");
    let problems = update(json!({"scheduleConfig": {"hour": "1"}}), &mut job).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "scheduleConfig", "hour"])]);
}

#[test]
fn changing_the_type_needs_a_config() {
    let mut job = existing();
    let problems = update(json!({"jobTypeId": 2}), &mut job).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "scheduleConfig"])]);
    update(json!({"jobTypeId": 1}), &mut job).unwrap();
    update(json!({"jobTypeId": 2, "scheduleConfig": {"hour": "3"}}), &mut job).unwrap();
    assert_eq!(job.trigger.job_type(), JobType::Cron);
}

#[test]
fn updates_change_only_what_they_name() {
    let original = existing();
    let mut job = original.clone();
    update(json!({"name": "Renamed", "isEnabled": false, "retryCount": 4}), &mut job).unwrap();
    assert_eq!(job.name, "Renamed");
    assert!(!job.enabled);
    assert_eq!(job.policies.retry_count, 4);
    assert_eq!(job.trigger, original.trigger);
    assert_eq!(job.task, original.task);
    assert_eq!(job.policies.max_instances, original.policies.max_instances);
}

#[test]
fn nulls_clear_what_may_be_cleared() {
    let mut job = existing();
    job.description = Some("d".into());
    job.policies.timeout_seconds = Some(5);
    job.policies.misfire_grace_seconds = Some(5);
    update(json!({"description": null, "timeoutSeconds": null, "misfireGraceSeconds": null, "name": null}), &mut job)
        .unwrap();
    assert_eq!(job.description, None);
    assert_eq!(job.policies.timeout_seconds, None);
    assert_eq!(job.policies.misfire_grace_seconds, None);
    assert_eq!(job.name, "Backup", "a null name is no change");
}

#[test]
fn a_new_function_needs_its_arguments() {
    let mut job = existing();
    let problems = update(json!({"taskFunctionId": 7, "taskArgs": {"script_path": "x"}}), &mut job).unwrap_err();
    assert_eq!(locs(&problems), vec![json!(["body", "taskArgs", "script_path"])]);
    update(json!({"taskFunctionId": 7}), &mut job).unwrap();
    assert_eq!(job.task.function(), TaskFunction::CleanupExecutions);
    update(json!({"taskArgs": {"retention_days": 3}}), &mut job).unwrap();
    assert_eq!(job.task, TaskSpec::CleanupExecutions { retention_days: 3, failed_retention_days: 6, dry_run: false });
}

#[test]
fn status_body_needs_is_enabled() {
    let body: SchedulerJobStatusUpdate = parse_json(b"{}").unwrap();
    let problems = problem_list(body.enabled().unwrap_err());
    assert_eq!(locs(&problems), vec![json!(["body", "isEnabled"])]);
    let body: SchedulerJobStatusUpdate = parse_json(br#"{"isEnabled": false}"#).unwrap();
    assert_eq!(body.enabled().ok(), Some(false));
}
