//! Pure types and rules: no AWS, no HTTP.

pub mod audit;
pub mod cleanup;
pub mod clip_name;
pub mod execution;
pub mod ids;
pub mod job;
pub mod object_key;
pub mod principal;
pub mod record_budget;
pub mod retention;
pub mod scrape_url;
pub mod script_path;
pub mod task;
pub mod trigger;
pub mod video;
