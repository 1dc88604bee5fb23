//! Seed 004: task functions, job types, interval and cron jobs, executions, policies, status.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{Timelike, Utc};
use jobsmith::test_support::fixtures::SCHEDULER_JOB_KEYS;
use serde_json::{Value, json};

use crate::support::time::{next_monday_nine_berlin, next_monday_nine_utc, parse_zulu};
use crate::support::witness::wait_until_fired_past;
use crate::support::{Server, bounded, detail_message, find, keys, process_alive, validation_locs, wait_for_file};

const LIMIT: Duration = Duration::from_secs(90);
const WITHIN: Duration = Duration::from_secs(20);
const JOBS: &str = "/api/v1/scheduler/jobs";

const SEED_EXECUTION_KEYS: [&str; 11] = [
    "id",
    "jobId",
    "celeryTaskId",
    "status",
    "startedAt",
    "completedAt",
    "durationSeconds",
    "result",
    "errorMessage",
    "triggeredBy",
    "triggeredByUserId",
];

/// A fire refused because the job's one instance was still running.
fn overlap_skip(execution: &Value) -> bool {
    execution["status"] == "skipped" && execution["errorMessage"].as_str().is_some_and(|m| m.contains("max instances"))
}

#[track_caller]
fn assert_has_keys(value: &Value, wanted: &[&str]) {
    let present = keys(value);
    for key in wanted {
        assert!(present.iter().any(|k| k == key), "{key} missing from {value}");
    }
}

/// A job body in the seed's form: a script task on an interval.
fn interval_job(name: &str, function_id: u32, script: &str, args: Value, every: Value) -> Value {
    json!({
        "name": name,
        "description": format!("{name} (acceptance)"),
        "taskFunctionId": function_id,
        "jobTypeId": 1,
        "scheduleConfig": every,
        "taskArgs": {"script_path": script, "args": args},
        "maxInstances": 1,
        "timeoutSeconds": 30,
        "retryCount": 0,
        "retryDelaySeconds": 0,
        "isEnabled": true,
    })
}

fn hourly() -> Value {
    json!({"hours": 1, "minutes": 0, "seconds": 0})
}

fn every_second() -> Value {
    json!({"hours": 0, "minutes": 0, "seconds": 1})
}

async fn create(server: &Server, body: &Value) -> Value {
    server.post(JOBS, body).await.expect(201)
}

fn id_of(job: &Value) -> String {
    job["id"].as_str().unwrap_or_else(|| panic!("no id in {job}")).to_owned()
}

async fn disable(server: &Server, id: &str) {
    let job = server.put(&format!("{JOBS}/{id}/status"), &json!({"isEnabled": false})).await.expect(200);
    assert_eq!((&job["isEnabled"], &job["nextRunTime"]), (&json!(false), &Value::Null), "{job}");
}

