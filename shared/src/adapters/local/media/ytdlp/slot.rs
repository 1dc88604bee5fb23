//! Download slots: a long-lived Python process per download running at once, which imports
//! yt-dlp once and runs each download through yt-dlp's own `main` with the argv a process of its
//! own would get (`slot_worker.py`). Importing yt-dlp costs about a quarter of a second of CPU,
//! as much as a whole video may take over yt-dlp by hand; a process per video paid it each time.
//!
//! A worker is one download's child while it runs: a cancel, a dropped future or a worker that
//! stops answering kills its process group, as a download's own process would be, and the next
//! download starts another. Where yt-dlp is not a Python script with a `#!` line (a frozen
//! binary build), or its worker does not come up, each download runs its own process instead.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio_util::sync::CancellationToken;

use super::process::{Finished, GroupGuard, isolated};

const WORKER: &str = include_str!("slot_worker.py");
/// A worker left without a request this long exits by itself: a server between runs keeps no
/// Python processes around.
const IDLE_EXIT: Duration = Duration::from_secs(30);
/// An idle worker is handed a download only this soon after its last one, well before it exits.
const REUSE_WITHIN: Duration = Duration::from_secs(20);
/// A worker that has not imported yt-dlp by then is taken for broken.
const START_LIMIT: Duration = Duration::from_secs(60);
/// Downloads a worker takes before it is replaced: whatever yt-dlp keeps from one download to
/// the next (caches, a leak) stays bounded, for one import per this many videos.
const RECYCLE_AFTER: usize = 100;
/// A reply carries at most 256 KiB of stderr (escaped in JSON) and the few paths yt-dlp printed.
const REPLY_LIMIT: u64 = 8 * 1024 * 1024;

/// The program and optional argument of a script's `#!` line, as the kernel would run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Interpreter {
    program: PathBuf,
    arg: Option<String>,
}

/// The Python interpreter that runs `head`'s script, if its `#!` line names one: directly
/// (`#!/venv/bin/python3`, pip's console scripts) or through env (`#!/usr/bin/env python3`).
pub(super) fn python_interpreter(head: &[u8]) -> Option<Interpreter> {
    let line = head.strip_prefix(b"#!")?;
    let line = std::str::from_utf8(&line[..line.iter().position(|b| *b == b'\n')?]).ok()?.trim();
    let (program, arg) = match line.split_once([' ', '\t']) {
        Some((program, arg)) => (program, Some(arg.trim()).filter(|a| !a.is_empty())),
        None => (line, None),
    };
    let name = |path: &str| Path::new(path).file_name().and_then(|n| n.to_str()).map(str::to_owned);
    let python = match (name(program)?.as_str(), arg) {
        // env runs its one argument: the interpreter's name, unless it is an option such as -S.
        ("env", Some(arg)) => name(arg).filter(|_| !arg.contains(char::is_whitespace) && !arg.starts_with('-'))?,
        (own, _) => own.to_owned(),
    };
    python.starts_with("python").then(|| Interpreter { program: PathBuf::from(program), arg: arg.map(str::to_owned) })
}

#[derive(Deserialize)]
struct Ready {
    ready: bool,
    #[serde(default)]
    error: String,
}

#[derive(Deserialize)]
struct Reply {
    code: i32,
    stdout: String,
    stderr: String,
}

/// One worker: its process group, the pipe its requests go down and the one its replies come up.
struct Worker {
    child: Child,
    group: GroupGuard,
    requests: ChildStdin,
    replies: BufReader<ChildStdout>,
    idle_since: Instant,
    served: usize,
}

impl Worker {
    async fn send(&mut self, request: &[u8]) -> std::io::Result<()> {
        self.requests.write_all(request).await?;
        self.requests.flush().await
    }

    /// The next line, which must be one JSON object of type `T`.
    async fn receive<T: for<'de> Deserialize<'de>>(&mut self) -> Result<T, String> {
        let mut line = Vec::new();
        let read = (&mut self.replies).take(REPLY_LIMIT).read_until(b'\n', &mut line).await;
        match read {
            Ok(0) => Err("it exited".to_owned()),
            Ok(_) if line.last() != Some(&b'\n') => Err("its reply was cut short".to_owned()),
            Ok(_) => serde_json::from_slice(&line).map_err(|err| format!("its reply does not parse: {err}")),
            Err(err) => Err(format!("its reply cannot be read: {err}")),
        }
    }

    /// Kills the whole group (yt-dlp's own children too) and reaps the worker.
    async fn stop(mut self) {
        self.group.kill();
        let _ = self.child.wait().await;
        self.group.kill_and_disarm();
    }
}

