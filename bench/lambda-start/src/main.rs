//! Each Lambda function's cold start on this machine, as `bench/run.sh --only lambda` reports it:
//! from spawning the function's binary, as Lambda starts `bootstrap`, to its answer to the first
//! event arriving at the Runtime API. Every run is a fresh process; the figures are wall-clock
//! milliseconds, a median and a maximum over the runs.
//!
//!   bench-lambda-start [--bin-dir DIR] [--runs N] [--only NAME,NAME...]
//!
//! Each function gets what Lambda gives it: the variables template.yaml declares for it, valued
//! as `sam local` values them (infra/aws/local/env.json), aimed at a moto server on loopback that
//! infra/aws/local/setup.sh prepared, with fake credentials and `AWS_LAMBDA_RUNTIME_API` at a
//! Runtime API of this program's own; and its sample event from infra/aws/local/events (an
//! HttpApi event on one of its own routes, the authorizer's request, the executor's fire, the
//! sweep's and the redrive's). Invokes of the executor go to a stub that accepts them, as Lambda
//! does. The binaries are the host's (x86_64): Lambda runs arm64 builds, which cannot run here.
//! Both services are reached through relays that time their exchanges ([`service_time`]), so
//! that each run's figure splits into the time the function waited on them and its own.
//! Prints one JSON document on stdout; progress goes to stderr. Nothing leaves 127.0.0.1.

mod order;
mod run;
mod service_time;

use std::path::{Path, PathBuf};
use std::time::Duration;

use jobsmith::adapters::aws::app::vars::LAMBDA_ENDPOINT;
use jobsmith_tests::moto::MotoServer;
use jobsmith_tests::sam_local::{EnvVars, event, resolved, setup};
use jobsmith_tests::template::{Function, Node, functions, root, template};
use serde_json::{Value, json};
use service_time::{Exchanges, Relay};

const DEFAULT_RUNS: usize = 5;

struct Args {
    bin_dir: PathBuf,
    runs: usize,
    only: Option<Vec<String>>,
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "bench-lambda-start: {problem}\nusage: bench-lambda-start [--bin-dir DIR] [--runs N] [--only NAME,NAME...]"
    );
    std::process::exit(2)
}

fn args() -> Args {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"));
    let mut parsed = Args { bin_dir: target.join("debug"), runs: DEFAULT_RUNS, only: None };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage(&format!("{arg} needs a value")));
        match arg.as_str() {
            "--bin-dir" => parsed.bin_dir = PathBuf::from(value()),
            "--runs" => match value().parse() {
                Ok(runs) if (1..=50).contains(&runs) => parsed.runs = runs,
                _ => usage("--runs is a count from 1 to 50"),
            },
            "--only" => parsed.only = Some(value().split(',').map(str::to_owned).collect()),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    parsed
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    let template = template();
    let env = EnvVars::read();
    let mut functions = order::ordered(functions(&template));
    if let Some(only) = &args.only {
        if let Some(unknown) = only.iter().find(|name| !functions.iter().any(|f| &f.binary == *name)) {
            usage(&format!("{unknown} is no function of template.yaml"));
        }
        functions.retain(|f| only.contains(&f.binary));
    }
    for function in &functions {
        let path = args.bin_dir.join(&function.binary);
        if !path.is_file() {
            eprintln!("bench-lambda-start: {} is missing: cargo build --locked -p jobsmith-functions", path.display());
            std::process::exit(1);
        }
    }

    let moto = MotoServer::start().await;
    setup(moto.endpoint()).await;
    let invoke_stub = run::InvokeStub::start().await;
    let exchanges = Exchanges::default();
    let moto_relay = Relay::start(address_of(moto.endpoint()), exchanges.clone()).await;
    let invoke_relay = Relay::start(invoke_stub.address(), exchanges.clone()).await;
    let logs = tempfile::tempdir().unwrap_or_else(|e| panic!("a directory for the functions' output: {e}"));
    let measured = measure(
        &args,
        &functions,
        &Environment {
            template: &template,
            env: &env,
            moto: &moto_relay,
            invoke: &invoke_relay,
            exchanges: &exchanges,
        },
        logs.path(),
    )
    .await;
    // Stopped here rather than by exit, which would leave moto running.
    drop(invoke_relay);
    drop(moto_relay);
    drop(invoke_stub);
    drop(moto);
    let measured = match measured {
        Ok(measured) => measured,
        Err(problem) => {
            eprintln!("bench-lambda-start: {problem}");
            let _ = logs.keep();
            std::process::exit(1);
        }
    };
    let report = json!({
        "build": build_described(&args.bin_dir),
        "bin_dir": args.bin_dir.display().to_string(),
        "runs": args.runs,
        "timeout_ms": run::ANSWERED_WITHIN.as_millis() as u64,
        "functions": measured,
    });
    println!("{report:#}");
}

