//! WAL checkpoints on a thread of their own, so that no write waits for one.
//!
//! SQLite checkpoints inside the commit that takes the WAL past `wal_autocheckpoint` pages, and
//! with `synchronous=NORMAL` that checkpoint is the only place a write waits for the disk: it syncs
//! the WAL and then the database file. Under a steady 100 fires a second that was one commit in
//! every 150 taking 10 to 20 ms, and the scheduler's next claim, queued behind it on the one
//! writer connection, started its scripts that much late. Here the writer's own threshold is
//! raised to a backstop, and a connection of the checkpointer's copies the WAL back in `PASSIVE`
//! mode, which takes no write lock: commits go on while it syncs.
//!
//! When the store closes, the writer empties the WAL ([`Checkpointer::finish`]). SQLite would do
//! so itself only as the last connection closes, and the checkpointer's own connection outlived
//! the writer's; a WAL left full was read whole by the next start to rebuild its index, 23 ms of
//! the 33 to reach the first answer with 100,000 jobs in the store.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use super::codec::db_err;
use crate::ports::{StoreError, StoreResult};

/// The writer's own threshold, in pages: reached only when the checkpointer cannot keep up (a
/// reader holding an old snapshot for long), so that the WAL stays bounded even then.
pub(super) const WRITER_BACKSTOP_PAGES: i64 = 16_000;
/// How long the checkpointer rests after a checkpoint, so that the writes of a busy moment share
/// one instead of each paying for two syncs.
const REST: Duration = Duration::from_millis(100);

/// Asks the checkpointer thread for a checkpoint; the thread ends when this is finished or dropped.
pub(super) struct Checkpointer {
    /// Taken when finished or dropped, which ends the thread.
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    pub(super) fn start(path: &Path, busy_timeout: Duration) -> StoreResult<Self> {
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(db_err)?;
        conn.busy_timeout(busy_timeout).map_err(db_err)?;
        let (nudge, nudged) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".to_owned())
            .spawn(move || checkpoint_when_nudged(&conn, &nudged, REST))
            .map_err(|e| StoreError::Backend(format!("starting the checkpoint thread: {e}")))?;
        Ok(Self { nudge: Some(nudge), thread: Some(thread) })
    }

    /// Says that a write committed. Never blocks: a nudge already waiting covers this one.
    pub(super) fn nudge(&self) {
        // Full: a nudge is already waiting. Disconnected: only if the thread panicked, and then the
        // writer's backstop still bounds the WAL.
        if let Some(nudge) = &self.nudge {
            let _ = nudge.try_send(());
        }
    }

