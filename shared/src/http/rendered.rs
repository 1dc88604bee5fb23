//! A job's answer written once and sent again while the store still hands out that very job.
//!
//! The detail of `GET /api/job/{job_id}` depends on the job alone, and making it (the view's
//! owned strings, then the JSON) was about a tenth of a get that found the job in the store's
//! cache. A store that keeps jobs in memory hands out the same `Arc` until a write replaces it
//! (`JobStore::get_job_shared`), so a body made from that `Arc` is right for as long as the
//! store returns it. An entry holds its `Arc`, so no other job can be given its address while
//! the entry is there and a pointer comparison cannot be fooled.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;

use crate::domain::job::Job;

/// As many as the SQLite store keeps (`job_cache.rs`): beyond that its reads are fresh `Arc`s
/// that could not match anyway.
const CAPACITY: usize = 1_024;

/// Bodies by job id, each with the job it was written from.
#[derive(Default)]
pub struct RenderedJobs {
    entries: Mutex<HashMap<String, Rendered>>,
}

struct Rendered {
    job: Arc<Job>,
    body: Bytes,
}

impl RenderedJobs {
    /// The body for `job`: the one written before if `job` is the very job it was written from,
    /// else `write`'s, kept for the next time when the store keeps `job` too.
    pub fn body<E>(&self, job: &Arc<Job>, write: impl FnOnce(&Job) -> Result<Bytes, E>) -> Result<Bytes, E> {
        if let Some(body) = self.kept(job) {
            return Ok(body);
        }
        let body = write(job)?;
        // The only holder: the store kept no copy and will read anew, so this can never match.
        if Arc::strong_count(job) > 1 {
            self.keep(job, &body);
        }
        Ok(body)
    }

    fn kept(&self, job: &Arc<Job>) -> Option<Bytes> {
        let entries = self.entries.lock().ok()?;
        let rendered = entries.get(job.id.as_str())?;
        Arc::ptr_eq(&rendered.job, job).then(|| rendered.body.clone())
    }

    fn keep(&self, job: &Arc<Job>, body: &Bytes) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(job.id.as_str().to_owned(), Rendered { job: Arc::clone(job), body: body.clone() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fixtures::{job, t0};
    use std::cell::Cell;

    fn counting<'a>(writes: &'a Cell<u32>) -> impl Fn(&Job) -> Result<Bytes, ()> + 'a {
        move |job: &Job| {
            writes.set(writes.get() + 1);
            Ok(Bytes::from(format!("{}@{}", job.id, job.version)))
        }
    }

    #[test]
    fn the_same_kept_job_is_written_once() {
        let (rendered, writes) = (RenderedJobs::default(), Cell::new(0));
        let stored = Arc::new(job("a", t0()));
        let store_copy = Arc::clone(&stored);
        for _ in 0..3 {
            assert_eq!(rendered.body(&store_copy, counting(&writes)), Ok(Bytes::from("a@1")));
        }
        assert_eq!(writes.get(), 1);
    }

    #[test]
    fn a_job_read_anew_is_written_anew() {
        let (rendered, writes) = (RenderedJobs::default(), Cell::new(0));
        let before = Arc::new(job("a", t0()));
        let _held_by_store = Arc::clone(&before);
        rendered.body(&before, counting(&writes)).unwrap();
        let mut changed = job("a", t0());
        changed.version = 2;
        let after = Arc::new(changed);
        let _held_too = Arc::clone(&after);
        assert_eq!(rendered.body(&after, counting(&writes)), Ok(Bytes::from("a@2")));
        assert_eq!(rendered.body(&after, counting(&writes)), Ok(Bytes::from("a@2")));
        assert_eq!(writes.get(), 2);
    }

    #[test]
    fn a_job_no_store_keeps_is_not_kept_here_either() {
        let (rendered, writes) = (RenderedJobs::default(), Cell::new(0));
        for _ in 0..2 {
            let fresh = Arc::new(job("a", t0()));
            rendered.body(&fresh, counting(&writes)).unwrap();
        }
        assert_eq!(writes.get(), 2);
        assert!(rendered.entries.lock().unwrap().is_empty());
    }

    #[test]
    fn a_failed_write_keeps_nothing_and_stays_bounded_otherwise() {
        let rendered = RenderedJobs::default();
        let stored = Arc::new(job("a", t0()));
        let _held = Arc::clone(&stored);
        assert_eq!(rendered.body(&stored, |_| Err("no")), Err("no"));
        assert!(rendered.entries.lock().unwrap().is_empty());
        let store: Vec<Arc<Job>> = (0..=CAPACITY).map(|n| Arc::new(job(&format!("job-{n}"), t0()))).collect();
        for stored in store.clone() {
            rendered.body(&stored, |_| Ok::<_, ()>(Bytes::from_static(b"{}"))).unwrap();
        }
        let entries = rendered.entries.lock().unwrap();
        assert!((1..=CAPACITY).contains(&entries.len()), "{} kept", entries.len());
        assert!(entries.contains_key(&format!("job-{CAPACITY}")), "the newest is kept");
    }
}
