//! Drives the real `jobsmith` binary: start it on a free loopback port with its own data and
//! script directories, talk to it over HTTP, kill or stop it, start it again on the same data.

mod scraping;
pub mod time;
pub mod witness;

pub use scraping::scraping_server;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use reqwest::Method;
use serde_json::Value;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const BIN: &str = env!("CARGO_BIN_EXE_jobsmith");

/// How long the server may take to print its listening line.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How often `eventually` looks again.
const POLL_EVERY: Duration = Duration::from_millis(100);

/// How a server is started.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// `--bind`; port 0 lets the kernel pick and the server prints the real address.
    pub bind: String,
    /// `JOBSMITH_API_KEYS`; empty means open mode.
    pub api_keys: String,
    /// The key sent as `X-API-Key` by the default client, if any.
    pub client_key: Option<String>,
    pub misfire_grace_seconds: Option<u32>,
    /// Extra environment for the server process.
    pub env: Vec<(String, String)>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:0".to_owned(),
            api_keys: String::new(),
            client_key: None,
            misfire_grace_seconds: None,
            env: Vec::new(),
        }
    }
}

/// The directories a server works in; they outlive restarts.
struct Dirs {
    data: TempDir,
    /// Held so that the directory lives as long as the server.
    _scripts: TempDir,
    logs: TempDir,
    /// Canonical, so that paths handed to the server are the ones it resolves.
    scripts_path: PathBuf,
}

impl Dirs {
    fn new() -> Self {
        let data = tempfile::Builder::new().prefix("jobsmith-data-").tempdir().expect("data dir");
        let scripts = tempfile::Builder::new().prefix("jobsmith-scripts-").tempdir().expect("script dir");
        let logs = tempfile::Builder::new().prefix("jobsmith-logs-").tempdir().expect("log dir");
        let scripts_path = std::fs::canonicalize(scripts.path()).expect("canonical script dir");
        Self { data, _scripts: scripts, logs, scripts_path }
    }
}

/// An HTTP answer: status, parsed JSON body (Null when it is not JSON) and the raw text.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub content_type: String,
}

impl Resp {
    async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("read response body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self { status, body, text, content_type }
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        self.body
    }
}

pub struct Server {
    pub opts: ServerOptions,
    dirs: Arc<Dirs>,
    child: Option<Child>,
    pub addr: String,
    pub pid: u32,
    client: reqwest::Client,
    stderr_log: PathBuf,
    starts: u32,
}