#[tokio::test]
async fn seed_004_interval_job_fires_repeatedly_and_can_be_triggered() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let script = server.write_script("tick.sh", "#!/bin/bash\necho \"tick $1\" >> \"$(dirname \"$0\")/ticks.out\"\n");
        let before = Utc::now();
        let body = interval_job("Ticker", 1, &script, json!(["one"]), every_second());
        let job = create(&server, &body).await;
        let id = id_of(&job);
        assert_has_keys(&job, &SCHEDULER_JOB_KEYS);
        for (key, value) in [
            ("name", json!("Ticker")),
            ("description", json!("Ticker (acceptance)")),
            ("taskFunctionId", json!(1)),
            ("jobTypeId", json!(1)),
            ("scheduleConfig", every_second()),
            ("taskArgs", json!({"script_path": script, "args": ["one"]})),
            ("maxInstances", json!(1)),
            ("timeoutSeconds", json!(30)),
            ("retryCount", json!(0)),
            ("retryDelaySeconds", json!(0)),
            ("isEnabled", json!(true)),
            ("isPaused", json!(false)),
            ("lastRunTime", Value::Null),
            ("lastStatus", Value::Null),
            ("createdBy", json!("anonymous")),
            ("updatedBy", json!("anonymous")),
        ] {
            assert_eq!(job[key], value, "{key} in {job}");
        }
        let next = parse_zulu(&job["nextRunTime"]);
        let created = parse_zulu(&job["createdAt"]);
        assert!(next > before && next <= Utc::now() + chrono::Duration::seconds(2), "nextRunTime {next}");
        assert!(created >= before - chrono::Duration::seconds(1) && created <= Utc::now(), "createdAt {created}");
        assert_eq!(job["updatedAt"], job["createdAt"]);
        assert!(!id.is_empty() && id.len() <= 64, "{id}");

        // Three runs in a row, each recorded with its own fire time.
        let runs = server
            .wait_executions(&id, WITHIN, "three scheduled runs", |list| {
                list.iter().filter(|e| e["status"] == "success").count() >= 3
            })
            .await;
        // A server that is up fires on time: nothing is missed, coalesced or skipped.
        let skipped: Vec<&Value> = runs.iter().filter(|e| e["status"] == "skipped").collect();
        assert!(skipped.is_empty(), "fires skipped while the scheduler was running: {skipped:?}");
        let done: Vec<&Value> = runs.iter().filter(|e| e["status"] == "success").collect();
        for run in &done {
            assert_has_keys(run, &SEED_EXECUTION_KEYS);
            assert_eq!(run["jobId"], id.as_str());
            assert_eq!(run["triggeredBy"], "scheduler", "{run}");
            assert_eq!(run["exitCode"], 0, "{run}");
            assert_eq!(run["celeryTaskId"], Value::Null, "{run}");
            assert!(run["durationSeconds"].as_f64().is_some_and(|d| (0.0..10.0).contains(&d)), "{run}");
            parse_zulu(&run["startedAt"]);
            parse_zulu(&run["completedAt"]);
        }
        let fire_times: BTreeSet<String> = done.iter().map(|e| e["scheduledTime"].to_string()).collect();
        assert_eq!(fire_times.len(), done.len(), "one execution per fire time: {runs:?}");
        let ticks = wait_for_file(&server.script_root().join("ticks.out"), WITHIN).await;
        assert!(ticks.lines().filter(|l| *l == "tick one").count() >= 3, "{ticks}");

        // The detail view.
        let detail = server.get(&format!("{JOBS}/{id}")).await.expect(200);
        assert_has_keys(&detail, &SCHEDULER_JOB_KEYS);
        assert_eq!(detail["lastStatus"], "success", "{detail}");
        parse_zulu(&detail["lastRunTime"]);
        assert_eq!(detail["taskFunction"]["id"], 1);
        assert_eq!(detail["taskFunction"]["name"], "script.bash");
        assert_eq!(
            detail["jobType"],
            json!({"id": 1, "name": "interval", "displayName": "Interval", "description": "Run at fixed time intervals"})
        );
        let recent = detail["recentExecutions"].as_array().expect("recentExecutions");
        assert!(recent.len() >= 3 && recent.len() <= 10, "{detail}");
        for run in recent {
            assert_has_keys(run, &SEED_EXECUTION_KEYS);
            assert_eq!(run["jobId"], id.as_str());
        }

        // Disabled: it stops firing and cannot be triggered.
        // A fire claimed before the disable answered may still be recorded after it, but no
        // fire due after it: had the job kept its one-second interval, it would have fired once
        // more before the witness. Recorded times are whole seconds, hence the truncation.
        disable(&server, &id).await;
        let disabled_at = Utc::now();
        wait_until_fired_past(&server, disabled_at + chrono::Duration::seconds(1)).await;
        let disabled_second = disabled_at.with_nanosecond(0).expect("a whole second");
        let late: Vec<Value> = server
            .executions(&id)
            .await
            .into_iter()
            .filter(|e| parse_zulu(&e["scheduledTime"]) > disabled_second)
            .collect();
        assert!(late.is_empty(), "a disabled job fired: {late:?}");
        let answer = server.post_empty(&format!("{JOBS}/{id}/trigger")).await;
        assert_eq!(answer.status, 409, "{}", answer.text);
        detail_message(&answer.body);

        // Enabled on a long interval, then triggered by hand.
        let slow = server.put(&format!("{JOBS}/{id}"), &json!({"scheduleConfig": hourly()})).await.expect(200);
        assert_eq!(slow["scheduleConfig"], hourly());
        let enabled = server.put(&format!("{JOBS}/{id}/status"), &json!({"isEnabled": true})).await.expect(200);
        assert_eq!(enabled["isEnabled"], true);
        let triggered = server.post_empty(&format!("{JOBS}/{id}/trigger")).await.expect(200);
        assert_has_keys(&triggered, &["jobId", "executionId", "celeryTaskId", "message"]);
        assert_eq!(triggered["jobId"], id.as_str());
        assert_eq!(triggered["message"], "Job triggered successfully");
        let execution_id = triggered["executionId"].as_str().expect("executionId").to_owned();
        let runs = server
            .wait_executions(&id, WITHIN, "manual run recorded", |list| {
                list.iter().any(|e| e["id"] == execution_id.as_str() && e["status"] == "success")
            })
            .await;
        let manual = find(&runs, "id", &execution_id);
        assert_eq!(manual["triggeredBy"], "manual", "{manual}");
        assert_eq!(manual["triggeredByUserId"], "anonymous", "{manual}");
        assert_eq!(manual["attempt"], 1, "{manual}");

        // The cross-job execution list and its filters agree with the job's own.
        let all = server.get(&format!("/api/v1/scheduler/executions?job_id={id}&per_page=100")).await.expect(200);
        let own = server.executions(&id).await;
        assert_eq!(all["total"], own.len(), "{all}");
        let successes = server.get(&format!("/api/v1/scheduler/executions?job_id={id}&status=success")).await.expect(200);
        let listed = successes["executions"].as_array().expect("executions");
        assert!(!listed.is_empty() && listed.iter().all(|e| e["status"] == "success"), "{successes}");
        let page = server.get(&format!("{JOBS}/{id}/executions?per_page=2&page=1")).await.expect(200);
        assert_eq!(page["executions"].as_array().map(Vec::len), Some(2), "{page}");
        assert_eq!(page["total"], own.len(), "{page}");

        let unknown = server.post_empty(&format!("{JOBS}/nope/trigger")).await;
        assert_eq!((unknown.status, unknown.body), (404, json!({"detail": "Job not found: nope"})));
    })
    .await;
}

