//! Seed 001 (bash and python scripts at a date) and seed 000's job routes, over a real server.

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

use crate::support::time::{parse_naive, parse_offset, run_date_in};
use crate::support::witness::wait_until_fired_past;
use crate::support::{Server, ServerOptions, api_error, bounded, wait_for_file};

const LIMIT: Duration = Duration::from_secs(60);
const FIRE_WITHIN: Duration = Duration::from_secs(15);

/// A bash script that writes its arguments, one a line, to `<name>.out` beside itself.
fn marker_script(server: &Server, name: &str) -> (String, std::path::PathBuf) {
    let path = server.write_script(
        &format!("{name}.sh"),
        "#!/bin/bash\nprintf '%s\\n' \"$@\" > \"$(dirname \"$0\")/$(basename \"$0\" .sh).out\"\n",
    );
    (path, server.script_root().join(format!("{name}.out")))
}

fn schedule_body(job_id: &str, job_type: &str, script_path: &str, run_date: &str, args: &[&str]) -> Value {
    json!({"job_id": job_id, "job_type": job_type, "script_path": script_path, "run_date": run_date, "args": args})
}

/// The fields seeds 001 and 000 both read from a job of `GET /api/jobs` and `GET /api/job/{id}`.
#[track_caller]
fn assert_job_fields(job: &Value, id: &str, name: &str, run_date: &str, status: &str, total: u64, processed: u64) {
    assert_eq!(job["job_id"], id, "{job}");
    assert_eq!(job["name"], name, "{job}");
    assert_eq!(job["trigger"], format!("date[{} UTC]", run_date.replace('T', " ")), "{job}");
    assert_eq!(job["executor"], "default", "{job}");
    assert_eq!(job["pending"], false, "{job}");
    assert_eq!(job["status"], status, "{job}");
    assert_eq!(job["total"], total, "{job}");
    assert_eq!(job["processed"], processed, "{job}");
    let created = parse_naive(&job["created_at"]);
    let age = Utc::now() - created;
    assert!(
        age >= chrono::Duration::seconds(-1) && age < chrono::Duration::seconds(60),
        "created_at {created} is not now"
    );
}