/// How a download through a slot went.
pub(super) struct Ran {
    pub finished: Finished,
    /// What yt-dlp printed on stdout, line by line.
    pub printed: Vec<String>,
}

/// The idle workers of one source, and what it knows about starting them.
pub(super) struct Slots {
    /// yt-dlp's interpreter, once yt-dlp's first bytes have been read; None inside when yt-dlp
    /// cannot host a worker.
    interpreter: OnceLock<Option<Interpreter>>,
    idle: Mutex<Vec<Worker>>,
    /// Set once a worker would not come up: downloads run their own process from then on.
    unusable: AtomicBool,
    started: AtomicUsize,
    recycle_after: usize,
}

impl Default for Slots {
    fn default() -> Self {
        Self::recycling_after(RECYCLE_AFTER)
    }
}

/// What a slot needs to start a worker, as a download's own process would be started.
pub(super) struct Launch<'a> {
    /// The configured yt-dlp.
    pub ytdlp: &'a Path,
    pub env: &'a [(String, String)],
    /// Where an idle worker waits: an existing directory.
    pub home: &'a Path,
}

impl Slots {
    /// Slots whose workers are replaced after `downloads` downloads each.
    pub(super) fn recycling_after(downloads: usize) -> Self {
        Self {
            interpreter: OnceLock::new(),
            idle: Mutex::new(Vec::new()),
            unusable: AtomicBool::new(false),
            started: AtomicUsize::new(0),
            recycle_after: downloads.max(1),
        }
    }

    /// Runs one download through a worker: None when no worker can take it, and the caller
    /// runs yt-dlp as a process of its own.
    pub(super) async fn download(
        &self,
        launch: &Launch<'_>,
        argv: &[OsString],
        cwd: &Path,
        cancel: &CancellationToken,
    ) -> Option<Ran> {
        if self.unusable.load(Ordering::Relaxed) {
            return None;
        }
        let request = request_line(argv, cwd)?;
        let interpreter = self.interpreter(launch.ytdlp)?;
        let mut worker = loop {
            let (mut worker, fresh) = match self.take_idle() {
                Some(worker) => (worker, false),
                None => match self.start(&interpreter, launch, cancel).await {
                    Ok(Some(worker)) => (worker, true),
                    Ok(None) => return Some(cancelled()),
                    Err(reason) => {
                        tracing::warn!(%reason, ytdlp = %launch.ytdlp.display(), "yt-dlp's download worker did not start; every download runs its own yt-dlp");
                        self.unusable.store(true, Ordering::Relaxed);
                        return None;
                    }
                },
            };
            match worker.send(&request).await {
                Ok(()) => break worker,
                // An idle worker that has gone since (killed from outside, say): another.
                Err(_) if !fresh => worker.stop().await,
                Err(err) => {
                    tracing::warn!(error = %err, "yt-dlp's download worker took no request; this download runs its own yt-dlp");
                    worker.stop().await;
                    return None;
                }
            }
        };
        let reply = tokio::select! {
            reply = worker.receive::<Reply>() => Some(reply),
            () = cancel.cancelled() => None,
        };
        match reply {
            None => {
                worker.stop().await;
                Some(cancelled())
            }
            Some(Ok(reply)) => {
                worker.idle_since = Instant::now();
                worker.served += 1;
                if worker.served < self.recycle_after {
                    self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(worker);
                } else {
                    worker.stop().await;
                }
                let printed = reply.stdout.lines().map(str::to_owned).collect();
                Some(Ran {
                    finished: Finished { code: Some(reply.code), stderr: reply.stderr, cancelled: false },
                    printed,
                })
            }
            Some(Err(reason)) => {
                worker.stop().await;
                let stderr = format!("yt-dlp's download worker stopped without answering: {reason}");
                Some(Ran { finished: Finished { code: None, stderr, cancelled: false }, printed: Vec::new() })
            }
        }
    }

    /// Workers started so far.
    #[cfg(test)]
    pub(super) fn started(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    /// No worker has failed to start.
    #[cfg(test)]
    pub(super) fn usable(&self) -> bool {
        !self.unusable.load(Ordering::Relaxed)
    }

    /// yt-dlp's interpreter, read from its first line once it can be read: a yt-dlp installed
    /// after the server started is found then.
    fn interpreter(&self, ytdlp: &Path) -> Option<Interpreter> {
        if let Some(known) = self.interpreter.get() {
            return known.clone();
        }
        let mut head = [0_u8; 256];
        let read = std::fs::File::open(ytdlp).and_then(|mut file| std::io::Read::read(&mut file, &mut head)).ok()?;
        self.interpreter.get_or_init(|| python_interpreter(&head[..read])).clone()
    }

    /// A worker that finished its last download recently enough; older ones are stopped.
    fn take_idle(&self) -> Option<Worker> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        // Dropping a worker kills its group; tokio reaps it.
        idle.retain(|worker| worker.idle_since.elapsed() < REUSE_WITHIN);
        idle.pop()
    }

