//! Seed 002's videos inventory and stats, as its clients call them over HTTP: an empty
//! inventory, its 404 and 422 shapes, and the keys each route needs.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::support::{Server, ServerOptions, bounded, detail_message, new_key, validation_locs};

const LIMIT: Duration = Duration::from_secs(30);
const VIDEOS: &str = "/api/v1/videos";
const STATS: &str = "/api/v1/stats";
const UNKNOWN: &str = "/api/v1/videos/00000000-0000-8000-8000-000000000000";

#[tokio::test]
async fn an_empty_inventory_answers_in_the_seeds_shapes() {
    let server = Server::open().await;
    bounded(LIMIT, async {
        // The seed's cURL example, filters and all.
        let list = server.get(&format!("{VIDEOS}?mode=profile&value=khaby.lame&limit=20")).await.expect(200);
        assert_eq!(list, json!({"total": 0, "videos": []}));
        let stats = server.get(STATS).await.expect(200);
        for field in [
            "total_jobs",
            "pending_jobs",
            "running_jobs",
            "completed_jobs",
            "failed_jobs",
            "total_videos",
            "downloaded_videos",
            "uploaded_videos",
            "failed_videos",
            "total_storage_bytes",
            "scheduled_jobs_count",
            "active_scheduled_jobs",
        ] {
            assert_eq!(stats[field], 0, "{field}: {stats}");
        }

        // Unknown and malformed ids are the seed's 404, for reads and deletes alike.
        for path in [UNKNOWN, "/api/v1/videos/7123456789012345678"] {
            let answer = server.get(path).await;
            assert_eq!(answer.status, 404, "{path}: {}", answer.text);
            assert_eq!(detail_message(&answer.body), "Video not found");
            let answer = server.delete(path).await;
            assert_eq!(answer.status, 404, "{path}: {}", answer.text);
            assert_eq!(detail_message(&answer.body), "Video not found");
        }

        // Bad filters: one 422 naming every bad parameter.
        let answer = server.get(&format!("{VIDEOS}?mode=channel&status=done&limit=500&offset=-1")).await;
        assert_eq!(answer.status, 422, "{}", answer.text);
        let locs = validation_locs(&answer.body);
        for param in ["mode", "status", "limit", "offset"] {
            assert!(locs.contains(&json!(["query", param])), "{param} not in {}", answer.text);
        }
        let answer = server.raw(Method::PATCH, VIDEOS, "").await;
        assert_eq!(answer.status, 405, "{}", answer.text);
        detail_message(&answer.body);
    })
    .await;
}

#[tokio::test]
async fn viewers_read_videos_and_only_operators_delete_them() {
    let (viewer, viewer_line) = new_key("vera", "viewer");
    let (operator, operator_line) = new_key("otto", "operator");
    let server =
        Server::start(ServerOptions { api_keys: [viewer_line, operator_line].join(","), ..Default::default() }).await;
    bounded(LIMIT, async {
        for path in [VIDEOS, STATS, UNKNOWN] {
            for key in [None, Some("not-a-key")] {
                let answer = server.send(server.request_as(key, Method::GET, path)).await;
                assert_eq!(answer.status, 401, "{path} {key:?}: {}", answer.text);
                detail_message(&answer.body);
            }
        }
        let answer = server.send(server.request_as(Some(&viewer), Method::GET, VIDEOS)).await;
        assert_eq!(answer.expect(200)["total"], 0);
        let answer = server.send(server.request_as(Some(&viewer), Method::GET, STATS)).await;
        assert_eq!(answer.expect(200)["total_videos"], 0);
        let answer = server.send(server.request_as(Some(&viewer), Method::DELETE, UNKNOWN)).await;
        assert_eq!(answer.status, 403, "{}", answer.text);
        detail_message(&answer.body);
        let answer = server.send(server.request_as(Some(&operator), Method::DELETE, UNKNOWN)).await;
        assert_eq!(answer.status, 404, "the operator may delete; there is nothing to: {}", answer.text);
        assert_eq!(detail_message(&answer.body), "Video not found");
    })
    .await;
}
