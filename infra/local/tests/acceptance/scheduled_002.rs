//! Seed 002's scheduled jobs and video retry as its clients call them: every route and its
//! errors, a scheduled scrape that fires and counts its runs, and failed and deleted videos
//! fetched again from a loopback video site (the real yt-dlp and ffmpeg, nothing from the
//! internet).

use std::time::Duration;

use chrono::{DateTime, Utc};
use jobsmith::test_support::media::installed_tools;
use jobsmith::test_support::scrape_fixture::{Breakage, ScrapeFixture};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{
    Server, ServerOptions, bounded, detail_message, eventually, keys, new_key, scraping_server, validation_locs,
};

const LIMIT: Duration = Duration::from_secs(60);
const RUNS_WITHIN: Duration = Duration::from_secs(120);
const SCHEDULED: &str = "/api/v1/scheduled-jobs";
const VIDEOS: &str = "/api/v1/videos";
const SCHEDULER_JOBS: &str = "/api/v1/scheduler/jobs";

const VIEW_KEYS: [&str; 15] = [
    "created_at",
    "enabled",
    "failed_runs",
    "id",
    "interval_minutes",
    "last_run_at",
    "limit",
    "mode",
    "name",
    "next_run_at",
    "no_watermark",
    "successful_runs",
    "total_runs",
    "updated_at",
    "value",
];

/// The seed's own example body.
fn daily() -> Value {
    json!({
        "name": "Daily Scrape - @khaby.lame",
        "mode": "profile",
        "value": "khaby.lame",
        "limit": 50,
        "no_watermark": true,
        "interval_minutes": 1440,
        "enabled": true,
    })
}

fn at(value: &Value) -> DateTime<Utc> {
    value.as_str().and_then(|text| DateTime::parse_from_rfc3339(text).ok()).map(|t| t.to_utc()).expect("a time")
}

/// Minutes from the view's `updated_at` to its `next_run_at`: how far ahead the next run was
/// planned when the interval was last set.
fn planned_minutes_ahead(view: &Value) -> i64 {
    (at(&view["next_run_at"]) - at(&view["updated_at"])).num_minutes()
}

#[track_caller]
fn assert_validation_at(answer: crate::support::Resp, field: &str) {
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert!(validation_locs(&answer.body).contains(&json!(["body", field])), "{field}: {}", answer.text);
}