#[tokio::test]
async fn seed_001_bash_and_python_jobs_run_at_their_date_and_are_recorded() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let health = server.get("/api/health").await.expect(200);
        assert_eq!(health, json!({"status": "healthy", "scheduler_running": true}));

        let (backup, backup_out) = marker_script(&server, "backup");
        let failing = server.write_script("failing.sh", "#!/bin/bash\necho 'about to fail' >&2\nexit 3\n");
        let report = server.write_script(
            "report.py",
            "def main(*args):\n    print('processing', args)\n    return {\"args\": list(args), \"count\": len(args), \"ok\": True}\n",
        );
        let (run_date, run_at) = run_date_in(3);

        // The seed's example request, with a script in the root and a date in the near future.
        let body = schedule_body("data_backup_job", "bash", &backup, &run_date, &["--full", "--compress"]);
        let answer = server.post("/api/schedule-job", &body).await.expect(200);
        assert_eq!(
            answer,
            json!({
                "message": "Job scheduled successfully",
                "job": {
                    "job_id": "data_backup_job",
                    "name": format!("bash:{backup}"),
                    "next_run_time": format!("{run_date}+00:00"),
                    "job_type": "bash",
                    "script_path": backup,
                    "args": ["--full", "--compress"],
                }
            })
        );
        let body = schedule_body("report_generator", "python", &report, &run_date, &["--dataset", "sales"]);
        let answer = server.post("/api/schedule-job", &body).await.expect(200);
        assert_eq!(answer["job"]["name"], format!("python:{report}"));
        assert_eq!(answer["job"]["job_type"], "python");
        let body = schedule_body("failing_job", "bash", &failing, &run_date, &[]);
        let answer = server.post("/api/schedule-job", &body).await.expect(200);
        assert_eq!(answer["job"]["args"], json!([]));

        // Seed 001's detail, with seed 000's fields beside it.
        let detail = server.get("/api/job/data_backup_job").await.expect(200);
        let job = &detail["job"];
        assert_job_fields(job, "data_backup_job", &format!("bash:{backup}"), &run_date, "pending", 0, 0);
        assert_eq!(job["next_run_time"], format!("{run_date}+00:00"));
        assert_eq!(job["script_path"], backup.as_str());
        assert_eq!(job["args"], json!(["--full", "--compress"]));

        // The list serves both seeds' clients at once.
        let list = server.get("/api/jobs").await.expect(200);
        assert_eq!(list["success"], true, "{list}");
        assert_eq!(list["count"], 3, "{list}");
        assert_eq!(list["total"], 3, "{list}");
        let jobs = list["jobs"].as_array().expect("jobs");
        let ids: Vec<&str> = jobs.iter().map(|j| j["job_id"].as_str().unwrap_or_default()).collect();
        assert_eq!(ids.len(), 3);
        for id in ["data_backup_job", "report_generator", "failing_job"] {
            assert!(ids.contains(&id), "{id} missing from {list}");
        }
        let listed = crate::support::find(jobs, "job_id", "data_backup_job");
        assert_job_fields(listed, "data_backup_job", &format!("bash:{backup}"), &run_date, "pending", 0, 0);
        assert_eq!(parse_offset(&listed["next_run_time"]), run_at);

        // It runs at its time, with its arguments.
        assert!(!backup_out.exists(), "ran before its time");
        let written = wait_for_file(&backup_out, FIRE_WITHIN).await;
        assert!(Utc::now() >= run_at, "ran before {run_at}");
        assert_eq!(written, "--full\n--compress\n");

        let zulu = format!("{run_date}Z");
        let executions = server
            .wait_executions("data_backup_job", FIRE_WITHIN, "bash run recorded", |list| {
                list.len() == 1 && list[0]["status"] == "success"
            })
            .await;
        let run = &executions[0];
        assert_eq!(run["jobId"], "data_backup_job");
        assert_eq!(run["exitCode"], 0, "{run}");
        assert_eq!(run["triggeredBy"], "scheduler", "{run}");
        assert_eq!(run["triggeredByUserId"], Value::Null, "{run}");
        assert_eq!(run["attempt"], 1, "{run}");
        assert_eq!(run["scheduledTime"], zulu.as_str(), "{run}");
        assert_eq!(run["errorMessage"], Value::Null, "{run}");
        assert_eq!(run["result"], Value::Null, "bash has no result: {run}");
        let duration = run["durationSeconds"].as_f64().unwrap_or_else(|| panic!("durationSeconds: {run}"));
        assert!((0.0..10.0).contains(&duration), "{run}");
        let started = crate::support::time::parse_zulu(&run["startedAt"]);
        let completed = crate::support::time::parse_zulu(&run["completedAt"]);
        assert!(started >= run_at && completed >= started, "{run}");

        // Python: main(*args)'s return value is the execution's result.
        let executions = server
            .wait_executions("report_generator", FIRE_WITHIN, "python run recorded", |list| {
                list.len() == 1 && list[0]["status"] == "success"
            })
            .await;
        assert_eq!(executions[0]["result"], json!({"args": ["--dataset", "sales"], "count": 2, "ok": true}));
        assert_eq!(executions[0]["exitCode"], 0);

        // A failing script is recorded as failed with its exit code.
        let executions = server
            .wait_executions("failing_job", FIRE_WITHIN, "failing run recorded", |list| {
                list.len() == 1 && list[0]["status"] == "failed"
            })
            .await;
        assert_eq!(executions[0]["exitCode"], 3, "{}", executions[0]);

        // After the run: spent, finished, counted.
        let job = server.get("/api/job/data_backup_job").await.expect(200)["job"].clone();
        assert_job_fields(&job, "data_backup_job", &format!("bash:{backup}"), &run_date, "finished", 1, 1);
        assert_eq!(job["next_run_time"], Value::Null, "a fired one-off job has no next run: {job}");
        let job = server.get("/api/job/failing_job").await.expect(200)["job"].clone();
        assert_job_fields(&job, "failing_job", &format!("bash:{failing}"), &run_date, "failed", 1, 1);
    })
    .await;
}