#[tokio::test]
async fn seed_004_max_instances_skips_an_overlapping_fire() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let slow = server.write_script("slow.sh", "#!/bin/bash\nsleep 3\n");
        let job = create(&server, &interval_job("Overlap", 1, &slow, json!([]), every_second())).await;
        let id = id_of(&job);
        let mut most_running = 0;
        let runs = server
            .wait_executions(&id, WITHIN, "an overlapping fire recorded as skipped", |list| {
                most_running = most_running.max(list.iter().filter(|e| e["status"] == "running").count());
                list.iter().any(overlap_skip)
            })
            .await;
        disable(&server, &id).await;
        assert!(most_running <= 1, "more than maxInstances running at once");
        let wrong: Vec<&Value> = runs.iter().filter(|e| e["status"] == "skipped" && !overlap_skip(e)).collect();
        assert!(wrong.is_empty(), "skipped for another reason than the running instance: {wrong:?}");
        let skipped = runs.iter().find(|e| overlap_skip(e)).expect("a skipped run");
        assert_eq!(skipped["triggeredBy"], "scheduler", "{skipped}");
        assert_eq!(skipped["startedAt"], Value::Null, "a skipped run never started: {skipped}");
        // The run it overlapped with did run, and finished.
        let finished = server
            .wait_executions(&id, WITHIN, "the overlapped run finishes", |list| {
                list.iter().any(|e| e["status"] == "success")
            })
            .await;
        let ran = find(&finished, "status", "success");
        assert!(ran["durationSeconds"].as_f64().is_some_and(|d| d >= 2.9), "{ran}");
    })
    .await;
}

#[tokio::test]
async fn seed_004_timeout_kills_the_script_and_its_children() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let pid_file = server.scratch().join("child.pid");
        let script = server.write_script("hang.sh", "#!/bin/bash\nsleep 60 &\necho $! > \"$1\"\nsleep 30\n");
        let mut body = interval_job("Hang", 1, &script, json!([pid_file.to_str().expect("utf-8")]), hourly());
        body["timeoutSeconds"] = json!(1);
        let id = id_of(&create(&server, &body).await);
        server.post_empty(&format!("{JOBS}/{id}/trigger")).await.expect(200);
        let child: i32 = wait_for_file(&pid_file, WITHIN).await.trim().parse().expect("child pid");
        let runs = server
            .wait_executions(&id, WITHIN, "timeout recorded", |list| list.iter().any(|e| e["status"] == "timeout"))
            .await;
        let run = find(&runs, "status", "timeout");
        let took = run["durationSeconds"].as_f64().expect("durationSeconds");
        assert!((0.9..10.0).contains(&took), "{run}");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while process_alive(child) && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let killed = !process_alive(child);
        if !killed {
            // Ours to end, whatever the server did.
            crate::support::kill_pid(child);
        }
        assert!(killed, "the timed-out script's background child {child} is still running");
    })
    .await;
}

