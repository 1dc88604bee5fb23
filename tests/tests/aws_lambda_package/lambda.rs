//! The executor's Lambda package on this machine: laid out by `infra/aws/package-executor.sh`
//! for this machine's architecture in a temporary folder that stands for the execution
//! environment's root (its `var/task` is Lambda's `/var/task`, its `opt` is `/opt`), and started
//! as Lambda starts a function on the template's runtime, against a Runtime API of the test's own.

use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jobsmith_tests::runtime_api::{Answer, RuntimeApi};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::Value;

/// Laying out the package; the first time on a machine, with the wheels' download (about 85 MB).
const PACKAGED_WITHIN: Duration = Duration::from_secs(10 * 60);
/// One invocation: a cold start, then a short script.
const ANSWERED_WITHIN: Duration = Duration::from_secs(120);
/// The invocation deadline the Runtime API hands out: the template's executor timeout.
const DEADLINE: Duration = Duration::from_secs(900);
const LOG_TAIL_BYTES: usize = 8 * 1024;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_path_buf()
}

/// What template.yaml says of the executor function.
pub struct ExecutorTemplate {
    pub runtime: String,
    pub handler: String,
    /// The function's own variables (the global ones hold deploy-time references).
    pub variables: Vec<(String, String)>,
}

pub fn executor_template() -> ExecutorTemplate {
    let path = workspace_root().join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("template.yaml parses");
    let globals = &doc["Globals"]["Function"];
    let executor = &doc["Resources"]["ExecutorFunction"]["Properties"];
    let setting = |key: &str| {
        executor[key]
            .as_str()
            .or_else(|| globals[key].as_str())
            .unwrap_or_else(|| panic!("the executor's {key}"))
            .to_owned()
    };
    let variables = executor["Environment"]["Variables"]
        .as_mapping()
        .expect("the executor's own Environment.Variables")
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().expect("a variable's name").to_owned();
            let value = value.as_str().unwrap_or_else(|| panic!("{name}: a plain value, not {value:?}")).to_owned();
            (name, value)
        })
        .collect();
    ExecutorTemplate { runtime: setting("Runtime"), handler: setting("Handler"), variables }
}

/// The package, laid out in a temporary folder.
pub struct Package {
    root: tempfile::TempDir,
}

impl Package {
    /// `infra/aws/package-executor.sh` for this machine's architecture, with `executor` as the
    /// function's binary and `scripts` as the scripts folder.
    pub async fn lay_out(executor: &Path, scripts: &Path) -> Self {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "x86_64",
            "aarch64" => "arm64",
            other => panic!("Lambda has no {other} functions"),
        };
        let root = tempfile::tempdir().expect("a folder for the package");
        let mut command = tokio::process::Command::new(workspace_root().join("infra/aws/package-executor.sh"));
        command
            .arg(arch)
            .arg(root.path())
            .env("JOBSMITH_EXECUTOR_BINARY", executor)
            .env("JOBSMITH_SCRIPTS_DIR", scripts)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let output = match tokio::time::timeout(PACKAGED_WITHIN, command.output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(e)) => panic!("cannot run package-executor.sh: {e}"),
            Err(_) => panic!("package-executor.sh took longer than {PACKAGED_WITHIN:?}"),
        };
        assert!(output.status.success(), "package-executor.sh failed:\n{}", String::from_utf8_lossy(&output.stderr));
        Self { root }
    }

    /// Where a path of the execution environment is in this folder.
    pub fn path(&self, lambda_path: &str) -> PathBuf {
        self.root.path().join(lambda_path.trim_start_matches('/'))
    }

    /// A variable's value with its paths under `/var/task` and `/opt` moved here; a value may be
    /// a `:`-separated list of paths.
    pub fn remap(&self, value: &str) -> String {
        let moved: Vec<String> = value
            .split(':')
            .map(|part| {
                let packaged = ["/var/task", "/opt"].iter().any(|p| part == *p || part.starts_with(&format!("{p}/")));
                if packaged { self.path(part).to_string_lossy().into_owned() } else { part.to_owned() }
            })
            .collect();
        moved.join(":")
    }
}

