//! Seed 000's clips: the video files under `clips/`, each with the run that cut it and what that
//! run measured, listed and deleted one by one or all at once.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::clip_name::ClipName;
use crate::domain::execution::Execution;
use crate::domain::ids::{ExecutionId, JobId};
use crate::domain::object_key::ObjectKey;
use crate::ports::{ExecutionFilter, ExecutionStore, MAX_PAGE, ObjectInfo, ObjectStore, PageRequest};

use super::error::{AppError, AppResult};
use super::scrape_runs::{ObjectLink, object_link};
use super::stored_files::{object_failure, video_files_under};

pub const CLIPS_PREFIX: &str = "clips/";

/// One stored clip.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredClip {
    pub key: ObjectKey,
    pub filename: String,
    /// The folder it is filed under: the source video's id, or its file's name.
    pub video_id: String,
    pub size: u64,
    pub stored_at: Option<DateTime<Utc>>,
    /// The job whose run cut it, while that run is recorded.
    pub job_id: Option<JobId>,
    /// Seconds, as the run measured the clip.
    pub duration: Option<f64>,
}

/// What a delete of every clip did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClipsDeleted {
    pub deleted: u64,
    /// The clips that stayed, by file name, with why.
    pub errors: Vec<(String, String)>,
}

#[derive(Clone)]
pub struct ClipLibrary {
    objects: Arc<dyn ObjectStore>,
    executions: Arc<dyn ExecutionStore>,
}

pub fn clip_not_found() -> AppError {
    AppError::NotFound("Clip not found".to_owned())
}

impl ClipLibrary {
    pub fn new(objects: Arc<dyn ObjectStore>, executions: Arc<dyn ExecutionStore>) -> Self {
        Self { objects, executions }
    }

    /// Every clip, in key order, each run read once for all of its clips.
    pub async fn list(&self) -> AppResult<Vec<StoredClip>> {
        let files = self.files().await?;
        let mut runs: HashMap<ExecutionId, Option<Execution>> = HashMap::new();
        let mut clips = Vec::with_capacity(files.len());
        for file in files {
            let run = match run_of(&file.key) {
                Some(id) => {
                    if let std::collections::hash_map::Entry::Vacant(slot) = runs.entry(id) {
                        slot.insert(self.executions.get_execution(id).await?);
                    }
                    runs.get(&id).and_then(Option::as_ref)
                }
                None => None,
            };
            clips.push(describe(file, run));
        }
        Ok(clips)
    }

    /// Deletes the clip with this file name: found through the run that cut it, or by looking.
    pub async fn delete(&self, name: &ClipName) -> AppResult<()> {
        let key = self.find(name).await?.ok_or_else(clip_not_found)?;
        let report = self.objects.delete_many(std::slice::from_ref(&key)).await.map_err(object_failure)?;
        match report.failed.first() {
            None => Ok(()),
            Some((_, why)) => Err(AppError::Internal(format!("cannot delete {key}: {why}"))),
        }
    }

    /// Deletes every clip file, a page of keys at a time.
    pub async fn delete_all(&self) -> AppResult<ClipsDeleted> {
        let keys: Vec<ObjectKey> = self.files().await?.into_iter().map(|f| f.key).collect();
        let mut outcome = ClipsDeleted::default();
        for batch in keys.chunks(MAX_PAGE as usize) {
            let report = self.objects.delete_many(batch).await.map_err(object_failure)?;
            outcome.deleted += report.deleted.len() as u64;
            outcome.errors.extend(report.failed.into_iter().map(|(key, why)| (file_name(&key).to_owned(), why)));
        }
        Ok(outcome)
    }

    /// Deletes the files of every clip the job's recorded runs cut; what is not under `clips/`
    /// is no clip and stays. Returns how many went.
    pub async fn delete_job_files(&self, job_id: &JobId) -> AppResult<u64> {
        let filter = ExecutionFilter::of_job(job_id.clone());
        let mut keys = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.executions.walk_executions(&filter, &PageRequest { offset: 0, limit: 100, cursor }).await?;
            for run in &page.items {
                keys.extend(
                    clip_entries(run)
                        .filter_map(|c| c["key"].as_str())
                        .filter_map(|k| ObjectKey::parse(k).ok())
                        .filter(|k| k.as_str().starts_with(CLIPS_PREFIX)),
                );
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut deleted = 0;
        for batch in keys.chunks(MAX_PAGE as usize) {
            let report = self.objects.delete_many(batch).await.map_err(object_failure)?;
            if let Some((key, why)) = report.failed.first() {
                return Err(AppError::Internal(format!("cannot delete {key}: {why}")));
            }
            deleted += report.deleted.len() as u64;
        }
        Ok(deleted)
    }

    pub async fn link(&self, key: &ObjectKey) -> AppResult<ObjectLink> {
        object_link(self.objects.as_ref(), key).await
    }

    async fn find(&self, name: &ClipName) -> AppResult<Option<ObjectKey>> {
        let named = |key: &ObjectKey| file_name(key) == name.as_str();
        if let Some(id) = run_id_in(name.as_str())
            && let Some(run) = self.executions.get_execution(id).await?
        {
            let recorded = clip_entries(&run).filter_map(|c| c["key"].as_str()).find_map(|k| ObjectKey::parse(k).ok());
            if let Some(key) = recorded.filter(|k| named(k) && k.as_str().starts_with(CLIPS_PREFIX))
                && self.objects.head(&key).await.map_err(object_failure)?.is_some()
            {
                return Ok(Some(key));
            }
        }
        Ok(self.files().await?.into_iter().map(|f| f.key).find(named))
    }

    /// Every video file under the clips prefix.
    async fn files(&self) -> AppResult<Vec<ObjectInfo>> {
        video_files_under(self.objects.as_ref(), CLIPS_PREFIX).await
    }
}

fn describe(file: ObjectInfo, run: Option<&Execution>) -> StoredClip {
    let recorded = run.and_then(|r| clip_entries(r).find(|c| c["key"].as_str() == Some(file.key.as_str())));
    let segments: Vec<&str> = file.key.segments().collect();
    // `clips/<folder>/<file>`; a file straight under `clips/` is filed under no video.
    let folder = if segments.len() > 2 { segments[1].to_owned() } else { String::new() };
    StoredClip {
        filename: file_name(&file.key).to_owned(),
        video_id: folder,
        size: file.size,
        stored_at: file.last_modified,
        job_id: run.map(|r| r.job_id.clone()),
        duration: recorded.and_then(|c| c["measured_duration"].as_f64()),
        key: file.key,
    }
}

/// The clips a clip run recorded in its result.
fn clip_entries(run: &Execution) -> impl Iterator<Item = &Value> {
    run.result.as_ref().and_then(|r| r["clips"].as_array()).into_iter().flatten()
}

fn file_name(key: &ObjectKey) -> &str {
    key.segments().last().unwrap_or_default()
}

/// The run a clip's key names: clip runs file clips as `<run id>-<n>.<ext>`.
fn run_of(key: &ObjectKey) -> Option<ExecutionId> {
    run_id_in(file_name(key))
}

fn run_id_in(name: &str) -> Option<ExecutionId> {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let (id, _) = stem.rsplit_once('-')?;
    ExecutionId::parse(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clips_run_is_read_from_its_name() {
        let id = ExecutionId::generate();
        assert_eq!(run_id_in(&format!("{id}-001.mp4")), Some(id));
        assert_eq!(run_id_in("talk-001.mp4"), None);
        assert_eq!(run_id_in("clip.mp4"), None);
    }
}
