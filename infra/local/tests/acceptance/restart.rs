//! A server killed mid-run, or stopped, and started again on the same data directory.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::time::run_date_in;
use crate::support::{Server, bounded, find, kill_group, process_alive, wait_for_file};

const LIMIT: Duration = Duration::from_secs(60);
const WITHIN: Duration = Duration::from_secs(15);
const JOBS: &str = "/api/v1/scheduler/jobs";

/// A job whose script records its pid, then sleeps 30 s; triggered by hand and running.
async fn start_long_run(server: &Server) -> (String, String, i32) {
    let pid_file = server.scratch().join("long.pid");
    let script = server.write_script("long.sh", "#!/bin/bash\necho $$ > \"$1\"\nsleep 30\n");
    let body = json!({
        "name": "Long",
        "taskFunctionId": 1,
        "jobTypeId": 1,
        "scheduleConfig": {"hours": 1, "minutes": 0, "seconds": 0},
        "taskArgs": {"script_path": script, "args": [pid_file.to_str().expect("utf-8")]},
    });
    let job = server.post(JOBS, &body).await.expect(201);
    let id = job["id"].as_str().expect("id").to_owned();
    let triggered = server.post_empty(&format!("{JOBS}/{id}/trigger")).await.expect(200);
    let execution = triggered["executionId"].as_str().expect("executionId").to_owned();
    let pid: i32 = wait_for_file(&pid_file, WITHIN).await.trim().parse().expect("script pid");
    let runs = server.executions(&id).await;
    assert_eq!(find(&runs, "id", &execution)["status"], "running", "{runs:?}");
    (id, execution, pid)
}

#[tokio::test]
async fn a_killed_server_marks_its_runs_interrupted_and_keeps_its_schedule() {
    let mut server = Server::open().await;
    bounded(LIMIT, async {
        let (long_id, execution, script_pid) = start_long_run(&server).await;

        let marker = server.write_script(
            "after.sh",
            "#!/bin/bash\necho \"ran $1\" > \"$(dirname \"$0\")/after.out\"\n",
        );
        let (run_date, _) = run_date_in(7);
        let body = json!({"job_id": "after_restart", "job_type": "bash", "script_path": marker, "run_date": run_date, "args": ["late"]});
        server.post("/api/schedule-job", &body).await.expect(200);

        server.kill9().await;
        assert!(process_alive(script_pid), "the script outlives the killed server until the restart");
        server.restart().await;
        // The restarted server ends what its predecessor left running.
        let deadline = Instant::now() + Duration::from_secs(5);
        while process_alive(script_pid) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let ended = !process_alive(script_pid);
        kill_group(script_pid);
        assert!(ended, "the orphaned script was still running after the restart");
        // Whether the restart ends before or after `run_at`, the fire can only happen in the
        // restarted server (the killed one is gone), within the misfire grace either way.

        let runs = server.executions(&long_id).await;
        let interrupted = find(&runs, "id", &execution);
        assert_eq!(interrupted["status"], "failed", "{interrupted}");
        assert_eq!(interrupted["errorMessage"], "interrupted", "{interrupted}");
        crate::support::time::parse_zulu(&interrupted["completedAt"]);
        assert_eq!(runs.len(), 1, "{runs:?}");
        let job = server.get(&format!("{JOBS}/{long_id}")).await.expect(200);
        assert!(job["nextRunTime"].is_string(), "the interval job is still scheduled: {job}");

        let out = server.script_root().join("after.out");
        assert_eq!(wait_for_file(&out, WITHIN).await, "ran late\n");
        let runs = server
            .wait_executions("after_restart", WITHIN, "the date job's run recorded", |list| {
                list.len() == 1 && list[0]["status"] == "success"
            })
            .await;
        assert_eq!(runs[0]["scheduledTime"], format!("{run_date}Z"));
        assert_eq!(runs[0]["triggeredBy"], "scheduler");
        let job = server.get("/api/job/after_restart").await.expect(200);
        assert_eq!(job["job"]["status"], "finished", "{job}");
    })
    .await;
}

#[tokio::test]
async fn sigterm_stops_promptly_and_cleanly() {
    let mut server = Server::open().await;
    bounded(LIMIT, async {
        let (long_id, execution, script_pid) = start_long_run(&server).await;
        let (status, took) = server.stop().await;
        assert!(status.success(), "exit status {status:?}; stderr:\n{}", server.stderr());
        assert!(took < Duration::from_secs(5), "took {took:?} to stop");
        // A clean stop ends the scripts it started.
        let deadline = Instant::now() + Duration::from_secs(3);
        while process_alive(script_pid) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let stopped = !process_alive(script_pid);
        kill_group(script_pid);
        assert!(stopped, "the running script outlived a clean stop");

        let started = Instant::now();
        server.restart().await;
        assert!(started.elapsed() < Duration::from_secs(10));
        let runs = server.executions(&long_id).await;
        let run = find(&runs, "id", &execution);
        assert_eq!((&run["status"], &run["errorMessage"]), (&json!("failed"), &json!("interrupted")), "{run}");
        assert_ne!(run["completedAt"], Value::Null);
        let (status, _) = server.stop().await;
        assert!(status.success(), "an idle server stops with 0 too: {status:?}");
    })
    .await;
}

#[tokio::test]
async fn a_second_server_on_the_same_data_dir_exits_at_once_and_leaves_the_first_alone() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let gate = server.scratch().join("gate");
        let started = server.scratch().join("started");
        let script = server.write_script(
            "gated.sh",
            "#!/bin/bash\necho up > \"$2\"\nwhile [ ! -e \"$1\" ]; do sleep 0.05; done\necho through\n",
        );
        let path = |p: &std::path::Path| p.to_str().expect("utf-8").to_owned();
        let body = json!({
            "name": "Gated",
            "taskFunctionId": 1,
            "jobTypeId": 1,
            "scheduleConfig": {"hours": 1, "minutes": 0, "seconds": 0},
            "taskArgs": {"script_path": script, "args": [path(&gate), path(&started)]},
        });
        let id = server.post(JOBS, &body).await.expect(201)["id"].as_str().expect("id").to_owned();
        let execution = server.post_empty(&format!("{JOBS}/{id}/trigger")).await.expect(200)["executionId"]
            .as_str()
            .expect("executionId")
            .to_owned();
        wait_for_file(&started, WITHIN).await;

        // A rival that waited for the lock would never exit while the run is held open.
        let (status, took, stderr) = server.run_rival(Duration::from_secs(5)).await;
        assert!(!status.success(), "the second server exited {status:?}; stderr:\n{stderr}");
        assert!(
            stderr.contains("is in use by another jobsmith server")
                && stderr.contains(&format!("(pid {})", server.pid)),
            "the refusal names the holder: {stderr}"
        );
        eprintln!("a second server was refused in {took:?}");

        std::fs::write(&gate, "open").expect("open the gate");
        let runs = server
            .wait_executions(&id, WITHIN, "the held run finished", |list| {
                list.iter().any(|run| run["id"] == execution && run["status"] != "running")
            })
            .await;
        let run = find(&runs, "id", &execution);
        assert_eq!((&run["status"], &run["stdoutTail"]), (&json!("success"), &json!("through\n")), "{run}");
        assert_eq!(runs.len(), 1, "{runs:?}");
    })
    .await;
}
