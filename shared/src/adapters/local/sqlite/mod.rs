//! The embedded store: one SQLite file behind `JobStore`, `ExecutionStore`, `VideoStore` and
//! `AuditLog`.
//!
//! Times are kept as integer milliseconds since the epoch so that they sort in indexes and
//! compare exactly; anything finer than a millisecond is dropped on the way in.
//!
//! One writer connection serialises writes (SQLite allows one writer anyway, and a single
//! connection lets `BEGIN IMMEDIATE` never wait on ourselves); a few reader connections serve
//! reads in parallel from WAL snapshots, so a long write never stalls a `GET`.

mod audit;
mod checkpointer;
mod codec;
mod execution_row;
mod executions;
mod fires;
mod job_cache;
mod job_row;
mod jobs;
mod paging;
mod pool;
mod schema;
mod video_row;
mod videos;
mod writer;

#[cfg(test)]
mod bench;
#[cfg(test)]
mod bench_videos;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::ports::{StoreError, StoreResult};
use checkpointer::Checkpointer;
use codec::db_err;
use job_cache::JobCache;
use pool::Pool;

/// Readers beyond the core count only queue on the CPU; four covers the 2-core target with
/// room for a reader that waits on the disk.
const READERS: usize = 4;
/// Long enough to ride out a checkpoint or another process's write, short enough that a stuck
/// lock surfaces as an error rather than a hung request.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Every statement the adapter runs, with room for the filter combinations of the listings.
const STATEMENT_CACHE: usize = 96;

/// SQLite-backed `JobStore`, `ExecutionStore`, `VideoStore` and `AuditLog`. Cheap to clone: clones share the connections.
#[derive(Clone)]
pub struct SqliteStore {
    pool: Arc<Pool>,
    jobs_by_id: Arc<JobCache>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> StoreResult<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Backend(format!("creating {}: {e}", parent.display())))?;
        }
        let mut writer = Connection::open(path).map_err(db_err)?;
        configure(&writer, true)?;
        schema::migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let conn = Connection::open_with_flags(path, flags).map_err(db_err)?;
                configure(&conn, false)?;
                Ok(conn)
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let checkpointer = Checkpointer::start(path, BUSY_TIMEOUT)?;
        Ok(Self::over(Pool::new(writer, readers, Some(checkpointer))?))
    }

    /// A private database that lives as long as the store. It has a single connection, because
    /// separate in-memory connections would each see their own empty database.
    pub fn open_in_memory() -> StoreResult<Self> {
        let mut conn = Connection::open_in_memory().map_err(db_err)?;
        configure(&conn, false)?;
        schema::migrate(&mut conn)?;
        Ok(Self::over(Pool::new(conn, Vec::new(), None)?))
    }

    fn over(pool: Pool) -> Self {
        Self { pool: Arc::new(pool), jobs_by_id: Arc::default() }
    }
}

fn configure(conn: &Connection, writer: bool) -> StoreResult<()> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db_err)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    if writer {
        // The journal mode is stored in the file, so only the connection that may write sets it.
        let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)).map_err(db_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!("could not switch to WAL (journal mode is {mode})")));
        }
        // In WAL mode NORMAL loses at most the last transactions on power loss, never integrity.
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(db_err)?;
        // The checkpointer copies the WAL back; the writer itself only if that falls far behind.
        conn.pragma_update(None, "wal_autocheckpoint", checkpointer::WRITER_BACKSTOP_PAGES).map_err(db_err)?;
    }
    conn.pragma_update(None, "foreign_keys", "ON").map_err(db_err)?;
    conn.pragma_update(None, "temp_store", "MEMORY").map_err(db_err)?;
    Ok(())
}
