//! A video's row: the columns `schema::V3` and `schema::V6` declare, from and to `adapters::video_record`.

use rusqlite::{Row, ToSql};

use super::codec::{corrupt, execution_id, int, uint};
use crate::adapters::video_record::{StoredVideo, VideoRecord};
use crate::domain::video::{Video, VideoId};
use crate::ports::{StoreError, StoreResult};

/// What a listing or a read by id selects, qualified: listings join `video_tags AS t`.
pub(super) const VIDEO_COLUMNS: &str = "v.id, v.platform, v.platform_id, v.mode, v.value, v.job_id, v.run_id, \
     v.author, v.status, v.file_size, v.created_at, v.updated_at, v.version, v.body, v.pinned";

/// What an insert writes, in `VideoValues::params` order.
pub(super) const INSERT_COLUMNS: &str = "id, platform, platform_id, mode, value, job_id, run_id, author, status, \
     file_size, created_at, updated_at, tombstoned_at, version, body, pinned";

/// A video as bound to statements.
pub(super) struct VideoValues {
    pub record: VideoRecord,
    id: [u8; 16],
    run_id: [u8; 16],
    file_size: Option<i64>,
    version: i64,
}

impl VideoValues {
    pub fn new(video: &Video) -> StoreResult<Self> {
        let record = VideoRecord::new(video).map_err(StoreError::Backend)?;
        Ok(Self {
            id: video.id.as_uuid().into_bytes(),
            run_id: record.run_id.as_uuid().into_bytes(),
            file_size: record.file_size.map(int).transpose()?,
            version: int(record.version)?,
            record,
        })
    }

    pub fn id(&self) -> &[u8; 16] {
        &self.id
    }

    /// `?1`..`?16` follow `INSERT_COLUMNS`.
    pub fn params(&self) -> [&dyn ToSql; 16] {
        let r = &self.record;
        [
            &self.id,
            &r.platform,
            &r.platform_id,
            &r.mode,
            &r.value,
            &r.job_id,
            &self.run_id,
            &r.author,
            &r.status,
            &self.file_size,
            &r.created_ms,
            &r.updated_ms,
            &r.tombstoned_ms,
            &self.version,
            &r.body,
            &r.pinned,
        ]
    }
}

pub(super) fn id_bytes(id: VideoId) -> [u8; 16] {
    id.as_uuid().into_bytes()
}

/// A row read with `VIDEO_COLUMNS`.
pub(super) struct VideoRow {
    id: Vec<u8>,
    platform: String,
    platform_id: String,
    mode: String,
    value: String,
    job_id: String,
    run_id: Vec<u8>,
    author: Option<String>,
    status: String,
    file_size: Option<i64>,
    created_at: i64,
    updated_at: i64,
    version: i64,
    body: String,
    pinned: bool,
}

impl VideoRow {
    pub fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            platform: row.get(1)?,
            platform_id: row.get(2)?,
            mode: row.get(3)?,
            value: row.get(4)?,
            job_id: row.get(5)?,
            run_id: row.get(6)?,
            author: row.get(7)?,
            status: row.get(8)?,
            file_size: row.get(9)?,
            created_at: row.get(10)?,
            updated_at: row.get(11)?,
            version: row.get(12)?,
            body: row.get(13)?,
            pinned: row.get(14)?,
        })
    }

    pub fn decode(self) -> StoreResult<Video> {
        let id = VideoId::from_uuid(uuid::Uuid::from_slice(&self.id).map_err(corrupt)?);
        StoredVideo {
            id,
            platform: &self.platform,
            platform_id: &self.platform_id,
            mode: &self.mode,
            value: &self.value,
            job_id: &self.job_id,
            run_id: execution_id(&self.run_id)?,
            author: self.author.as_deref(),
            status: &self.status,
            file_size: self.file_size.map(uint).transpose()?,
            created_ms: self.created_at,
            updated_ms: self.updated_at,
            pinned: self.pinned,
            version: uint(self.version)?,
            body: &self.body,
        }
        .decode()
        .map_err(corrupt)
    }
}