impl Server {
    pub async fn start(opts: ServerOptions) -> Self {
        let mut server = Self {
            opts,
            dirs: Arc::new(Dirs::new()),
            child: None,
            addr: String::new(),
            pid: 0,
            client: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(15))
                .build()
                .expect("http client"),
            stderr_log: PathBuf::new(),
            starts: 0,
        };
        server.spawn().await;
        server
    }

    pub async fn open() -> Self {
        Self::start(ServerOptions::default()).await
    }

    fn command(&self, stderr_log: &Path) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .arg("--bind")
            .arg(&self.opts.bind)
            .arg("--data-dir")
            .arg(self.dirs.data.path())
            .arg("--script-root")
            .arg(&self.dirs.scripts_path)
            .env_remove("JOBSMITH_BIND")
            .env_remove("JOBSMITH_DATA_DIR")
            .env_remove("JOBSMITH_SCRIPT_ROOTS")
            .env_remove("JOBSMITH_CORS_ORIGINS")
            .env("JOBSMITH_API_KEYS", &self.opts.api_keys)
            .env("JOBSMITH_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(stderr_log).expect("stderr log"))
            .kill_on_drop(true);
        // Tests call seed 002's routes many times; a test of the limit turns it on in `env`.
        cmd.env("JOBSMITH_RATE_LIMIT_REQUESTS_PER_MINUTE", "0")
            .env_remove("JOBSMITH_RATE_LIMIT_BURST")
            .env_remove("RATE_LIMIT_REQUESTS_PER_MINUTE")
            .env_remove("RATE_LIMIT_BURST");
        // Seed 003's guard follows the bind unless a test sets it.
        for name in ["JOBSMITH_MODE", "DEBUG", "JOBSMITH_CLEANUP_TOKEN", "DELETE_ALL_VIDEOS_TOKEN"] {
            cmd.env_remove(name);
        }
        cmd.env_remove("JOBSMITH_BACKEND").envs(self.opts.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        match self.opts.misfire_grace_seconds {
            Some(grace) => cmd.env("JOBSMITH_MISFIRE_GRACE_SECONDS", grace.to_string()),
            None => cmd.env_remove("JOBSMITH_MISFIRE_GRACE_SECONDS"),
        };
        cmd
    }

    /// Starts the binary on this server's directories and waits for its listening line.
    async fn spawn(&mut self) {
        assert!(self.child.is_none(), "the server is already running");
        self.starts += 1;
        self.stderr_log = self.dirs.logs.path().join(format!("stderr-{}.log", self.starts));
        let mut child = self.command(&self.stderr_log).spawn().expect("spawn jobsmith");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let wait_ready = async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                if let Some(addr) = line.strip_prefix("jobsmith listening on http://") {
                    return Some(addr.trim().to_owned());
                }
            }
            None
        };
        let addr = match tokio::time::timeout(START_TIMEOUT, wait_ready).await {
            Ok(Some(addr)) => addr,
            Ok(None) => {
                let status = child.wait().await;
                panic!("jobsmith exited before listening ({status:?}); stderr:\n{}", self.stderr());
            }
            Err(_) => {
                panic!("jobsmith did not print its listening line within {START_TIMEOUT:?}; stderr:\n{}", self.stderr())
            }
        };
        assert!(addr.starts_with("127.0.0.1:"), "listening on {addr}, not on loopback");
        // Keep reading so that the server never blocks on a full stdout pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        self.pid = child.id().expect("child pid");
        self.addr = addr;
        self.child = Some(child);
    }

    /// What the server has written to stderr in its current (or last) life.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// SIGKILL, and wait until it is gone.
    pub async fn kill9(&mut self) {
        let mut child = self.child.take().expect("the server is not running");
        kill(Pid::from_raw(self.pid as i32), Signal::SIGKILL).expect("SIGKILL");
        tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .expect("jobsmith did not die after SIGKILL")
            .expect("wait");
    }

    /// SIGTERM, and wait (bounded) for a clean exit; returns the status and how long it took.
    pub async fn stop(&mut self) -> (ExitStatus, Duration) {
        let mut child = self.child.take().expect("the server is not running");
        let started = Instant::now();
        kill(Pid::from_raw(self.pid as i32), Signal::SIGTERM).expect("SIGTERM");
        let status = match tokio::time::timeout(Duration::from_secs(15), child.wait()).await {
            Ok(status) => status.expect("wait"),
            Err(_) => panic!("jobsmith did not stop within 15 s of SIGTERM; stderr:\n{}", self.stderr()),
        };
        (status, started.elapsed())
    }

    /// Starts the server again on the same data and script directories (on a new port).
    pub async fn restart(&mut self) {
        self.spawn().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn script_root(&self) -> &Path {
        &self.dirs.scripts_path
    }

    /// A scratch directory outside the script root, for marker files and escape attempts.
    /// The server's data directory: its database and, under `objects/`, its stored files.
    pub fn data_dir(&self) -> &Path {
        self.dirs.data.path()
    }

    pub fn scratch(&self) -> PathBuf {
        let dir = self.dirs.logs.path().join("scratch");
        std::fs::create_dir_all(&dir).expect("scratch dir");
        std::fs::canonicalize(dir).expect("canonical scratch dir")
    }

    /// Writes an executable script into the script root and returns its absolute path.
    pub fn write_script(&self, name: &str, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = self.script_root().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("script parent dir");
        }
        std::fs::write(&path, body).expect("write script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod script");
        path.to_str().expect("utf-8 path").to_owned()
    }

    /// A request with the default key (if any).
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match &self.opts.client_key {
            Some(key) => builder.header("X-API-Key", key),
            None => builder,
        }
    }

    /// A request with exactly this key (or none).
    pub fn request_as(&self, key: Option<&str>, method: Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match key {
            Some(key) => builder.header("X-API-Key", key),
            None => builder,
        }
    }

    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Resp {
        Resp::read(builder.send().await.expect("send request")).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    pub async fn post_empty(&self, path: &str) -> Resp {
        self.send(self.request(Method::POST, path)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.send(self.request(Method::PUT, path).json(body)).await
    }

    pub async fn put_empty(&self, path: &str) -> Resp {
        self.send(self.request(Method::PUT, path)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// A body sent as is, with a JSON content type.
    pub async fn raw(&self, method: Method, path: &str, body: impl Into<reqwest::Body>) -> Resp {
        self.send(self.request(method, path).header("content-type", "application/json").body(body)).await
    }

    /// Runs a second server on this one's directories until it exits, which it must do within
    /// `within`; returns how it exited, how long it took and what it wrote to stderr.
    pub async fn run_rival(&self, within: Duration) -> (ExitStatus, Duration, String) {
        let log = self.dirs.logs.path().join("stderr-rival.log");
        let started = Instant::now();
        let mut rival = self.command(&log).spawn().expect("spawn a second jobsmith");
        let status = match tokio::time::timeout(within, rival.wait()).await {
            Ok(status) => status.expect("wait"),
            Err(_) => panic!("a second server on the same data directory was still running after {within:?}"),
        };
        (status, started.elapsed(), std::fs::read_to_string(&log).unwrap_or_default())
    }

    /// Every execution of a job, newest first as the server lists them.
    pub async fn executions(&self, job_id: &str) -> Vec<Value> {
        let body = self.get(&format!("/api/v1/scheduler/jobs/{job_id}/executions?per_page=100")).await.expect(200);
        body["executions"].as_array().unwrap_or_else(|| panic!("no executions list in {body}")).clone()
    }

    /// Waits until the job's executions satisfy `done`, and returns them.
    pub async fn wait_executions(
        &self,
        job_id: &str,
        within: Duration,
        what: &str,
        mut done: impl FnMut(&[Value]) -> bool,
    ) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let last = self.executions(job_id).await;
            if done(&last) {
                return last;
            }
            if started.elapsed() > within {
                panic!("{what}: not within {within:?}; executions of {job_id}: {}", Value::Array(last));
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }
}

/// Polls `probe` until it gives a value, or fails the test after `within`.
pub async fn eventually<T, Fut>(what: &str, within: Duration, mut probe: impl FnMut() -> Fut) -> T
where
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(started.elapsed() <= within, "{what}: not within {within:?}");
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// Waits for a file to exist with content, and returns the content.
pub async fn wait_for_file(path: &Path, within: Duration) -> String {
    eventually(&format!("file {}", path.display()), within, || async {
        std::fs::read_to_string(path).ok().filter(|s| !s.is_empty())
    })
    .await
}

/// Fails the test if `work` takes longer than `limit`.
pub async fn bounded<F: Future>(limit: Duration, work: F) -> F::Output {
    match tokio::time::timeout(limit, work).await {
        Ok(output) => output,
        Err(_) => panic!("test did not finish within {limit:?}"),
    }
}

/// A fresh key from `jobsmith keys new`: (key, config line).
pub fn new_key(name: &str, role: &str) -> (String, String) {
    let output = std::process::Command::new(BIN)
        .args(["keys", "new", "--name", name, "--role", role])
        .output()
        .expect("run jobsmith keys new");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    assert!(output.status.success(), "keys new failed: {stdout} {}", String::from_utf8_lossy(&output.stderr));
    let field = |prefix: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .map(|rest| rest.trim().to_owned())
            .unwrap_or_else(|| panic!("no '{prefix}' line in: {stdout}"))
    };
    (field("key:"), field("config:"))
}

/// Whether a process exists and is not a zombie.
pub fn process_alive(pid: i32) -> bool {
    if kill(Pid::from_raw(pid), None).is_err() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses.
        Ok(stat) => stat.rsplit_once(')').map(|(_, rest)| rest.trim_start()).is_some_and(|rest| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

/// Kills one process that a test's script started and the server left behind.
pub fn kill_pid(pid: i32) {
    let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
}

/// Kills a process group that a test's script started and the server left behind.
pub fn kill_group(pgid: i32) {
    let _ = kill(Pid::from_raw(-pgid), Signal::SIGKILL);
}

/// The one object of `body` with `"key": value` in the array at `list`.
#[track_caller]
pub fn find<'a>(list: &'a [Value], key: &str, value: &str) -> &'a Value {
    list.iter()
        .find(|item| item[key] == value)
        .unwrap_or_else(|| panic!("no item with {key} = {value} in {}", Value::Array(list.to_vec())))
}

/// The keys of a JSON object, sorted.
#[track_caller]
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> =
        value.as_object().unwrap_or_else(|| panic!("not an object: {value}")).keys().cloned().collect();
    keys.sort();
    keys
}

/// Asserts that `value` is the `/api` family's error body, `{"error": <string>}`, and returns the
/// message.
#[track_caller]
pub fn api_error(value: &Value) -> String {
    assert_eq!(keys(value), ["error"], "not an /api error body: {value}");
    value["error"].as_str().unwrap_or_else(|| panic!("error is not a string: {value}")).to_owned()
}

/// Asserts the `/api` family's error shape a path answers with: seed 000's paths (`/api/jobs…`,
/// `/api/clips…`) add `"success": false`, seed 001's do not. Returns the message.
#[track_caller]
pub fn api_error_at(path: &str, value: &Value) -> String {
    if path.starts_with("/api/jobs") || path.starts_with("/api/clips") {
        assert_eq!(keys(value), ["error", "success"], "not seed 000's error body on {path}: {value}");
        assert_eq!(value["success"], false, "{path}: {value}");
        value["error"].as_str().unwrap_or_else(|| panic!("error is not a string: {value}")).to_owned()
    } else {
        api_error(value)
    }
}

/// Asserts that `value` is seed 003's error body, `{"success": false, "error": <string>}`, and
/// returns the message.
#[track_caller]
pub fn cleanup_error(value: &Value) -> String {
    assert_eq!(keys(value), ["error", "success"], "not seed 003's error body: {value}");
    assert_eq!(value["success"], false, "{value}");
    value["error"].as_str().unwrap_or_else(|| panic!("error is not a string: {value}")).to_owned()
}

/// Asserts that `value` is `{"detail": <string>}` and returns the message.
#[track_caller]
pub fn detail_message(value: &Value) -> String {
    assert_eq!(keys(value), ["detail"], "not a detail error body: {value}");
    value["detail"].as_str().unwrap_or_else(|| panic!("detail is not a string: {value}")).to_owned()
}

/// Asserts that `value` is a 422 validation list and returns its `loc`s.
#[track_caller]
pub fn validation_locs(value: &Value) -> Vec<Value> {
    assert_eq!(keys(value), ["detail"], "not a detail error body: {value}");
    let items = value["detail"].as_array().unwrap_or_else(|| panic!("detail is not a list: {value}"));
    assert!(!items.is_empty(), "empty validation list: {value}");
    items
        .iter()
        .map(|item| {
            assert_eq!(keys(item), ["loc", "msg", "type"], "validation item shape: {item}");
            assert!(item["msg"].as_str().is_some_and(|m| !m.is_empty()), "msg: {item}");
            assert!(item["type"].as_str().is_some_and(|t| !t.is_empty()), "type: {item}");
            item["loc"].clone()
        })
        .collect()
}