#[tokio::test]
async fn seed_004_retries_failed_runs() {
    let mut server = Server::open().await;
    bounded(LIMIT, async {
        let script = server.write_script("fail.sh", "#!/bin/bash\necho \"attempt $JOBSMITH_ATTEMPT\" >&2\nexit 7\n");
        let mut body = interval_job("Retry", 1, &script, json!([]), hourly());
        body["retryCount"] = json!(2);
        body["retryDelaySeconds"] = json!(1);
        let id = id_of(&create(&server, &body).await);
        server.post_empty(&format!("{JOBS}/{id}/trigger")).await.expect(200);
        let mut runs = server
            .wait_executions(&id, WITHIN, "three failed attempts", |list| {
                list.len() >= 3 && list.iter().all(|e| e["status"] == "failed")
            })
            .await;
        // A clean stop waits until the runs the server started are recorded, with any retry
        // they decided on: what is recorded then is all there is.
        let (status, _) = server.stop().await;
        assert!(status.success(), "exit status {status:?}; stderr:\n{}", server.stderr());
        server.restart().await;
        assert_eq!(server.executions(&id).await.len(), 3, "retried more than retryCount");
        runs.sort_by_key(|e| e["attempt"].as_u64());
        let attempts: Vec<_> = runs.iter().map(|e| e["attempt"].as_u64()).collect();
        assert_eq!(attempts, [Some(1), Some(2), Some(3)], "{runs:?}");
        let by: Vec<_> = runs.iter().map(|e| e["triggeredBy"].as_str()).collect();
        assert_eq!(by, [Some("manual"), Some("retry"), Some("retry")], "{runs:?}");
        for (i, run) in runs.iter().enumerate() {
            assert_eq!(run["exitCode"], 7, "{run}");
            assert_eq!(run["triggeredByUserId"], "anonymous", "{run}");
            assert_eq!(run["scheduledTime"], runs[0]["scheduledTime"], "{run}");
            if i > 0 {
                // Whole-second times: a delay of 1 s moves the start at least one second on.
                let gap = parse_zulu(&run["startedAt"]) - parse_zulu(&runs[i - 1]["completedAt"]);
                assert!(gap >= chrono::Duration::seconds(1), "retryDelaySeconds not honoured: {runs:?}");
            }
        }
        let job = server.get(&format!("{JOBS}/{id}")).await.expect(200);
        assert_eq!(job["lastStatus"], "failed", "{job}");
    })
    .await;
}

