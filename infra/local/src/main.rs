//! `jobsmith`: the whole API, the scheduler and the store in one local process.

mod cli;

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use axum::ServiceExt;
use clap::Parser;
use jobsmith::adapters::local::{LocalApp, ToolCheck};
use jobsmith::domain::principal::generate_key;
use jobsmith::http::{Auth, RateLimit, for_local_server};

use cli::{Backend, Cli, Command, KeysCommand, ServeArgs};
use jobsmith::adapters::aws::app::{AwsApp, AwsConfig};

/// How long running scripts get to be killed and recorded when the server stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(*args),
        Command::Keys { command: KeysCommand::New { name, role } } => match generate_key(&name, role.into()) {
            Ok(new) => {
                println!("key:    {}", new.key);
                println!("config: {}", new.config_line);
                println!("Give the key to the client (X-API-Key header); add the config line to JOBSMITH_API_KEYS.");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("jobsmith: {err}");
                ExitCode::from(2)
            }
        },
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(args.log.clone()))
        .with_writer(std::io::stderr)
        .init();
    if let Err(err) = jobsmith::adapters::local::script::hide_own_environment() {
        tracing::warn!(error = %err, "scripts may be able to read the server's environment");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("jobsmith: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("jobsmith: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: ServeArgs) -> Result<(), String> {
    let config = args.local_config(|name| std::env::var(name).ok())?;
    let cors = args.cors_origins()?;
    let rate_limit = args.rate_limit(|name| std::env::var(name).ok())?;
    let open = config.keys.is_empty();
    let cleanup_line = config.cleanup.describe();
    if open && !args.bind.ip().is_loopback() {
        return Err(format!(
            "refusing to serve on {} with no API keys configured: set JOBSMITH_API_KEYS (see `jobsmith keys new`) or bind to a loopback address",
            args.bind
        ));
    }
    if open && !cors.is_empty() {
        return Err(concat!(
            "refusing to allow other sites (JOBSMITH_CORS_ORIGINS) with no API keys configured: open mode refuses ",
            "every other site; set JOBSMITH_API_KEYS (see `jobsmith keys new`) first"
        )
        .to_owned());
    }
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|err| format!("cannot listen on {}: {err}", args.bind))?;
    let address = listener.local_addr().map_err(|err| err.to_string())?;
    match args.backend {
        Backend::Local => {
            let app = LocalApp::open(config).map_err(|err| err.to_string())?;
            app.scheduler.start().await.map_err(|err| format!("cannot start the scheduler: {err}"))?;
            announce(open, address, &rate_limit, &cleanup_line);
            // In the background: yt-dlp takes a moment to answer, and nothing waits for it. The
            // answer stands for the health route too.
            let tools = app.tools.clone();
            tokio::spawn(async move { log_media_tools(&tools).await });
            let service = for_local_server(app.limited_router(rate_limit), &app.auth, address.port(), &cors);
            let served = axum::serve(listener, service.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(stop_signal())
                .await;
            app.scheduler.shutdown(SHUTDOWN_GRACE).await;
            served.map_err(|err| format!("server error: {err}"))
        }
        Backend::Aws => {
            let mut aws_config = AwsConfig::from_env(|name| std::env::var(name).ok()).map_err(|err| err.to_string())?;
            // The command line's own options win, as they do for the local backend.
            aws_config.script_roots = config.script_roots;
            aws_config.interpreters = config.interpreters;
            aws_config.misfire_grace = config.misfire_grace;
            aws_config.keys = config.keys.clone();
            aws_config.cleanup = config.cleanup;
            let app = AwsApp::load(aws_config).await.map_err(|err| err.to_string())?;
            app.warm_up().await.map_err(|err| format!("cannot reach DynamoDB: {err}"))?;
            announce(open, address, &rate_limit, &cleanup_line);
            let auth = Auth::new(config.keys);
            let service = for_local_server(app.limited_router(auth.clone(), rate_limit), &auth, address.port(), &cors);
            axum::serve(listener, service.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(stop_signal())
                .await
                .map_err(|err| format!("server error: {err}"))
        }
    }
}

/// Once, at start: which yt-dlp, ffmpeg and ffprobe scrape and clip runs will call. A missing one
/// is a warning: script jobs run without them.
async fn log_media_tools(tools: &ToolCheck) {
    for probe in tools.probes().await {
        let path = probe.path.display();
        match probe.version() {
            Some(version) => tracing::info!(tool = probe.tool, %path, version, "media tool found"),
            None => tracing::warn!(
                tool = probe.tool,
                %path,
                problem = %probe.status,
                "media tool unavailable: scrape and clip runs will fail until it is installed (infra/media.sh install) or configured"
            ),
        }
    }
}

fn announce(open: bool, address: SocketAddr, rate_limit: &RateLimit, cleanup_line: &str) {
    tracing::info!("{cleanup_line}");
    match rate_limit.limits() {
        Some(limits) => tracing::info!(
            per_minute = limits.per_minute.get(),
            burst = limits.burst.get(),
            "seed 002's routes are rate limited per caller"
        ),
        None => tracing::info!("seed 002's routes are not rate limited"),
    }
    if open {
        eprintln!("WARNING: no API keys are configured: every caller on this machine is an admin.");
        eprintln!("WARNING: this is allowed only on a loopback address; create keys with `jobsmith keys new`.");
        eprintln!(
            "Requests must be addressed to a loopback name with port {} and come from no other site.",
            address.port()
        );
    }
    println!("jobsmith listening on http://{address}");
    let _ = std::io::stdout().flush();
}

async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM; only SIGINT stops the server");
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("stopping");
}
