//! Proof that something did not fire, from recorded state instead of a wait.
//!
//! The scheduler fires due jobs one at a time, earliest first, and records each fire (a run or a
//! skip) before it fires the next. So once a job due after `t` has a recorded fire, every fire due
//! at or before `t` has been recorded too: what is not recorded by then did not fire.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use super::Server;

/// Long enough for a loaded machine; the witness is due at most two seconds after `after` or
/// now, whichever is later.
const WITHIN: Duration = Duration::from_secs(30);

/// Waits until the server's scheduler has fired a one-off witness job due after `after` (and
/// after now), then removes the witness (its execution stays in the history, under its own id).
pub async fn wait_until_fired_past(server: &Server, after: DateTime<Utc>) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let id = format!("witness-{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let script = server.write_script(&format!("{id}.sh"), "#!/bin/bash\nexit 0\n");
    // Whole seconds, as run_date is written, and more than a second ahead, so that the date is
    // still in the future when the server reads it.
    let from = after.max(Utc::now());
    let due = DateTime::from_timestamp(from.timestamp(), 0).expect("a whole second") + TimeDelta::seconds(2);
    let body = json!({
        "job_id": id,
        "job_type": "bash",
        "script_path": script,
        "run_date": due.format("%Y-%m-%dT%H:%M:%S").to_string(),
    });
    server.post("/api/schedule-job", &body).await.expect(200);
    let what = format!("the witness due at {due} fired");
    server.wait_executions(&id, WITHIN, &what, |runs| !runs.is_empty()).await;
    server.delete(&format!("/api/remove-job/{id}")).await.expect(200);
}