    /// Called by the writer once the last write is done: ends the thread, closing its connection,
    /// and copies the whole WAL back with the writer's, leaving the file empty for the next start.
    pub(super) fn finish(mut self, writer: &Connection) {
        self.stop();
        if let Err(err) = writer.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
            tracing::warn!(error = %err, "the WAL was not emptied at close; the next start reads it first");
        }
    }

    fn stop(&mut self) {
        self.nudge.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Checkpoints after each nudge, resting between two, until every sender is gone.
fn checkpoint_when_nudged(conn: &Connection, nudged: &Receiver<()>, rest: Duration) {
    let mut nudged_while_resting = false;
    loop {
        if !nudged_while_resting && nudged.recv().is_err() {
            return;
        }
        if let Err(err) = checkpoint(conn) {
            tracing::warn!(error = %err, "a WAL checkpoint failed; the next write asks again");
        }
        match rest_after_checkpoint(nudged, rest) {
            Some(nudged) => nudged_while_resting = nudged,
            None => return,
        }
    }
}

/// Waits out the rest, noting whether a write asked for a checkpoint meanwhile; None as soon as
/// every sender is gone, so that closing the store does not wait for the rest to end.
fn rest_after_checkpoint(nudged: &Receiver<()>, rest: Duration) -> Option<bool> {
    let until = Instant::now() + rest;
    let mut asked = false;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Some(asked);
        }
        match nudged.recv_timeout(left) {
            Ok(()) => asked = true,
            Err(RecvTimeoutError::Timeout) => return Some(asked),
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

/// Copies what it can of the WAL into the database file: frames a reader still sees stay for
/// the next time.
fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn wal_database(dir: &tempfile::TempDir) -> (std::path::PathBuf, Connection) {
        let path = dir.path().join("wal.sqlite");
        let writer = Connection::open(&path).expect("open");
        // The store's own settings for its writer, so that these tests follow them.
        super::super::configure(&writer, true).expect("configure");
        writer.execute_batch("CREATE TABLE t (v BLOB)").expect("table");
        (path, writer)
    }

    fn write_pages(writer: &Connection, rows: usize) {
        for _ in 0..rows {
            writer.execute("INSERT INTO t VALUES (zeroblob(4000))", []).expect("insert");
        }
    }

    /// Pages in the database file itself: only a checkpoint moves rows there from the WAL.
    fn database_pages(path: &Path) -> u64 {
        std::fs::metadata(path).expect("database file").len() / 4096
    }

    #[test]
    fn the_writer_does_not_checkpoint_past_the_usual_threshold() {
        let dir = tempfile::tempdir().expect("dir");
        let (path, writer) = wal_database(&dir);
        write_pages(&writer, 1_500);
        let pages = database_pages(&path);
        assert!(pages < 100, "the writer checkpointed on its own: {pages} pages in the database file");
    }

    #[test]
    fn a_nudge_copies_the_wal_back_and_the_thread_ends_with_its_senders() {
        let dir = tempfile::tempdir().expect("dir");
        let (path, writer) = wal_database(&dir);
        let checkpointer = Checkpointer::start(&path, Duration::from_secs(5)).expect("start");
        write_pages(&writer, 1_500);
        checkpointer.nudge();
        let deadline = Instant::now() + Duration::from_secs(30);
        while database_pages(&path) < 1_500 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(database_pages(&path) >= 1_500, "the checkpointer did not copy the WAL back");

        let conn = Connection::open(&path).expect("open");
        let (nudge, nudged) = sync_channel(1);
        let thread = std::thread::spawn(move || checkpoint_when_nudged(&conn, &nudged, Duration::ZERO));
        nudge.send(()).expect("nudge");
        drop(nudge);
        thread.join().expect("the thread ends once its senders are gone");
    }

    #[test]
    fn the_thread_ends_in_its_rest_once_its_senders_are_gone() {
        let dir = tempfile::tempdir().expect("dir");
        let (path, _writer) = wal_database(&dir);
        let conn = Connection::open(&path).expect("open");
        let (nudge, nudged) = sync_channel(1);
        let (ended, has_ended) = sync_channel(1);
        std::thread::spawn(move || {
            checkpoint_when_nudged(&conn, &nudged, Duration::from_secs(3600));
            let _ = ended.send(());
        });
        // The nudge is taken before the disconnection is seen, so the thread is in its rest.
        nudge.send(()).expect("nudge");
        drop(nudge);
        assert!(has_ended.recv_timeout(Duration::from_secs(60)).is_ok(), "the thread slept out its rest");
    }

    #[test]
    fn a_rest_notes_the_writes_that_asked_during_it() {
        let (nudge, nudged) = sync_channel(1);
        assert_eq!(rest_after_checkpoint(&nudged, Duration::from_millis(1)), Some(false));
        nudge.send(()).expect("nudge");
        assert_eq!(rest_after_checkpoint(&nudged, Duration::from_millis(1)), Some(true));
        assert_eq!(rest_after_checkpoint(&nudged, Duration::from_millis(1)), Some(false));
        drop(nudge);
        assert_eq!(rest_after_checkpoint(&nudged, Duration::from_secs(3600)), None);
    }

    #[test]
    fn finishing_empties_the_wal_into_the_database() {
        let dir = tempfile::tempdir().expect("dir");
        let (path, writer) = wal_database(&dir);
        let checkpointer = Checkpointer::start(&path, Duration::from_secs(5)).expect("start");
        write_pages(&writer, 200);
        checkpointer.finish(&writer);
        assert!(database_pages(&path) >= 200, "the rows are in the database file");
        let wal = std::fs::metadata(dir.path().join("wal.sqlite-wal")).expect("wal").len();
        assert_eq!(wal, 0, "the WAL still holds {wal} bytes");
    }
}