    /// A new worker once it has imported yt-dlp; None when cancelled first.
    async fn start(
        &self,
        interpreter: &Interpreter,
        launch: &Launch<'_>,
        cancel: &CancellationToken,
    ) -> Result<Option<Worker>, String> {
        let mut child = isolated(&interpreter.program, launch.env, launch.home)
            .args(&interpreter.arg)
            .arg("-c")
            .arg(WORKER)
            .arg(launch.ytdlp)
            .arg(IDLE_EXIT.as_secs().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // It writes nothing there: every download's stderr comes back in its reply.
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| format!("cannot start {}: {err}", interpreter.program.display()))?;
        let group = GroupGuard::new(child.id());
        let (Some(requests), Some(replies)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("its pipes were not opened".to_owned());
        };
        let mut worker =
            Worker { child, group, requests, replies: BufReader::new(replies), idle_since: Instant::now(), served: 0 };
        self.started.fetch_add(1, Ordering::Relaxed);
        let ready = tokio::select! {
            ready = tokio::time::timeout(START_LIMIT, worker.receive::<Ready>()) => ready,
            () = cancel.cancelled() => {
                worker.stop().await;
                return Ok(None);
            }
        };
        let failure = match ready {
            Ok(Ok(ready)) if ready.ready => return Ok(Some(worker)),
            Ok(Ok(ready)) => ready.error,
            Ok(Err(reason)) => reason,
            Err(_) => format!("it did not import yt-dlp within {START_LIMIT:?}"),
        };
        worker.stop().await;
        Err(failure)
    }
}

fn cancelled() -> Ran {
    Ran { finished: Finished { code: None, stderr: String::new(), cancelled: true }, printed: Vec::new() }
}

/// The request for a download as one JSON line; None when an argument or the directory is not
/// UTF-8, which JSON cannot carry as it is (that download runs its own process).
fn request_line(argv: &[OsString], cwd: &Path) -> Option<Vec<u8>> {
    let argv: Vec<&str> = argv.iter().map(|arg| arg.to_str()).collect::<Option<_>>()?;
    let request = serde_json::json!({ "argv": argv, "cwd": cwd.to_str()? });
    let mut line = serde_json::to_vec(&request).ok()?;
    line.push(b'\n');
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(head: &str) -> Option<(String, Option<String>)> {
        python_interpreter(head.as_bytes()).map(|i| (i.program.display().to_string(), i.arg))
    }

    #[test]
    fn a_python_launcher_names_its_interpreter() {
        let own = |p: &str| Some((p.to_owned(), None));
        assert_eq!(parsed("#!/srv/venv/bin/python3\n# -*- coding: utf-8 -*-\n"), own("/srv/venv/bin/python3"));
        assert_eq!(parsed("#!/usr/bin/python3.11\n"), own("/usr/bin/python3.11"));
        assert_eq!(
            parsed("#! /usr/bin/env python3 \nimport sys\n"),
            Some(("/usr/bin/env".to_owned(), Some("python3".to_owned())))
        );
        assert_eq!(parsed("#!/usr/bin/python3 -u\n"), Some(("/usr/bin/python3".to_owned(), Some("-u".to_owned()))));
    }

    #[test]
    fn anything_else_runs_as_its_own_process() {
        for head in [
            "\x7fELF\x02\x01\x01",
            "#!/bin/sh\n'''exec' \"/long/venv/bin/python3\" \"$0\" \"$@\"\n' '''\n",
            "#!/usr/bin/env -S python3 -E\n",
            "#!/usr/bin/env\n",
            "#!/usr/bin/env bash\n",
            "no shebang\n",
        ] {
            assert_eq!(parsed(head), None, "{head:?}");
        }
    }

    #[test]
    fn a_request_is_one_json_line_or_nothing() {
        let argv = [OsString::from("--paths"), OsString::from("/d/ü")];
        let line = request_line(&argv, Path::new("/d/ü")).unwrap();
        assert_eq!(line.last(), Some(&b'\n'));
        assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1);
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value, serde_json::json!({"argv": ["--paths", "/d/ü"], "cwd": "/d/ü"}));

        use std::os::unix::ffi::OsStringExt;
        let not_utf8 = [OsString::from_vec(vec![0x66, 0xff])];
        assert_eq!(request_line(&not_utf8, Path::new("/d")), None);
    }
}
