//! Acceptance tests: the real `jobsmith` binary, started per test on a free loopback port with
//! its own data and script directories, driven over HTTP as the seeds' clients drive it.

mod auth;
mod aws_backend;
mod browsers;
mod cleanup_003;
mod clip_jobs;
mod errors;
mod health_002;
mod jobs_002;
mod media_tools;
mod openapi;
mod rate_limit_002;
mod restart;
mod retention;
mod scheduled_002;
mod scheduler_004;
mod scrape_002;
mod script_env;
mod scripts_001;
mod support;
mod videos_002;
mod ws_002;
