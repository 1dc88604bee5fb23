//! Hands connections to blocking closures.
//!
//! SQLite calls block, so they stay off the async workers: a read can meet the disk, a write a
//! WAL checkpoint or a busy lock, and on two cores one stalled worker is half the server. Reads
//! run on tokio's blocking pool, writes on the writer's own thread ([`Writer`]). A point read by
//! key is the exception ([`Pool::read_by_key`]): a reader in WAL mode never waits on the writer,
//! the read is tens of microseconds, and the hand-off to a blocking thread and back (two futex
//! wake-ups) cost more than the read itself, a sixth of a `GET /api/job/{id}` in a profile.
//! Readers are waited for asynchronously (a semaphore), so that a burst of requests queues as
//! futures instead of parking hundreds of blocking threads on a lock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::checkpointer::Checkpointer;
use super::writer::Writer;
use crate::ports::{StoreError, StoreResult};

pub(super) struct Pool {
    writer: Writer,
    /// Empty for an in-memory database: reads then share the writer.
    readers: Arc<Readers>,
    /// Moves on after every write (see [`Pool::generation`]).
    writes: Arc<AtomicU64>,
}

struct Readers {
    count: usize,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Connection>>,
}

impl Pool {
    /// `checkpointer` is None for an in-memory database, which has no WAL.
    pub(super) fn new(
        writer: Connection,
        readers: Vec<Connection>,
        checkpointer: Option<Checkpointer>,
    ) -> StoreResult<Self> {
        let count = readers.len();
        let readers = Readers { count, permits: Arc::new(Semaphore::new(count)), idle: Mutex::new(readers) };
        let writes = Arc::<AtomicU64>::default();
        let writer = Writer::start(writer, writes.clone(), checkpointer)?;
        Ok(Self { writer, readers: Arc::new(readers), writes })
    }

    /// How many writes have finished. Read before a read, it tells a cache whether anything was
    /// written since: a write moves it on after its commit, before its caller hears of it.
    pub(super) fn generation(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    /// Runs `f` on a reader connection, or on the writer when there are no readers.
    pub(super) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if self.readers.count == 0 {
            return self.write(f).await;
        }
        let permit = self.readers.permits.clone().acquire_owned().await.map_err(|_| closed())?;
        let readers = self.readers.clone();
        run_blocking(move || {
            let _permit = permit;
            let mut lease = Lease::take(&readers)?;
            f(lease.conn()?)
        })
        .await
    }

    /// Runs `f`, a read of a few rows by key, on the calling worker when a reader is idle; on the
    /// blocking pool as [`Pool::read`] does otherwise (an in-memory database, every reader busy).
    pub(super) async fn read_by_key<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        // No readers (an in-memory database) means no permits, so that case falls through too.
        if let Ok(_permit) = self.readers.permits.try_acquire() {
            let mut lease = Lease::take(&self.readers)?;
            return f(lease.conn()?);
        }
        self.read(f).await
    }

    /// Runs `f` alone on the one writer connection.
    pub(super) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.writer.write(f).await
    }

    /// Runs `f`, a single statement, on the writer connection in one transaction with the
    /// grouped writes queued beside it (see [`Writer::write_grouped`]).
    pub(super) async fn write_grouped<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.writer.write_grouped(f).await
    }
}

async fn run_blocking<T, F>(f: F) -> StoreResult<T>
where
    F: FnOnce() -> StoreResult<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| StoreError::Backend(format!("sqlite task failed: {e}")))?
}

/// A reader taken from the idle list; it goes back when dropped, even when `f` panics.
struct Lease<'a> {
    readers: &'a Readers,
    conn: Option<Connection>,
}

impl<'a> Lease<'a> {
    fn take(readers: &'a Readers) -> StoreResult<Self> {
        let conn = readers.idle.lock().map_err(|_| poisoned())?.pop();
        Ok(Self { readers, conn })
    }

    fn conn(&mut self) -> StoreResult<&mut Connection> {
        // A permit guarantees an idle reader, unless one was lost to a poisoned list.
        self.conn.as_mut().ok_or_else(|| StoreError::Backend("no idle sqlite reader".to_owned()))
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let (Some(conn), Ok(mut idle)) = (self.conn.take(), self.readers.idle.lock()) {
            idle.push(conn);
        }
    }
}

fn poisoned() -> StoreError {
    StoreError::Backend("sqlite reader list lock poisoned".to_owned())
}

fn closed() -> StoreError {
    StoreError::Backend("sqlite reader pool closed".to_owned())
}

#[cfg(test)]
mod tests {
    use std::thread::{self, ThreadId};

    use super::*;

    fn pool_with_readers(dir: &tempfile::TempDir, readers: usize) -> Pool {
        let path = dir.path().join("pool.sqlite");
        let open = || Connection::open(&path).expect("open");
        let writer = open();
        writer.pragma_update(None, "journal_mode", "WAL").expect("wal");
        Pool::new(writer, (0..readers).map(|_| open()).collect(), None).expect("pool")
    }

    fn thread_of(_: &mut Connection) -> StoreResult<ThreadId> {
        Ok(thread::current().id())
    }

    #[tokio::test]
    async fn a_read_by_key_stays_on_the_calling_thread_when_a_reader_is_idle() {
        let dir = tempfile::tempdir().expect("dir");
        let pool = pool_with_readers(&dir, 2);
        assert_eq!(pool.read_by_key(thread_of).await.expect("read"), thread::current().id());
        assert_ne!(pool.read(thread_of).await.expect("read"), thread::current().id());
    }

    #[tokio::test]
    async fn a_read_by_key_waits_its_turn_when_every_reader_is_busy() {
        let dir = tempfile::tempdir().expect("dir");
        let pool = pool_with_readers(&dir, 1);
        let held = pool.readers.permits.clone().try_acquire_owned().expect("the one reader");
        let waiting = pool.read_by_key(thread_of);
        tokio::pin!(waiting);
        assert!(futures_util::poll!(&mut waiting).is_pending());
        drop(held);
        assert_ne!(waiting.await.expect("read"), thread::current().id());
    }

    #[tokio::test]
    async fn without_readers_a_read_by_key_uses_the_writer() {
        let pool = Pool::new(Connection::open_in_memory().expect("memory"), Vec::new(), None).expect("pool");
        let mode: String = pool
            .read_by_key(|conn| {
                conn.query_row("PRAGMA journal_mode", [], |row| row.get(0))
                    .map_err(|e| StoreError::Backend(e.to_string()))
            })
            .await
            .expect("read");
        assert_eq!(mode, "memory");
    }
}
