//! The whole router (auth layer, fallbacks, extractors, use cases) over the local adapters in a
//! temporary directory, called in-process as a client would call the server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

use crate::adapters::local::media::MediaTools;
use crate::adapters::local::script::{Interpreters, ScriptEnvironment};
use crate::adapters::local::{LocalApp, LocalConfig, ScrapeConfig};
use crate::domain::cleanup::{CleanupGuard, ServerMode};
use crate::domain::principal::KeyRing;
use crate::domain::video::Video;
use crate::ports::Upserted;

/// Large enough for every answer the tests read.
const BODY_LIMIT: usize = 1 << 20;

pub struct RouterHarness {
    pub app: LocalApp,
    pub router: Router,
    dir: tempfile::TempDir,
}

impl Default for RouterHarness {
    fn default() -> Self {
        Self::with_keys(KeyRing::default())
    }
}

impl RouterHarness {
    /// Open to anyone (no keys configured), with an empty script root.
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_keys(keys: KeyRing) -> Self {
        // What `jobsmith serve` on loopback defaults to.
        Self::with(keys, CleanupGuard::new(ServerMode::Development, None, true))
    }

    /// Open to anyone, with seed 003's cleanup guarded by `cleanup`.
    pub fn with_cleanup(cleanup: CleanupGuard) -> Self {
        Self::with(KeyRing::default(), cleanup)
    }

    fn with(keys: KeyRing, cleanup: CleanupGuard) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let scripts = dir.path().join("scripts");
        std::fs::create_dir_all(&scripts).expect("script root");
        let app = LocalApp::open(LocalConfig {
            data_dir: dir.path().join("data"),
            script_roots: vec![scripts],
            misfire_grace: chrono::Duration::seconds(60),
            interpreters: Interpreters::default(),
            script_env: ScriptEnvironment::from_process(),
            keys,
            media: MediaTools::default(),
            scrape: offline_scrapes(),
            cleanup,
        })
        .expect("open the local app");
        let router = app.router();
        Self { app, router, dir }
    }

    /// The temporary directory that holds the data and the script root.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Where the local object store keeps `key`'s file.
    pub fn object_path(&self, key: &str) -> PathBuf {
        self.dir.path().join("data").join("objects").join(key)
    }

    /// Writes `bytes` as the object `key`, straight into the store's folder.
    pub fn put_object(&self, key: &str, bytes: &[u8]) {
        let path = self.object_path(key);
        std::fs::create_dir_all(path.parent().expect("a key has a folder")).expect("the object's folder");
        std::fs::write(path, bytes).expect("write the object");
    }

    pub fn script_root(&self) -> PathBuf {
        self.dir.path().join("scripts")
    }

    /// Writes `content` as the script `name` in the root and returns its absolute path.
    pub fn write_script(&self, name: &str, content: &str) -> String {
        let path = self.script_root().join(name);
        std::fs::write(&path, content).expect("write the script");
        path.to_str().expect("a UTF-8 temp path").to_owned()
    }

    /// Records `video` in the store the routes read, as a scrape run would: the way tests set up
    /// an inventory without running a scrape.
    pub async fn record_video(&self, video: &Video) {
        let upserted = self.app.videos.store().upsert_video(video).await.expect("record the video");
        assert!(matches!(upserted, Upserted::Inserted(_)), "{} was recorded already", video.id);
    }

    /// Sends `body` as is, with a JSON content type when there is one; the answer's status and
    /// its body as JSON (`Null` when empty).
    pub async fn call(&self, method: Method, uri: &str, body: Option<&str>) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request.body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned()))).expect("request");
        let response = self.router.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), BODY_LIMIT).await.expect("the answer's body");
        let value = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("a JSON answer") };
        (status, value)
    }

    pub async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.call(Method::GET, uri, None).await
    }

    pub async fn send(&self, method: Method, uri: &str, body: &Value) -> (StatusCode, Value) {
        self.call(method, uri, Some(&body.to_string())).await
    }

    /// Stops the scheduler, waiting for the runs it started.
    pub async fn stop(self) {
        self.app.scheduler.shutdown(Duration::from_secs(5)).await;
    }
}

/// Scrape runs that fail at once, whatever yt-dlp the machine has: their pages are on a loopback
/// port nothing listens on, so no test reaches TikTok.
fn offline_scrapes() -> ScrapeConfig {
    let nowhere = "http://127.0.0.1:9/{value}";
    let urls = crate::domain::scrape_url::ScrapeUrls::from_config(Some(nowhere), Some(nowhere)).expect("a template");
    ScrapeConfig { urls, ..ScrapeConfig::default() }
}