#[tokio::test]
async fn seed_004_cron_jobs_crud_catalog_and_status() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let script = server.write_script("noop.sh", "#!/bin/bash\nexit 0\n");

        // Task functions and job types.
        let functions = server.get("/api/v1/scheduler/task-functions").await.expect(200);
        let list = functions["taskFunctions"].as_array().expect("taskFunctions").clone();
        assert_eq!(functions["total"], list.len(), "{functions}");
        for function in &list {
            assert_has_keys(
                function,
                &[
                    "id",
                    "name",
                    "displayName",
                    "description",
                    "handlerPath",
                    "handlerType",
                    "queue",
                    "defaultTimeoutSeconds",
                    "isActive",
                    "isSystem",
                    "createdAt",
                ],
            );
            parse_zulu(&function["createdAt"]);
        }
        let names: Vec<&str> = list.iter().filter_map(|f| f["name"].as_str()).collect();
        for name in
            ["script.bash", "script.python", "scrape.profile", "scrape.hashtag", "clip.video", "cleanup.videos", "cleanup.executions"]
        {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        let bash = find(&list, "name", "script.bash");
        assert_eq!((&bash["id"], &bash["isActive"]), (&json!(1), &json!(true)), "{bash}");
        assert_eq!(find(&list, "name", "script.python")["id"], 2);
        let active = server.get("/api/v1/scheduler/task-functions?is_active=true").await.expect(200);
        let inactive = server.get("/api/v1/scheduler/task-functions?is_active=false").await.expect(200);
        let (active, inactive) = (active["taskFunctions"].as_array().expect("list"), inactive["taskFunctions"].as_array().expect("list"));
        assert!(active.iter().all(|f| f["isActive"] == true) && inactive.iter().all(|f| f["isActive"] == false));
        assert_eq!(active.len() + inactive.len(), list.len());
        let paged = server.get("/api/v1/scheduler/task-functions?per_page=2&page=2").await.expect(200);
        assert_eq!(paged["taskFunctions"].as_array().map(Vec::len), Some(2), "{paged}");
        assert_eq!(paged["total"], list.len(), "{paged}");

        let types = server.get("/api/v1/scheduler/job-types").await.expect(200);
        let types = types.as_array().expect("a list of job types");
        assert_eq!(types[0], json!({"id": 1, "name": "interval", "displayName": "Interval", "description": "Run at fixed time intervals"}));
        assert_eq!(types[1], json!({"id": 2, "name": "cron", "displayName": "Cron", "description": "Run on cron schedule"}));
        assert_eq!(types.len(), 3, "{types:?}");
        assert_eq!(types[2]["name"], "date");

        // Cron, as an EventBridge expression in a time zone and in the seed's field form.
        let cron_job = |name: &str, config: Value| {
            json!({"name": name, "taskFunctionId": 1, "jobTypeId": 2, "scheduleConfig": config, "taskArgs": {"script_path": script}})
        };
        let before = Utc::now();
        let weekly = create(&server, &cron_job("Weekly", json!({"expression": "cron(0 9 ? * MON *)", "timezone": "Europe/Berlin"}))).await;
        let next = parse_zulu(&weekly["nextRunTime"]);
        assert!(
            next == next_monday_nine_berlin(before) || next == next_monday_nine_berlin(Utc::now()),
            "nextRunTime {next}, expected {}",
            next_monday_nine_berlin(before)
        );
        assert_eq!(weekly["jobTypeId"], 2);
        let fields = create(&server, &cron_job("Fields", json!({"hour": "9", "minute": "0", "day_of_week": "mon"}))).await;
        let next = parse_zulu(&fields["nextRunTime"]);
        assert!(
            next == next_monday_nine_utc(before) || next == next_monday_nine_utc(Utc::now()),
            "nextRunTime {next}, expected {}",
            next_monday_nine_utc(before)
        );

        // Bad schedules: 422, located in scheduleConfig.
        let bad_cron = [
            json!({"expression": "cron(0 9 * * MON *)"}),
            json!({"expression": "cron(61 9 ? * MON *)"}),
            json!({"expression": "cron(0 9 ? * MON)"}),
            json!({"expression": "every monday"}),
            json!({"expression": "cron(0 9 ? * MON *)", "timezone": "Mars/Olympus"}),
            json!({"hour": "25", "minute": "0"}),
            json!({"hour": "9", "minute": "0", "day_of_week": "funday"}),
            json!({"hour": "9", "minutes": "0"}),
            json!("0 9 * * 1"),
        ];
        for config in bad_cron {
            let answer = server.post(JOBS, &cron_job("Bad", config.clone())).await;
            assert_eq!(answer.status, 422, "{config}: {}", answer.text);
            for loc in validation_locs(&answer.body) {
                assert_eq!((&loc[0], &loc[1]), (&json!("body"), &json!("scheduleConfig")), "{config}: {}", answer.text);
            }
        }
        let bad_interval = [
            (json!({"hours": "two", "minutes": 0, "seconds": 0}), Some("hours")),
            (json!({"hours": -1, "minutes": 0, "seconds": 0}), Some("hours")),
            (json!({"hours": 0, "minutes": 0, "seconds": 0}), None),
        ];
        for (config, field) in bad_interval {
            let answer = server.post(JOBS, &interval_job("Bad", 1, &script, json!([]), config.clone())).await;
            assert_eq!(answer.status, 422, "{config}: {}", answer.text);
            let locs = validation_locs(&answer.body);
            let expected = match field {
                Some(field) => json!(["body", "scheduleConfig", field]),
                None => json!(["body", "scheduleConfig"]),
            };
            assert_eq!(locs, [expected], "{config}");
        }

        // The detail of a cron job.
        let weekly_id = id_of(&weekly);
        let detail = server.get(&format!("{JOBS}/{weekly_id}")).await.expect(200);
        assert_eq!(detail["jobType"], json!({"id": 2, "name": "cron", "displayName": "Cron", "description": "Run on cron schedule"}));
        assert_eq!(detail["taskFunction"]["name"], "script.bash");
        assert_eq!(detail["recentExecutions"], json!([]));
        assert_eq!(detail["scheduleConfig"]["expression"], "cron(0 9 ? * MON *)", "{detail}");
        assert_eq!(detail["scheduleConfig"]["timezone"], "Europe/Berlin", "{detail}");

        // PUT, as in the seed's example; the answer is the job as GET shows it.
        let hourly_job = create(&server, &interval_job("Hourly", 1, &script, json!([]), hourly())).await;
        let id = id_of(&hourly_job);
        let change = json!({"name": "Updated Job Name", "scheduleConfig": {"hours": 2, "minutes": 0, "seconds": 0}, "isEnabled": false});
        let updated = server.put(&format!("{JOBS}/{id}"), &change).await.expect(200);
        assert_eq!(updated["name"], "Updated Job Name");
        assert_eq!(updated["scheduleConfig"], json!({"hours": 2, "minutes": 0, "seconds": 0}));
        assert_eq!((&updated["isEnabled"], &updated["nextRunTime"]), (&json!(false), &Value::Null));
        assert_eq!(updated["description"], "Hourly (acceptance)", "unchanged fields stay");
        assert_eq!(updated["createdAt"], hourly_job["createdAt"]);
        assert!(parse_zulu(&updated["updatedAt"]) >= parse_zulu(&hourly_job["updatedAt"]));
        assert_has_keys(&updated, &["taskFunction", "jobType", "recentExecutions"]);
        let fetched = server.get(&format!("{JOBS}/{id}")).await.expect(200);
        assert_eq!(fetched, updated, "PUT answers what GET shows");
        let bad_update = server.put(&format!("{JOBS}/{id}"), &json!({"scheduleConfig": {"hours": "x"}})).await;
        assert_eq!(bad_update.status, 422, "{}", bad_update.text);
        assert_eq!(validation_locs(&bad_update.body), [json!(["body", "scheduleConfig", "hours"])]);
        assert_eq!(server.get(&format!("{JOBS}/{id}")).await.expect(200)["scheduleConfig"]["hours"], 2);

        // PUT status toggles.
        let on = server.put(&format!("{JOBS}/{id}/status"), &json!({"isEnabled": true})).await.expect(200);
        assert_eq!(on["isEnabled"], true);
        let next = parse_zulu(&on["nextRunTime"]);
        let expected = Utc::now() + chrono::Duration::hours(2);
        assert!((next - expected).num_seconds().abs() <= 5, "nextRunTime {next}, expected about {expected}");
        let unknown = server.put(&format!("{JOBS}/nope"), &json!({"name": "x"})).await;
        assert_eq!((unknown.status, unknown.body), (404, json!({"detail": "Job not found: nope"})));
        let unknown = server.put(&format!("{JOBS}/nope/status"), &json!({"isEnabled": true})).await;
        assert_eq!((unknown.status, unknown.body), (404, json!({"detail": "Job not found: nope"})));

        // Status: the leader is this very process; the next job is the earliest one.
        let status = server.get("/api/v1/scheduler/status").await.expect(200);
        assert_eq!(status["isRunning"], true);
        let leader = &status["leaderInstance"];
        assert_eq!(
            keys(leader),
            ["hostname", "id", "isLeader", "lastHeartbeat", "leaderSince", "pid", "startedAt", "version"],
            "{leader}"
        );
        assert_eq!(leader["pid"], server.pid, "{leader}");
        assert_eq!(leader["isLeader"], true);
        assert!(leader["hostname"].as_str().is_some_and(|h| !h.is_empty()), "{leader}");
        for key in ["leaderSince", "lastHeartbeat", "startedAt"] {
            parse_zulu(&leader[key]);
        }
        assert_eq!(status["instances"], json!([leader.clone()]));
        assert_eq!((&status["totalJobs"], &status["enabledJobs"], &status["runningJobs"]), (&json!(3), &json!(3), &json!(0)));
        let jobs = server.get(JOBS).await.expect(200)["jobs"].as_array().expect("jobs").clone();
        let earliest = jobs.iter().min_by_key(|j| parse_zulu(&j["nextRunTime"])).expect("a job");
        assert_eq!(
            status["nextScheduledJob"],
            json!({"id": earliest["id"], "name": earliest["name"], "nextRunTime": earliest["nextRunTime"]})
        );

        // DELETE: 204, then 404.
        let deleted = server.delete(&format!("{JOBS}/{id}")).await;
        assert_eq!((deleted.status, deleted.text.as_str()), (204, ""));
        let gone = server.get(&format!("{JOBS}/{id}")).await;
        assert_eq!((gone.status, gone.body), (404, json!({"detail": format!("Job not found: {id}")})));
        let again = server.delete(&format!("{JOBS}/{id}")).await;
        assert_eq!((again.status, again.body), (404, json!({"detail": format!("Job not found: {id}")})));
        let status = server.get("/api/v1/scheduler/status").await.expect(200);
        assert_eq!(status["totalJobs"], 2);
    })
    .await;
}

