//! The one writer connection, on a thread of its own, with group commit.
//!
//! Writes queue on a channel and the thread runs them in order. A run's records are written as
//! it ends, so a burst of runs ending together queued one commit each, and a commit rewrote the
//! same few index pages the one before it had just written (the executions' status and finish
//! indexes), each time to the WAL: in a profile of 1,000 scripts due at one instant, a third of
//! the server's CPU went to these commits while the scripts still waiting to start needed it.
//! Writes that are one statement each ([`Writer::write_grouped`]) now share a transaction with
//! the grouped writes queued behind them, and the pages they share are written once.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::checkpointer::Checkpointer;
use super::codec::db_err;
use crate::ports::{StoreError, StoreResult};

/// A bound on one group's transaction, so that a long queue still commits as it goes.
const GROUP_LIMIT: usize = 256;

/// Hands the answer to the caller; called once the write's transaction is over.
type Reply = Box<dyn FnOnce() + Send>;
/// Hands the answer to the caller, given how the group's commit went.
type GroupReply = Box<dyn FnOnce(StoreResult<()>) + Send>;
/// One statement; given an error instead of a connection when the group has no transaction.
type GroupedFn = Box<dyn FnOnce(StoreResult<&Connection>) -> GroupReply + Send>;

enum Job {
    /// May open its own transaction, so it runs alone.
    Alone(Box<dyn FnOnce(&mut Connection) -> Reply + Send>),
    Grouped(GroupedFn),
}

pub(super) struct Writer {
    /// Taken when dropped, which ends the thread once the queue is done.
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// `writes` moves on after every write or group, before its callers hear of it.
    pub(super) fn start(
        conn: Connection,
        writes: Arc<AtomicU64>,
        checkpointer: Option<Checkpointer>,
    ) -> StoreResult<Self> {
        let (jobs, queue) = channel();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".to_owned())
            .spawn(move || run_queue(conn, &queue, &writes, checkpointer))
            .map_err(|e| StoreError::Backend(format!("starting the sqlite writer thread: {e}")))?;
        Ok(Self { jobs: Some(jobs), thread: Some(thread) })
    }

    /// Runs `f` alone on the writer connection. Queued at the call, not at the first poll.
    pub(super) fn write<T, F>(&self, f: F) -> impl Future<Output = StoreResult<T>> + Send + use<T, F>
    where
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let sent = self.send(Job::Alone(Box::new(move |conn| {
            let result = f(conn);
            Box::new(move || {
                // The caller may have stopped waiting; the write stands either way.
                let _ = answer.send(result);
            })
        })));
        answer_of(sent, answered)
    }

    /// Runs `f`, a single statement, in one transaction with the grouped writes queued beside
    /// it. A statement that fails is undone by SQLite alone and the others go on; a commit that
    /// fails fails them all. Queued at the call, not at the first poll.
    pub(super) fn write_grouped<T, F>(&self, f: F) -> impl Future<Output = StoreResult<T>> + Send + use<T, F>
    where
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let sent = self.send(Job::Grouped(Box::new(move |conn| {
            let result = conn.and_then(f);
            Box::new(move |commit: StoreResult<()>| {
                let _ = answer.send(commit.and(result));
            })
        })));
        answer_of(sent, answered)
    }

    fn send(&self, job: Job) -> StoreResult<()> {
        match &self.jobs {
            Some(jobs) => jobs.send(job).map_err(|_| lost()),
            None => Err(lost()),
        }
    }
}

impl Drop for Writer {
    /// Waits for the queue to be written and the WAL emptied, so that both are done before
    /// whoever dropped the store opens the file again, or the process exits.
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run_queue(mut conn: Connection, queue: &Receiver<Job>, writes: &AtomicU64, checkpointer: Option<Checkpointer>) {
    let mut next = None;
    loop {
        let job = match next.take() {
            Some(job) => job,
            None => match queue.recv() {
                Ok(job) => job,
                Err(_) => break,
            },
        };
        match job {
            Job::Alone(f) => {
                // A write that panics fails alone, its caller told so by its dropped reply, and
                // the thread goes on with the next: one bug must not stop every write after it.
                let reply = catch_unwind(AssertUnwindSafe(|| f(&mut conn)));
                writes.fetch_add(1, Ordering::Release);
                if let Ok(reply) = reply {
                    reply();
                }
            }
            Job::Grouped(first) => {
                let mut group = vec![first];
                next = gather(queue, &mut group);
                let (replies, commit) = run_group(&conn, group);
                writes.fetch_add(1, Ordering::Release);
                for reply in replies.into_iter().flatten() {
                    reply(commit.clone());
                }
            }
        }
        if let Some(checkpointer) = &checkpointer {
            checkpointer.nudge();
        }
    }
    if let Some(checkpointer) = checkpointer {
        checkpointer.finish(&conn);
    }
}

/// Takes the grouped writes already queued behind the first; returns the job that ended the
/// group, if one did, to be run next.
fn gather(queue: &Receiver<Job>, group: &mut Vec<GroupedFn>) -> Option<Job> {
    while group.len() < GROUP_LIMIT {
        match queue.try_recv() {
            Ok(Job::Grouped(f)) => group.push(f),
            Ok(alone) => return Some(alone),
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => return None,
        }
    }
    None
}

/// The replies of the writes that did not panic (see [`run_queue`]), and how the commit went.
fn run_group(conn: &Connection, group: Vec<GroupedFn>) -> (Vec<Option<GroupReply>>, StoreResult<()>) {
    let run = |f: GroupedFn, conn: StoreResult<&Connection>| catch_unwind(AssertUnwindSafe(|| f(conn))).ok();
    // Alone, a statement is its own transaction, as it was before grouping.
    if group.len() == 1 {
        return (group.into_iter().map(|f| run(f, Ok(conn))).collect(), Ok(()));
    }
    if let Err(err) = conn.execute_batch("BEGIN IMMEDIATE") {
        let err = db_err(err);
        return (group.into_iter().map(|f| run(f, Err(err.clone()))).collect(), Ok(()));
    }
    let replies = group
        .into_iter()
        .map(|f| {
            // Some errors (a full disk, an I/O error) roll the whole transaction back; the
            // statements after one must not then commit on their own, one by one.
            if conn.is_autocommit() { run(f, Err(rolled_back())) } else { run(f, Ok(conn)) }
        })
        .collect();
    let commit = if conn.is_autocommit() { Err(rolled_back()) } else { conn.execute_batch("COMMIT").map_err(db_err) };
    if commit.is_err() && !conn.is_autocommit() {
        // A commit that failed may leave the transaction open, holding the write lock. Should
        // the rollback fail too, the next group's BEGIN fails and says so to its callers.
        let _ = conn.execute_batch("ROLLBACK");
    }
    (replies, commit)
}

fn rolled_back() -> StoreError {
    StoreError::Backend("the group's transaction was rolled back".to_owned())
}

/// The caller's side of a queued write: its answer, once the writer gives it.
async fn answer_of<T>(sent: StoreResult<()>, answered: oneshot::Receiver<StoreResult<T>>) -> StoreResult<T> {
    sent?;
    answered.await.map_err(|_| lost())?
}

/// The write's answer never came: it panicked, or the writer thread is gone.
fn lost() -> StoreError {
    StoreError::Backend("the sqlite write gave no answer".to_owned())
}

#[cfg(test)]
mod tests;