#[tokio::test]
async fn scheduled_jobs_are_created_listed_changed_toggled_and_deleted() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        let created = server.post(SCHEDULED, &daily()).await.expect(201);
        assert_eq!(keys(&created), VIEW_KEYS, "{created}");
        let id = created["id"].as_str().expect("id").to_owned();
        for (field, value) in [("mode", json!("profile")), ("value", json!("khaby.lame")), ("limit", json!(50))] {
            assert_eq!(created[field], value, "{field}: {created}");
        }
        assert_eq!((&created["enabled"], &created["last_run_at"], &created["total_runs"]), (&json!(true), &Value::Null, &json!(0)));
        assert_eq!(planned_minutes_ahead(&created), 1440, "the first run is one interval away: {created}");

        // The smallest interval, with the seed's defaults.
        let every_five = json!({"name": "Often", "mode": "hashtag", "value": "#Funny", "interval_minutes": 5});
        let often = server.post(SCHEDULED, &every_five).await.expect(201);
        assert_eq!((&often["limit"], &often["no_watermark"], &often["value"]), (&json!(50), &json!(true), &json!("funny")));
        assert_eq!(planned_minutes_ahead(&often), 5, "{often}");

        // Validation: pydantic's list, at the field.
        assert_validation_at(server.post(SCHEDULED, &json!({"interval_minutes": 4, "name": "n", "mode": "profile", "value": "v"})).await, "interval_minutes");
        let mut nameless = daily();
        nameless.as_object_mut().expect("object").remove("name");
        assert_validation_at(server.post(SCHEDULED, &nameless).await, "name");
        assert_validation_at(server.post(SCHEDULED, &json!({"name": "n", "mode": "channel", "value": "v", "interval_minutes": 5})).await, "mode");
        assert_validation_at(server.post(SCHEDULED, &json!({"name": "n", "mode": "profile", "value": "v", "interval_minutes": 5, "limit": 201})).await, "limit");
        let malformed = server.raw(Method::POST, SCHEDULED, "{").await;
        assert_eq!(malformed.status, 400, "{}", malformed.text);
        detail_message(&malformed.body);

        // Reads: the list with its filter, one by id, and what is not a scheduled scrape.
        let listed = server.get(SCHEDULED).await.expect(200);
        let ids: Vec<&str> = listed.as_array().expect("a list").iter().filter_map(|j| j["id"].as_str()).collect();
        assert_eq!(ids, [id.as_str(), often["id"].as_str().expect("id")], "oldest first");
        assert_eq!(server.get(&format!("{SCHEDULED}/{id}")).await.expect(200), created);
        let script = json!({"name": "s", "taskFunctionId": 1, "jobTypeId": 1, "scheduleConfig": {"hours": 1, "minutes": 0, "seconds": 0},
            "taskArgs": {"script_path": server.write_script("s.sh", "#!/bin/sh\n"), "args": []}});
        let script_id = server.post(SCHEDULER_JOBS, &script).await.expect(201)["id"].as_str().expect("id").to_owned();
        for unknown in ["nope", script_id.as_str(), "not%20an%20id"] {
            let answer = server.get(&format!("{SCHEDULED}/{unknown}")).await;
            assert_eq!(answer.status, 404, "{unknown}: {}", answer.text);
            assert_eq!(detail_message(&answer.body), "Scheduled job not found");
        }
        let answer = server.get(&format!("{SCHEDULED}?enabled=maybe")).await;
        assert_eq!(answer.status, 422, "{}", answer.text);
        assert_eq!(validation_locs(&answer.body), [json!(["query", "enabled"])]);

        // Patch: only what is given; a new interval is planned from now.
        let path = format!("{SCHEDULED}/{id}");
        let patched = server.send(server.request(Method::PATCH, &path).json(&json!({"interval_minutes": 60, "limit": 20}))).await.expect(200);
        assert_eq!((&patched["interval_minutes"], &patched["limit"], &patched["name"]), (&json!(60), &json!(20), &created["name"]));
        assert_eq!(planned_minutes_ahead(&patched), 60, "{patched}");
        let renamed = server.send(server.request(Method::PATCH, &path).json(&json!({"name": "Hourly"}))).await.expect(200);
        assert_eq!((&renamed["name"], &renamed["next_run_at"]), (&json!("Hourly"), &patched["next_run_at"]), "the plan stays");
        for (body, field) in [(json!({"interval_minutes": 4}), "interval_minutes"), (json!({"value": "two words"}), "value")] {
            assert_validation_at(server.send(server.request(Method::PATCH, &path).json(&body)).await, field);
        }
        let answer = server.send(server.request(Method::PATCH, &format!("{SCHEDULED}/nope")).json(&json!({"limit": 1}))).await;
        assert_eq!((answer.status, detail_message(&answer.body)), (404, "Scheduled job not found".to_owned()));

        // Toggle off and on; the filter follows.
        let off = server.post_empty(&format!("{path}/toggle")).await.expect(200);
        assert_eq!((&off["enabled"], &off["next_run_at"]), (&json!(false), &Value::Null));
        let disabled = server.get(&format!("{SCHEDULED}?enabled=false")).await.expect(200);
        assert_eq!(disabled.as_array().map(|l| l.iter().map(|j| j["id"].clone()).collect::<Vec<_>>()), Some(vec![json!(id)]));
        let enabled = server.get(&format!("{SCHEDULED}?enabled=true")).await.expect(200);
        assert_eq!(enabled.as_array().map(Vec::len), Some(1), "{enabled}");
        let on = server.post_empty(&format!("{path}/toggle")).await.expect(200);
        assert!(on["enabled"] == true && on["next_run_at"].is_string(), "{on}");

        // Delete: gone for every route.
        assert_eq!(server.delete(&path).await.status, 204);
        for answer in [server.get(&path).await, server.delete(&path).await, server.post_empty(&format!("{path}/toggle")).await] {
            assert_eq!((answer.status, detail_message(&answer.body)), (404, "Scheduled job not found".to_owned()));
        }
    })
    .await;
}