/// A one-off job paused long before its time, then moved (still paused) to a time a few seconds
/// ahead: the time passes while it is paused however slowly the requests are answered. Returns
/// the new `run_date`.
async fn create_paused_then_due_soon(server: &Server, id: &str, script: &str, args: &[&str]) -> String {
    let (far, _) = run_date_in(3600);
    server.post("/api/schedule-job", &schedule_body(id, "bash", script, &far, args)).await.expect(200);
    let paused = server.put_empty(&format!("/api/pause-job/{id}")).await.expect(200);
    assert_eq!(paused, json!({"message": format!("Job {id} paused successfully")}));
    // Whole seconds and more than two ahead, so that the date is still in the future when read.
    let (soon, _) = run_date_in(3);
    let moved = json!({"scheduleConfig": {"run_date": soon}});
    server.put(&format!("/api/v1/scheduler/jobs/{id}"), &moved).await.expect(200);
    let job = server.get(&format!("/api/job/{id}")).await.expect(200)["job"].clone();
    assert_eq!((job["status"].as_str(), &job["next_run_time"]), (Some("paused"), &Value::Null), "{job}");
    assert_eq!(job["trigger"], format!("date[{} UTC]", soon.replace('T', " ")), "{job}");
    soon
}

#[tokio::test]
async fn seed_001_pause_holds_a_due_job_and_resume_releases_it() {
    // The product's documented behaviour: resuming does not replay what was missed while paused,
    // but a one-off date job whose time passed while paused is still due once; it runs if it is
    // within the misfire grace (default 60 s) and is recorded as skipped ("misfired") otherwise.
    let server = Server::open().await;
    let strict = Server::start(ServerOptions { misfire_grace_seconds: Some(1), ..Default::default() }).await;
    bounded(LIMIT, async {
        let within_grace = async {
            let (script, out) = marker_script(&server, "held");
            let run_date = create_paused_then_due_soon(&server, "held", &script, &["x"]).await;
            let run_at = parse_naive(&json!(run_date));

            // Past its time while paused: nothing runs, nothing is recorded.
            wait_until_fired_past(&server, run_at).await;
            assert!(!out.exists(), "a paused job ran");
            assert_eq!(server.executions("held").await, Vec::<Value>::new());
            assert_eq!(server.get("/api/job/held").await.expect(200)["job"]["total"], 0);

            let resumed = server.put_empty("/api/resume-job/held").await.expect(200);
            assert_eq!(resumed, json!({"message": "Job held resumed successfully"}));
            assert_eq!(wait_for_file(&out, FIRE_WITHIN).await, "x\n");
            let runs = server
                .wait_executions("held", FIRE_WITHIN, "resumed run recorded", |list| {
                    list.iter().any(|e| e["status"] == "success")
                })
                .await;
            assert_eq!(runs.len(), 1, "{runs:?}");
            assert_eq!(runs[0]["scheduledTime"], format!("{run_date}Z"));
            // Once, not again.
            wait_until_fired_past(&server, Utc::now()).await;
            assert_eq!(server.executions("held").await.len(), 1);
            let job = server.get("/api/job/held").await.expect(200)["job"].clone();
            assert_eq!((job["status"].as_str(), job["total"].as_u64()), (Some("finished"), Some(1)), "{job}");
        };
        let past_grace = async {
            let (script, out) = marker_script(&strict, "late");
            let run_at = parse_naive(&json!(create_paused_then_due_soon(&strict, "late", &script, &[]).await));
            // Resumed once the scheduler is past the run date and the grace of one second.
            wait_until_fired_past(&strict, run_at + chrono::Duration::seconds(2)).await;
            strict.put_empty("/api/resume-job/late").await.expect(200);
            // Waits for a final status: the skip is written in two steps, first as pending.
            let runs = strict
                .wait_executions("late", FIRE_WITHIN, "misfire recorded", |list| {
                    list.iter().any(|e| e["status"] != "pending" && e["status"] != "running")
                })
                .await;
            assert_eq!(runs.len(), 1, "{runs:?}");
            assert_eq!(runs[0]["status"], "skipped", "{}", runs[0]);
            let why = runs[0]["errorMessage"].as_str().unwrap_or_default();
            assert!(why.starts_with("misfired"), "{why}");
            assert!(!out.exists(), "a misfired job ran");
        };
        tokio::join!(within_grace, past_grace);

        // Remove: gone, with the seed's 404 everywhere.
        let removed = server.delete("/api/remove-job/held").await.expect(200);
        assert_eq!(removed, json!({"message": "Job held removed successfully"}));
        for (method, path) in [
            (reqwest::Method::GET, "/api/job/held"),
            (reqwest::Method::DELETE, "/api/remove-job/held"),
            (reqwest::Method::PUT, "/api/pause-job/held"),
            (reqwest::Method::PUT, "/api/resume-job/held"),
        ] {
            let answer = server.send(server.request(method.clone(), path)).await;
            assert_eq!(answer.status, 404, "{method} {path}: {}", answer.text);
            assert_eq!(answer.body, json!({"error": "Job not found: held"}), "{method} {path}");
        }
        assert_eq!(server.get("/api/jobs").await.expect(200)["total"], 0);
        let gone = server.get("/api/v1/scheduler/executions?job_id=held").await.expect(200);
        assert_eq!(gone["total"], 0, "a removed job's history stays: {gone}");
    })
    .await;
}

