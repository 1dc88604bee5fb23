//! `VideoStore`: a video is one item keyed by its id, which is derived from its platform and
//! platform id, so `attribute_not_exists` on that key is what keeps a video once. Its hashtags
//! are small items beside it while it is listed. Reads and writes by id are single strongly
//! consistent requests; listings are in `video_listing`.

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};

use super::DynamoStore;
use super::errors::{backend, build_err, retry_conflicts};
use super::expr::{Expr, Item, n, number, text};
use super::keys::PK;
use super::query::{Kind, Listing};
use super::video_item::{VideoItem, tag_item, tag_key, video_key};
use super::video_keys::{FILE_SIZE, LISTED, TAGS, VERSION, VIDEOS_BY_JOB, parse_video_pk, tags_of};
use super::video_listing::by_status;
use crate::adapters::video_record::{VideoRecord, as_stored, taken, underived};
use crate::domain::ids::JobId;
use crate::domain::video::{Video, VideoId, VideoStatus};
use crate::ports::{Page, PageRequest, StoreError, StoreResult, Upserted, VideoCounts, VideoFilter, VideoStore};

/// Rounds for an insert that lost to a concurrent one whose video was then removed.
const UPSERT_ROUNDS: u32 = 3;

fn record(video: &Video) -> StoreResult<VideoRecord> {
    VideoRecord::new(video).map_err(StoreError::Backend)
}

impl DynamoStore {
    async fn read_video(&self, id: VideoId) -> StoreResult<Option<Video>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(video_key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("get video", e))?;
        out.item.map(VideoItem::decode).transpose()
    }

    fn put_action(&self, item: Item, condition: Option<(String, Expr)>) -> StoreResult<TransactWriteItem> {
        let (condition, expr) = condition.unzip();
        let expr = expr.unwrap_or_default();
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .build()
            .map_err(build_err)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn delete_action(&self, key: Item) -> StoreResult<TransactWriteItem> {
        let delete = Delete::builder().table_name(&self.table).set_key(Some(key)).build().map_err(build_err)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// Writes the video item under `condition` and its tag items in one request: a PutItem when
    /// there are no tag items to write, a transaction otherwise. `false` when the condition
    /// failed, and then nothing was written.
    async fn write_video(
        &self,
        item: Item,
        condition: (String, Expr),
        tags: Vec<TransactWriteItem>,
        what: &str,
    ) -> StoreResult<bool> {
        if tags.is_empty() {
            let (condition, expr) = condition;
            let sent = retry_conflicts(|| {
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item.clone()))
                    .condition_expression(&condition)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .send()
            })
            .await;
            return match sent {
                Ok(_) => Ok(true),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
                Err(e) => Err(backend(what, e)),
            };
        }
        let mut actions = vec![self.put_action(item, Some(condition))?];
        actions.extend(tags);
        // Only the video's put has a condition, so any failed condition is its.
        Ok(self.transact(what, actions).await?.is_ok())
    }
}

#[async_trait]
impl VideoStore for DynamoStore {
    async fn upsert_video(&self, video: &Video) -> StoreResult<Upserted> {
        if !video.has_derived_id() {
            return Err(StoreError::Backend(underived(video)));
        }
        let record = record(video)?;
        let item = VideoItem::new(&record).into_attrs()?;
        let tags = record.listed_hashtags().iter().map(|t| self.put_action(tag_item(&record, t), None));
        let tags = tags.collect::<StoreResult<Vec<_>>>()?;
        for _ in 0..UPSERT_ROUNDS {
            let mut expr = Expr::default();
            let absent = format!("attribute_not_exists({})", expr.name(PK));
            if self.write_video(item.clone(), (absent, expr), tags.clone(), "insert video").await? {
                return Ok(Upserted::Inserted(as_stored(video.clone())));
            }
            if let Some(existing) = self.read_video(video.id).await? {
                if existing.platform != video.platform || existing.platform_id != video.platform_id {
                    return Err(StoreError::Backend(taken(video)));
                }
                return Ok(Upserted::Existing(existing));
            }
        }
        Err(StoreError::Backend(format!("video {} kept appearing and vanishing while it was inserted", video.id)))
    }

