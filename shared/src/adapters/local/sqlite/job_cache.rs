//! Jobs read by id, kept until the next write.
//!
//! A `GET` of a job spent a third of its time in SQLite and in decoding the row's JSON
//! definition; the same job read again between writes decodes to the same value. The cache
//! holds the jobs of one write generation ([`super::pool::Pool::generation`]), which every write
//! through the store's one writer connection ends by moving on: any write empties it, whatever
//! it touched, so no write path has to know about it. Another process writing the file is kept
//! out by the data directory's lock.
//!
//! A reader takes the generation before it reads. If a write lands in between, its entry
//! carries the older generation and is refused, so an entry never holds what a committed write
//! replaced.
//!
//! Entries are shared, not copied out: the same `Arc` comes back for every read between two
//! writes, which is what lets a caller keep what it made of a job until the job is read anew
//! (`http::rendered`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::job::Job;

/// Enough for the jobs a dashboard or a polling client reads; bounded so that a walk through
/// every job by id cannot grow memory with the store.
const CAPACITY: usize = 1_024;

#[derive(Default)]
pub(super) struct JobCache {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    generation: u64,
    jobs: HashMap<String, Arc<Job>>,
}

impl Entries {
    /// Moves on to `generation` when it is newer; whether the entries now belong to it.
    fn at(&mut self, generation: u64) -> bool {
        if self.generation < generation {
            self.generation = generation;
            self.jobs.clear();
        }
        self.generation == generation
    }
}

impl JobCache {
    /// The job as read in `generation`, if it was read then and nothing was written since.
    pub(super) fn get(&self, id: &str, generation: u64) -> Option<Arc<Job>> {
        let mut entries = self.entries.lock().ok()?;
        if !entries.at(generation) {
            return None;
        }
        entries.jobs.get(id).cloned()
    }

    /// Keeps `job`, read in `generation`, unless a write has moved the cache past it.
    pub(super) fn put(&self, job: &Arc<Job>, generation: u64) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if !entries.at(generation) {
            return;
        }
        if entries.jobs.len() >= CAPACITY {
            entries.jobs.clear();
        }
        entries.jobs.insert(job.id.as_str().to_owned(), Arc::clone(job));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fixtures::{job, t0};

    #[test]
    fn a_job_is_kept_for_its_generation_only() {
        let cache = JobCache::default();
        let kept = Arc::new(job("a", t0()));
        cache.put(&kept, 3);
        let read = cache.get("a", 3).expect("kept");
        assert!(Arc::ptr_eq(&read, &kept), "the kept job itself, not a copy");
        assert!(cache.get("b", 3).is_none());
        assert!(cache.get("a", 4).is_none(), "a write since the read empties the cache");
        assert!(cache.get("a", 3).is_none(), "and what was kept before it stays gone");
    }

    #[test]
    fn a_read_that_a_write_overtook_is_not_kept() {
        let cache = JobCache::default();
        assert!(cache.get("a", 5).is_none());
        // Read in generation 4, put after a reader of generation 5 had moved the cache on.
        cache.put(&Arc::new(job("a", t0())), 4);
        assert!(cache.get("a", 5).is_none());
        assert!(cache.get("a", 4).is_none());
    }

    #[test]
    fn a_full_cache_starts_again_instead_of_growing() {
        let cache = JobCache::default();
        for n in 0..CAPACITY + 1 {
            cache.put(&Arc::new(job(&format!("job-{n}"), t0())), 1);
        }
        let kept = (0..=CAPACITY).filter(|n| cache.get(&format!("job-{n}"), 1).is_some()).count();
        assert!((1..=CAPACITY).contains(&kept), "{kept} kept");
        assert!(cache.get(&format!("job-{CAPACITY}"), 1).is_some(), "the newest is kept");
    }
}