#[tokio::test]
async fn seed_001_conflicts_and_refusals_store_nothing() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let (script, _) = marker_script(&server, "dup");
        let (run_date, _) = run_date_in(3600);
        let body = schedule_body("dup", "bash", &script, &run_date, &["a"]);
        server.post("/api/schedule-job", &body).await.expect(200);

        let answer = server.post("/api/schedule-job", &body).await;
        assert_eq!(answer.status, 409, "{}", answer.text);
        assert_eq!(answer.body, json!({"error": "Job already exists: dup"}));

        let (later, _) = run_date_in(7200);
        let mut replace = schedule_body("dup", "bash", &script, &later, &["b", "c"]);
        replace["replace_existing"] = json!(true);
        let answer = server.post("/api/schedule-job", &replace).await.expect(200);
        assert_eq!(answer["job"]["next_run_time"], format!("{later}+00:00"));
        assert_eq!(answer["job"]["args"], json!(["b", "c"]));
        let job = server.get("/api/job/dup").await.expect(200)["job"].clone();
        assert_eq!((&job["args"], &job["next_run_time"]), (&json!(["b", "c"]), &json!(format!("{later}+00:00"))));

        // Missing fields, named together in the seed's order.
        let answer = server.post("/api/schedule-job", &json!({})).await;
        assert_eq!(answer.status, 400);
        assert_eq!(answer.body, json!({"error": "Missing required fields: job_id, job_type, script_path, run_date"}));
        let mut no_date = schedule_body("x1", "bash", &script, &run_date, &[]);
        no_date.as_object_mut().expect("object").remove("run_date");
        let answer = server.post("/api/schedule-job", &no_date).await;
        assert_eq!((answer.status, answer.body), (400, json!({"error": "Missing required fields: run_date"})));

        // Scripts outside the root, however reached.
        let scratch = server.scratch();
        let outside = scratch.join("outside.sh");
        std::fs::write(&outside, "#!/bin/bash\ntouch \"$0.ran\"\n").expect("outside script");
        std::os::unix::fs::symlink(&outside, server.script_root().join("escape.sh")).expect("symlink");
        std::os::unix::fs::symlink(&scratch, server.script_root().join("escape-dir")).expect("symlink dir");
        let root = server.script_root().to_str().expect("utf-8").to_owned();
        let escapes = [
            "/etc/passwd".to_owned(),
            outside.to_str().expect("utf-8").to_owned(),
            format!("{root}/escape.sh"),
            format!("{root}/escape-dir/outside.sh"),
            "escape.sh".to_owned(),
            "../outside.sh".to_owned(),
            format!("{root}/../{}", outside.file_name().and_then(|n| n.to_str()).expect("name")),
            format!("{root}/sub/../../x.sh"),
        ];
        for (i, path) in escapes.iter().enumerate() {
            let answer = server
                .post("/api/schedule-job", &schedule_body(&format!("esc{i}"), "bash", path, &run_date, &[]))
                .await;
            assert_eq!(answer.status, 400, "{path}: {}", answer.text);
            let message = api_error(&answer.body);
            assert!(message.starts_with("Invalid script_path: "), "{path}: {message}");
            assert!(!message.contains(&root) || path.contains(&root), "{path}: the message leaks the root: {message}");
        }
        let answer = server
            .post("/api/schedule-job", &schedule_body("nofile", "bash", &format!("{root}/nope.sh"), &run_date, &[]))
            .await;
        assert_eq!(answer.status, 400, "{}", answer.text);
        assert!(api_error(&answer.body).starts_with("Invalid script_path: "), "{}", answer.text);

        // A date in the past, a bad date, an unknown job type.
        let (past, _) = run_date_in(-60);
        let answer = server.post("/api/schedule-job", &schedule_body("past", "bash", &script, &past, &[])).await;
        assert_eq!((answer.status, answer.body), (400, json!({"error": "run_date must be in the future"})));
        let answer = server.post("/api/schedule-job", &schedule_body("bad", "bash", &script, "tomorrow", &[])).await;
        assert_eq!(answer.status, 400, "{}", answer.text);
        assert!(api_error(&answer.body).starts_with("Invalid run_date: "), "{}", answer.text);
        let answer = server.post("/api/schedule-job", &schedule_body("perl", "perl", &script, &run_date, &[])).await;
        assert_eq!(
            (answer.status, answer.body),
            (400, json!({"error": "Invalid job_type: must be 'bash' or 'python'"}))
        );

        // Only the one good job is stored, and nothing ran outside the root.
        let list = server.get("/api/jobs").await.expect(200);
        assert_eq!((list["count"].as_u64(), list["total"].as_u64()), (Some(1), Some(1)), "{list}");
        assert_eq!(list["jobs"][0]["job_id"], "dup");
        assert!(!scratch.join("outside.sh.ran").exists());

        // Seed 000's deletes.
        let answer = server.delete("/api/jobs/dup").await.expect(200);
        assert_eq!(answer, json!({"success": true, "message": "Job dup deleted"}));
        let answer = server.delete("/api/jobs/dup").await;
        assert_eq!((answer.status, answer.body), (404, json!({"success": false, "error": "Job not found"})));
        for id in ["one", "two", "three"] {
            server.post("/api/schedule-job", &schedule_body(id, "bash", &script, &run_date, &[])).await.expect(200);
        }
        let answer = server.delete("/api/jobs/all").await.expect(200);
        assert_eq!(answer, json!({"success": true, "deleted_count": 3, "errors": null, "message": "3 jobs deleted"}));
        let list = server.get("/api/jobs").await.expect(200);
        assert_eq!((list["count"].as_u64(), list["total"].as_u64(), &list["jobs"]), (Some(0), Some(0), &json!([])));
        let answer = server.delete("/api/jobs/all").await.expect(200);
        assert_eq!(answer, json!({"success": true, "deleted_count": 0, "errors": null, "message": "0 jobs deleted"}));
    })
    .await;
}