/// The build measured, by its profile's directory: the report is read on other machines, where
/// this one's paths mean nothing.
fn build_described(bin_dir: &Path) -> String {
    let profile = bin_dir.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let unoptimised = if profile == "debug" { ": unoptimised, so no faster than a release build" } else { "" };
    format!(
        "host {} binaries of the {profile} build{unoptimised}; Lambda runs the arm64 release build, which cannot run here",
        std::env::consts::ARCH
    )
}

struct Environment<'a> {
    template: &'a Node,
    env: &'a EnvVars,
    /// Moto and the invoke stub, each behind its relay.
    moto: &'a Relay,
    invoke: &'a Relay,
    exchanges: &'a Exchanges,
}

fn address_of(endpoint: &str) -> std::net::SocketAddr {
    let address = endpoint.trim_start_matches("http://");
    address.parse().unwrap_or_else(|e| panic!("moto's endpoint {endpoint} is no loopback address: {e}"))
}

async fn measure(args: &Args, functions: &[Function], on: &Environment<'_>, logs: &Path) -> Result<Vec<Value>, String> {
    let parameters = on.template.get("Parameters").ok_or("template.yaml has no Parameters")?;
    let mut measured = Vec::new();
    for function in functions {
        let mut vars = EnvVars::pointed_at(&resolved(function, on.env, parameters), &on.moto.endpoint());
        vars.insert(LAMBDA_ENDPOINT.to_owned(), on.invoke.endpoint());
        let setup = run::Setup {
            binary: args.bin_dir.join(&function.binary),
            name: function.binary.clone(),
            memory_mib: order::memory_size(on.template, &function.logical_id),
            vars,
            event: event(&function.binary),
            log: logs.join(format!("{}.log", function.binary)),
        };
        let mut runs = Vec::new();
        for _ in 0..args.runs {
            runs.push(
                run::once(&setup, on.exchanges).await.map_err(|problem| format!("{}: {problem}", function.binary))?,
            );
        }
        let summary = summary(&function.binary, &runs);
        eprintln!(
            "{:<26} median {:>6.1} ms  max {:>6.1} ms  own {:>6.1} ms  ({})",
            function.binary, summary["median_ms"], summary["max_ms"], summary["own_median_ms"], summary["answers"][0]
        );
        measured.push(summary);
    }
    Ok(measured)
}

fn summary(name: &str, runs: &[run::Run]) -> Value {
    let total: Vec<f64> = runs.iter().map(|r| millis(r.elapsed)).collect();
    let own: Vec<f64> = runs.iter().map(|r| millis(r.elapsed.saturating_sub(r.waiting))).collect();
    json!({
        "name": name,
        "median_ms": round(median(&total)),
        "max_ms": round(total.iter().copied().fold(0.0, f64::max)),
        "runs_ms": total.iter().map(|&ms| round(ms)).collect::<Vec<_>>(),
        // The run less its exchanges with moto and the invoke stub: what the function's own code,
        // start-up and connections took.
        "own_median_ms": round(median(&own)),
        "own_runs_ms": own.iter().map(|&ms| round(ms)).collect::<Vec<_>>(),
        "answers": runs.iter().map(|r| r.answer.clone()).collect::<Vec<_>>(),
    })
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 { sorted[middle] } else { (sorted[middle - 1] + sorted[middle]) / 2.0 }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn round(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}
