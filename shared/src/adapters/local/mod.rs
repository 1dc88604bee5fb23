//! The embedded default: SQLite, a folder, an in-process scheduler, scripts as child processes.

mod app;
mod clip_task;
mod data_dir_lock;
pub mod free_space;
mod health;
pub mod media;
mod media_tasks;
pub mod objects;
mod orphans;
mod runner;
pub mod scheduler;
mod scrape_task;
pub mod script;
pub mod sqlite;

pub use app::{LocalApp, LocalConfig, StartError};
pub use clip_task::{ClipRuns, ClipStores, PageAccess};
pub use data_dir_lock::{LOCK_FILE, LockError};
pub use health::{LocalHealth, ToolCheck};
pub use media_tasks::MediaTasks;
pub use runner::LocalTaskRunner;
pub use scrape_task::{ScrapeConfig, ScrapeRuns, ScrapeStores};