#[tokio::test]
async fn viewers_read_scheduled_jobs_and_only_operators_change_them_or_retry_videos() {
    let (viewer, viewer_line) = new_key("vera", "viewer");
    let (operator, operator_line) = new_key("otto", "operator");
    let server =
        Server::start(ServerOptions { api_keys: [viewer_line, operator_line].join(","), ..Default::default() }).await;
    bounded(LIMIT, async {
        let created =
            server.send(server.request_as(Some(&operator), Method::POST, SCHEDULED).json(&daily())).await.expect(201);
        let path = format!("{SCHEDULED}/{}", created["id"].as_str().expect("id"));
        let retry = format!("{VIDEOS}/00000000-0000-8000-8000-000000000000/retry");
        for (method, route) in [(Method::GET, SCHEDULED), (Method::GET, path.as_str())] {
            assert_eq!(server.send(server.request_as(None, method.clone(), route)).await.status, 401);
            assert_eq!(server.send(server.request_as(Some(&viewer), method, route)).await.status, 200, "{route}");
        }
        let toggle = format!("{path}/toggle");
        for (method, route) in [
            (Method::POST, SCHEDULED),
            (Method::POST, toggle.as_str()),
            (Method::PATCH, path.as_str()),
            (Method::DELETE, path.as_str()),
            (Method::POST, retry.as_str()),
        ] {
            let answer = server.send(server.request_as(Some(&viewer), method.clone(), route).json(&json!({}))).await;
            assert_eq!(answer.status, 403, "{method} {route}: {}", answer.text);
            detail_message(&answer.body);
        }
        let answer = server.send(server.request_as(Some(&operator), Method::POST, &retry)).await;
        assert_eq!((answer.status, detail_message(&answer.body)), (404, "Video not found".to_owned()));
    })
    .await;
}

/// A `scrape.profile` job of the fixture on an interval of `seconds`, made through seed 004.
fn fixture_scrape(seconds: u32) -> Value {
    json!({
        "name": "fixture profile",
        "taskFunctionId": 3,
        "jobTypeId": 1,
        "scheduleConfig": {"hours": 0, "minutes": 0, "seconds": seconds},
        "taskArgs": {"value": "@Fixture", "limit": 10},
        "timeoutSeconds": 600,
    })
}

/// Waits until the scheduled job's view satisfies `done`, and returns it.
async fn scheduled_until(server: &Server, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    eventually(what, RUNS_WITHIN, || async {
        let view = server.get(&format!("{SCHEDULED}/{id}")).await.expect(200);
        done(&view).then_some(view)
    })
    .await
}

async fn video_until(server: &Server, id: &str, status: &str) -> Value {
    eventually(&format!("video {id} {status}"), RUNS_WITHIN, || async {
        let answer = server.get(&format!("{VIDEOS}/{id}")).await;
        (answer.status == 200 && answer.body["status"] == status).then_some(answer.body)
    })
    .await
}

#[tokio::test]
async fn a_scheduled_scrape_fires_and_its_counters_follow_its_runs() {
    let fixture = ScrapeFixture::with_samples(&installed_tools().ffmpeg, 2).await;
    let server = scraping_server(&fixture, ServerOptions::default()).await;

    // Made through seed 004 on a short interval, it is one of seed 002's scheduled jobs, and the
    // scheduler fires it: counters and times follow what ran.
    let job = server.post(SCHEDULER_JOBS, &fixture_scrape(2)).await.expect(201);
    let id = job["id"].as_str().expect("id").to_owned();
    let fired =
        scheduled_until(&server, &id, "two scheduled runs succeed", |v| v["successful_runs"].as_u64() >= Some(2)).await;
    assert_eq!(
        (&fired["interval_minutes"], &fired["mode"], &fired["value"]),
        (&json!(0), &json!("profile"), &json!("fixture"))
    );
    assert_eq!(fired["failed_runs"], 0, "{fired}");
    assert!(fired["total_runs"].as_u64() >= Some(2), "{fired}");
    assert!(fired["last_run_at"].is_string(), "{fired}");
    let stopped = server.post_empty(&format!("{SCHEDULED}/{id}/toggle")).await.expect(200);
    assert_eq!(stopped["enabled"], false);
    assert_eq!(server.get(&format!("{VIDEOS}?status=uploaded")).await.expect(200)["total"], 2);
    // Deleted, the job takes its schedule and history along and leaves its videos.
    assert_eq!(server.delete(&format!("{SCHEDULED}/{id}")).await.status, 204);
    assert_eq!(server.get(&format!("{SCHEDULER_JOBS}/{id}")).await.status, 404);
    assert_eq!(server.get(&format!("{VIDEOS}?status=uploaded")).await.expect(200)["total"], 2);

    // Made through seed 002 with its smallest interval, its first run is five minutes off; run by
    // hand, it counts that run.
    let body = json!({"name": "fixture", "mode": "profile", "value": "fixture", "interval_minutes": 5});
    let scheduled = server.post(SCHEDULED, &body).await.expect(201);
    let id = scheduled["id"].as_str().expect("id").to_owned();
    server.post_empty(&format!("{SCHEDULER_JOBS}/{id}/trigger")).await.expect(200);
    let ran = scheduled_until(&server, &id, "the triggered run ends", |v| v["total_runs"] == 1).await;
    assert_eq!((&ran["successful_runs"], &ran["failed_runs"]), (&json!(1), &json!(0)), "{ran}");
    assert_eq!(ran["next_run_at"], scheduled["next_run_at"], "a run by hand leaves the plan: {ran}");
}