/// A stand-in for the template runtime's `/var/runtime/bootstrap`, which Lambda starts: like the
/// python runtime's own, it execs `AWS_LAMBDA_EXEC_WRAPPER` when that is set, handing it the
/// python command it would otherwise run, and that command fails if it ever runs.
fn install_runtime_bootstrap(package: &Package, runtime: &str) -> PathBuf {
    let python = package.path("/var/lang/bin/python3");
    std::fs::create_dir_all(python.parent().expect("a folder")).expect("create var/lang/bin");
    let host_python = Command::new("python3")
        .args(["-c", "import os, sys; print(os.path.realpath(sys.executable))"])
        .output()
        .expect("run python3");
    let host_python = String::from_utf8(host_python.stdout).expect("a UTF-8 path");
    std::os::unix::fs::symlink(host_python.trim(), &python).expect("link the runtime's python3");
    let entry = package.path("/var/runtime/bootstrap.py");
    std::fs::create_dir_all(entry.parent().expect("a folder")).expect("create var/runtime");
    std::fs::write(&entry, "import sys\nsys.exit('the python runtime started instead of the executor')\n")
        .expect("write bootstrap.py");
    let (python, entry) = (python.display(), entry.display());
    let script = format!(
        r#"#!/bin/bash
export AWS_EXECUTION_ENV=AWS_Lambda_{runtime}
if [ -z "$AWS_LAMBDA_EXEC_WRAPPER" ]; then
  exec {python} {entry}
else
  wrapper="$AWS_LAMBDA_EXEC_WRAPPER"
  if [ ! -f "$wrapper" ]; then echo "$wrapper: does not exist"; exit 127; fi
  if [ ! -x "$wrapper" ]; then echo "$wrapper: is not an executable"; exit 126; fi
  exec -- "$wrapper" {python} {entry}
fi
"#
    );
    let bootstrap = package.path("/var/runtime/bootstrap");
    std::fs::write(&bootstrap, script).expect("write the runtime's bootstrap");
    std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755)).expect("make it executable");
    bootstrap
}

/// The function's environment as Lambda sets it for `template`'s runtime, paths moved into the
/// package, then `extra`, then the template's own variables (moved too).
fn lambda_environment(
    package: &Package,
    template: &ExecutorTemplate,
    api: &RuntimeApi,
    extra: &[(&str, String)],
) -> Vec<(String, String)> {
    let at = |path: &str| package.path(path).to_string_lossy().into_owned();
    // Lambda's PATH is /var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin. /opt/bin comes
    // before the system's folders here: on Lambda nothing before it has these tools, where a
    // developer's machine may have other builds of them.
    let path = format!("{}:{}:/usr/local/bin:/usr/bin:/bin", at("/var/lang/bin"), at("/opt/bin"));
    let library_path = [
        at("/var/lang/lib"),
        "/lib64".into(),
        "/usr/lib64".into(),
        at("/var/runtime"),
        at("/var/task"),
        at("/opt/lib"),
    ]
    .join(":");
    let mut env: Vec<(String, String)> = [
        ("PATH", path),
        ("LD_LIBRARY_PATH", library_path),
        ("LANG", "en_US.UTF-8".to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("LAMBDA_TASK_ROOT", at("/var/task")),
        ("LAMBDA_RUNTIME_DIR", at("/var/runtime")),
        ("_HANDLER", template.handler.clone()),
        ("AWS_LAMBDA_RUNTIME_API", api.address()),
        ("AWS_LAMBDA_FUNCTION_NAME", "jobsmith-executor".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/jobsmith/executor".to_owned()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/12/02/[$LATEST]0123456789abcdef".to_owned()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    env.extend(template.variables.iter().map(|(k, v)| (k.clone(), package.remap(v))));
    env
}

/// The function's process, started as Lambda starts it, and the Runtime API it polls.
pub struct Lambda {
    child: Child,
    api: RuntimeApi,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl Lambda {
    /// Starts the runtime's bootstrap with nothing of the test's environment but `extra` (the
    /// credentials, the emulator's address, the global variables' values).
    pub async fn start(package: &Package, template: &ExecutorTemplate, extra: &[(&str, String)]) -> Self {
        let api = RuntimeApi::start("jobsmith-executor").await;
        let bootstrap = install_runtime_bootstrap(package, &template.runtime);
        let log_dir = tempfile::tempdir().expect("a folder for the function's log");
        let log = log_dir.path().join("function.log");
        let out = File::create(&log).expect("create the function's log");
        let err = out.try_clone().expect("share the function's log");
        let child = Command::new(&bootstrap)
            .env_clear()
            .envs(lambda_environment(package, template, &api, extra))
            .current_dir(package.path("/var/task"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Its own group, killed as one when dropped.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bootstrap.display()));
        Self { child, api, log, _log_dir: log_dir }
    }

    pub fn runtime_api_address(&self) -> String {
        self.api.address()
    }

    /// Delivers `event` and waits for the function's answer, failing as soon as the process
    /// ends or reports an init error.
    pub async fn invoke(&mut self, event: Value) -> Answer {
        let mut answered = self.api.send(event, DEADLINE);
        let give_up = Instant::now() + ANSWERED_WITHIN;
        loop {
            tokio::select! {
                answer = &mut answered => return answer.expect("the Runtime API keeps its senders"),
                () = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the function exited with {status}\n{}", self.log_tail());
            }
            if let Some(error) = self.api.init_error() {
                panic!("the function failed to start: {error}\n{}", self.log_tail());
            }
            assert!(Instant::now() < give_up, "no answer within {ANSWERED_WITHIN:?}\n{}", self.log_tail());
        }
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read(&self.log).unwrap_or_default();
        let start = text.len().saturating_sub(LOG_TAIL_BYTES);
        format!(
            "--- the function's output, last {} bytes ---\n{}",
            text.len() - start,
            String::from_utf8_lossy(&text[start..])
        )
    }
}

impl Drop for Lambda {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        }
        let _ = self.child.wait();
    }
}