#[tokio::test]
async fn seed_004_list_filters_and_pagination() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let bash = server.write_script("b.sh", "#!/bin/bash\n");
        let python = server.write_script("p.py", "def main(*args):\n    return None\n");
        for i in 0..25 {
            let (function, script) = if i % 2 == 0 { (1, &bash) } else { (2, &python) };
            let mut body = interval_job(&format!("batch-{i:02}"), function, script, json!([]), hourly());
            body["isEnabled"] = json!(i % 5 != 0);
            create(&server, &body).await;
        }
        let first = server.get(JOBS).await.expect(200);
        assert_eq!(first["jobs"].as_array().map(Vec::len), Some(20), "default per_page is 20");
        for (key, value) in [("total", 25), ("enabledCount", 20), ("disabledCount", 5), ("runningCount", 0)] {
            assert_eq!(first[key], value, "{key}");
        }

        let mut seen = BTreeSet::new();
        for (page, size) in [(1, 10), (2, 10), (3, 5), (4, 0)] {
            let body = server.get(&format!("{JOBS}?per_page=10&page={page}")).await.expect(200);
            let jobs = body["jobs"].as_array().expect("jobs");
            assert_eq!(jobs.len(), size, "page {page}: {body}");
            assert_eq!(body["total"], 25, "page {page}");
            for job in jobs {
                assert!(seen.insert(id_of(job)), "{} on two pages", job["id"]);
            }
        }
        assert_eq!(seen.len(), 25);

        let filtered = |query: &'static str| {
            let server = &server;
            async move { server.get(&format!("{JOBS}?{query}&per_page=100")).await.expect(200) }
        };
        let by_name = filtered("name=batch-1").await;
        assert_eq!(by_name["total"], 10, "{by_name}");
        assert!(
            by_name["jobs"]
                .as_array()
                .expect("jobs")
                .iter()
                .all(|j| j["name"].as_str().is_some_and(|n| n.starts_with("batch-1")))
        );
        let disabled = filtered("is_enabled=false").await;
        assert_eq!(disabled["total"], 5);
        assert!(disabled["jobs"].as_array().expect("jobs").iter().all(|j| j["isEnabled"] == false));
        assert_eq!(filtered("is_enabled=true").await["total"], 20);
        let python_jobs = filtered("task_function_id=2").await;
        assert_eq!(python_jobs["total"], 12);
        assert!(python_jobs["jobs"].as_array().expect("jobs").iter().all(|j| j["taskFunctionId"] == 2));
        assert_eq!(filtered("name=batch-1&is_enabled=true").await["total"], 8);
        assert_eq!(filtered("name=nothing-like-this").await["jobs"], json!([]));
        // The counts are over all jobs, whatever the filter.
        assert_eq!((&by_name["enabledCount"], &by_name["disabledCount"]), (&json!(20), &json!(5)));

        for (query, param) in
            [("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"), ("page=abc", "page")]
        {
            let answer = server.get(&format!("{JOBS}?{query}")).await;
            assert_eq!(answer.status, 422, "{query}: {}", answer.text);
            assert_eq!(validation_locs(&answer.body), [json!(["query", param])], "{query}");
        }
    })
    .await;
}