#[tokio::test]
async fn failed_and_deleted_videos_are_fetched_again_by_their_retry() {
    let fixture = ScrapeFixture::with_samples(&installed_tools().ffmpeg, 3).await;
    let broken = fixture.videos()[1].id.clone();
    fixture.break_media(&broken, Breakage::NotFound);
    let server = scraping_server(&fixture, ServerOptions::default()).await;
    let job = server.post(SCHEDULER_JOBS, &fixture_scrape(86_400)).await.expect(201);
    let job_id = job["id"].as_str().expect("id").to_owned();
    server.post_empty(&format!("{SCHEDULER_JOBS}/{job_id}/trigger")).await.expect(200);
    scheduled_until(&server, &job_id, "the first run ends", |v| v["total_runs"] == 1).await;
    let failed = server.get(&format!("{VIDEOS}?status=failed")).await.expect(200);
    assert_eq!(failed["total"], 1, "{failed}");
    let video_id = failed["videos"][0]["id"].as_str().expect("id").to_owned();
    assert_eq!(failed["videos"][0]["platform_id"], broken.as_str());

    // Mended, the retry fetches that video alone and files it where the scrape would have.
    fixture.mend(&broken);
    let media_before = fixture.media_requests();
    let retried = server.post_empty(&format!("{VIDEOS}/{video_id}/retry")).await.expect(200);
    assert_eq!(
        (&retried["id"], &retried["status"], &retried["error_class"]),
        (&json!(video_id), &json!("pending"), &Value::Null)
    );
    assert!(retried["retry_job_id"].as_str().is_some_and(|r| Some(r) != retried["job_id"].as_str()), "{retried}");
    let uploaded = video_until(&server, &video_id, "uploaded").await;
    assert!(uploaded["drive_file_id"].as_str().is_some_and(|k| k.starts_with("videos/profile/fixture/")), "{uploaded}");
    assert_eq!(fixture.media_requests(), media_before + 1, "only the retried video was downloaded");
    let stored = server.data_dir().join("objects").join(uploaded["drive_file_id"].as_str().expect("key"));
    assert_eq!(std::fs::read(stored).expect("the stored file"), fixture.mp4(&broken));

    // Stored or in hand, a video is not retried.
    let answer = server.post_empty(&format!("{VIDEOS}/{video_id}/retry")).await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert!(detail_message(&answer.body).contains("already uploaded"), "{}", answer.text);

    // Deleted, it is gone until its retry brings it back.
    assert_eq!(server.delete(&format!("{VIDEOS}/{video_id}")).await.status, 204);
    assert_eq!(server.get(&format!("{VIDEOS}/{video_id}")).await.status, 404);
    server.post_empty(&format!("{VIDEOS}/{video_id}/retry")).await.expect(200);
    video_until(&server, &video_id, "uploaded").await;
    assert_eq!(server.get(&format!("{VIDEOS}?status=uploaded")).await.expect(200)["total"], 3);
    let answer = server.post_empty(&format!("{VIDEOS}/00000000-0000-8000-8000-000000000000/retry")).await;
    assert_eq!((answer.status, detail_message(&answer.body)), (404, "Video not found".to_owned()));
}