    async fn get_video(&self, id: VideoId) -> StoreResult<Option<Video>> {
        self.read_video(id).await
    }

    /// Reads the stored video first: its version says `Conflict` without writing, and its tags
    /// say which tag items to add and remove. The write is conditional on that version, so a
    /// writer in between still makes it fail.
    async fn update_video(&self, video: &Video, expected_version: u64) -> StoreResult<()> {
        let Some(stored) = self.read_video(video.id).await? else { return Err(StoreError::NotFound) };
        if stored.version != expected_version {
            return Err(StoreError::Conflict);
        }
        let old = record(&stored)?;
        let new = record(&video.clone().with_identity_of(&stored))?;
        let held: BTreeSet<&String> = old.listed_hashtags().iter().collect();
        let wanted: BTreeSet<&String> = new.listed_hashtags().iter().collect();
        let mut tags = Vec::new();
        for gone in held.difference(&wanted) {
            tags.push(self.delete_action(tag_key(new.id, gone))?);
        }
        for added in wanted.difference(&held) {
            tags.push(self.put_action(tag_item(&new, added), None)?);
        }
        let mut expr = Expr::default();
        let condition = format!("{} = {}", expr.name(VERSION), expr.value("expected", n(expected_version)));
        let item = VideoItem::new(&new).into_attrs()?;
        if self.write_video(item, (condition, expr), tags, "update video").await? {
            return Ok(());
        }
        Err(if self.read_video(video.id).await?.is_some() { StoreError::Conflict } else { StoreError::NotFound })
    }

    async fn list_videos(&self, filter: &VideoFilter, page: &PageRequest) -> StoreResult<Page<Video>> {
        self.list(filter, page).await
    }

    /// From the job's index, which keeps deleted videos too: each video's item, and the tag
    /// items of the listed ones (named by the index entry's `video_tags`), in batches.
    async fn delete_job_videos(&self, job_id: &JobId) -> StoreResult<u64> {
        let listing =
            Listing::new(&VIDEOS_BY_JOB, Kind::Videos, job_id.to_string(), true, Vec::new(), Expr::default(), false);
        let mut doomed = Vec::new();
        let mut deleted = 0;
        for entry in self.collect(&listing, &[PK, LISTED, TAGS]).await? {
            let Some(id) = text(&entry, PK).and_then(parse_video_pk) else { continue };
            doomed.push(video_key(id));
            if entry.contains_key(LISTED) {
                doomed.extend(text(&entry, TAGS).into_iter().flat_map(tags_of).map(|t| tag_key(id, t)));
            }
            deleted += 1;
        }
        self.batch_delete(doomed).await?;
        Ok(deleted)
    }

    /// One COUNT per status partition, sent together; the uploaded partition is read instead,
    /// for its entries' `file_size`.
    async fn count_videos(&self) -> StoreResult<VideoCounts> {
        use VideoStatus::*;
        let listings = [Pending, Downloading, Downloaded, Uploading, Failed, Uploaded].map(by_status);
        let [pending, downloading, downloaded, uploading, failed, uploaded_listing] = &listings;
        let (pending, downloading, downloaded, uploading, failed, uploaded) = tokio::try_join!(
            self.count(pending),
            self.count(downloading),
            self.count(downloaded),
            self.count(uploading),
            self.count(failed),
            self.collect(uploaded_listing, &[FILE_SIZE]),
        )?;
        let mut counts = VideoCounts::default();
        for (status, count) in [
            (Pending, pending),
            (Downloading, downloading),
            (Downloaded, downloaded),
            (Uploading, uploading),
            (Failed, failed),
            (Uploaded, uploaded.len() as u64),
        ] {
            counts.set(status, count);
        }
        counts.uploaded_bytes = uploaded.iter().filter_map(|e| number::<u64>(e, FILE_SIZE)).sum();
        Ok(counts)
    }
}
