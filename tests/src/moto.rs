//! A moto server (DynamoDB, S3 and EventBridge Scheduler) of a test's own, on a free loopback
//! port, stopped when dropped; or one shared by the tests of a test binary. Installed by
//! `infra/aws/emulators.sh install`.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use tokio::sync::OnceCell;

const READY_WITHIN: Duration = Duration::from_secs(30);

pub struct MotoServer {
    child: Child,
    endpoint: String,
}

impl MotoServer {
    /// Starts one; panics with what to do when moto is not installed.
    pub async fn start() -> Self {
        let (child, port) = spawn(command());
        let server = Self { child, endpoint: format!("http://127.0.0.1:{port}") };
        server.wait_ready().await;
        server
    }

    /// The server of this test binary, started by the first test that asks: for suites of many
    /// short tests that each work in tables of their own, where starting moto for every test
    /// would take longer than the tests. A static is never dropped, so the kernel ends it:
    /// moto gets SIGKILL when the thread that started it ends (`PR_SET_PDEATHSIG`), and that
    /// thread lives as long as the test process.
    pub async fn shared() -> &'static Self {
        static SHARED: OnceCell<MotoServer> = OnceCell::const_new();
        SHARED
            .get_or_init(|| async {
                let (started, spawned) = tokio::sync::oneshot::channel();
                std::thread::spawn(move || {
                    let mut command = command();
                    // SAFETY: the closure runs in the forked child before exec and only makes
                    // one system call, which is async-signal-safe.
                    unsafe {
                        command
                            .pre_exec(|| nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(std::io::Error::from));
                    }
                    let _ = started.send(spawn(command));
                    loop {
                        std::thread::park();
                    }
                });
                let (child, port) = spawned.await.expect("the thread that starts moto");
                let server = Self { child, endpoint: format!("http://127.0.0.1:{port}") };
                server.wait_ready().await;
                server
            })
            .await
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// SDK configuration aimed at this server, with the static credentials moto accepts.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        sdk_config_for(&self.endpoint, ("testing", "testing"), "moto").await
    }

    async fn wait_ready(&self) {
        let url = format!("{}/moto-api/", self.endpoint);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if client.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("moto did not answer on {} within {READY_WITHIN:?}", self.endpoint);
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command() -> Command {
    let mut command = Command::new(moto_binary());
    command.stdout(Stdio::null()).stderr(Stdio::null());
    command
}

/// Starts `command` on a free port; panics with what to do when moto is not installed.
fn spawn(mut command: Command) -> (Child, u16) {
    let port = free_port();
    let child = command.args(["-H", "127.0.0.1", "-p", &port.to_string()]).spawn().unwrap_or_else(|err| {
        panic!("cannot start {}: {err}; run `infra/aws/emulators.sh install` first", moto_binary().display())
    });
    (child, port)
}

fn moto_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("JOBSMITH_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let installed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv-emulators/bin/moto_server");
    if installed.exists() { installed } else { PathBuf::from("moto_server") }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

/// SDK configuration aimed at a server on loopback that takes these static credentials (moto,
/// SeaweedFS), without looking at the machine's own AWS configuration.
pub async fn sdk_config_for(
    endpoint: &str,
    (access_key, secret_key): (&str, &str),
    name: &'static str,
) -> aws_config::SdkConfig {
    let credentials = aws_credential_types::Credentials::new(access_key, secret_key, None, None, name);
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .http_client(jobsmith::adapters::aws::sdk::https_client())
        .load()
        .await
}
