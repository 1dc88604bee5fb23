//! A video's item and its tag items. The item holds what keys, filters, counts and the version
//! check read as attributes of their own, and the rest as the JSON body both stores share
//! (`adapters::video_record`). A deleted video keeps its item without `listed`, which takes it
//! out of every listing index at once (they are sparse on it), and loses its tag items.

use serde::{Deserialize, Serialize};

use super::errors::corrupt;
use super::expr::{Item, key, s};
use super::video_keys::{
    TAG_MODE, VIDEO_SK, VIDEOS_BY_HASHTAG, VIDEOS_PARTITION, tag_sk, tags_text, video_order, video_pk,
};
use crate::adapters::video_record::{StoredVideo, VideoRecord};
use crate::domain::ids::ExecutionId;
use crate::domain::video::{Video, VideoId};
use crate::ports::{StoreError, StoreResult};

#[derive(Serialize, Deserialize)]
pub(super) struct VideoItem {
    pk: String,
    sk: String,
    videos_pk: String,
    /// Only while listed: the sort key of every listing index but the job's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    listed: Option<String>,
    found: String,
    id: String,
    platform: String,
    platform_id: String,
    video_mode: String,
    video_value: String,
    video_job: String,
    video_run: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    video_author: Option<String>,
    video_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    video_tags: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file_size: Option<u64>,
    created_ms: i64,
    updated_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tombstoned_ms: Option<i64>,
    /// Only while pinned: an item without it, and every item written before pins, is unpinned.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pinned: bool,
    version: u64,
    body: String,
}

pub(super) fn video_key(id: VideoId) -> Item {
    key(video_pk(id), VIDEO_SK)
}

pub(super) fn tag_key(id: VideoId, tag: &str) -> Item {
    key(video_pk(id), &tag_sk(tag))
}

impl VideoItem {
    pub fn new(r: &VideoRecord) -> Self {
        let order = video_order(r.created_ms, r.id);
        Self {
            pk: video_pk(r.id),
            sk: VIDEO_SK.to_owned(),
            videos_pk: VIDEOS_PARTITION.to_owned(),
            listed: r.tombstoned_ms.is_none().then(|| order.clone()),
            found: order,
            id: r.id.to_string(),
            platform: r.platform.clone(),
            platform_id: r.platform_id.clone(),
            video_mode: r.mode.to_owned(),
            video_value: r.value.clone(),
            video_job: r.job_id.clone(),
            video_run: r.run_id.to_string(),
            video_author: r.author.clone(),
            video_status: r.status.to_owned(),
            video_tags: tags_text(&r.hashtags),
            file_size: r.file_size,
            created_ms: r.created_ms,
            updated_ms: r.updated_ms,
            tombstoned_ms: r.tombstoned_ms,
            pinned: r.pinned,
            version: r.version,
            body: r.body.clone(),
        }
    }

    pub fn into_attrs(self) -> StoreResult<Item> {
        serde_dynamo::aws_sdk_dynamodb_1::to_item(self).map_err(|e| StoreError::Backend(format!("encoding video: {e}")))
    }

    pub fn decode(item: Item) -> StoreResult<Video> {
        let row: Self =
            serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(|e| corrupt(format!("video: {e}")))?;
        let id = VideoId::parse(&row.id).ok_or_else(|| corrupt(format!("video id {:?}", row.id)))?;
        let run_id = ExecutionId::parse(&row.video_run).ok_or_else(|| corrupt(format!("video {id}: run id")))?;
        StoredVideo {
            id,
            platform: &row.platform,
            platform_id: &row.platform_id,
            mode: &row.video_mode,
            value: &row.video_value,
            job_id: &row.video_job,
            run_id,
            author: row.video_author.as_deref(),
            status: &row.video_status,
            file_size: row.file_size,
            created_ms: row.created_ms,
            updated_ms: row.updated_ms,
            pinned: row.pinned,
            version: row.version,
            body: &row.body,
        }
        .decode()
        .map_err(corrupt)
    }
}

/// One hashtag of a listed video: its entry in `videos_by_hashtag`, with the video's mode (fixed
/// at insert) so that a tag-and-mode filter needs nothing else.
pub(super) fn tag_item(r: &VideoRecord, tag: &str) -> Item {
    let mut item = tag_key(r.id, tag);
    item.insert(VIDEOS_BY_HASHTAG.pk.to_owned(), s(tag));
    item.insert(VIDEOS_BY_HASHTAG.sk.to_owned(), s(video_order(r.created_ms, r.id)));
    item.insert(TAG_MODE.to_owned(), s(r.mode));
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::aws::dynamo::keys::{EXECUTIONS_BY_STATUS, JOBS_BY_CREATED};
    use crate::adapters::aws::dynamo::schema::INDEXES;
    use crate::adapters::aws::dynamo::video_keys::{VIDEOS_BY_JOB, VIDEOS_BY_MODE};
    use crate::domain::video::TombstoneCause;
    use crate::test_support::videos::{full_video, video};

    fn item(v: &Video) -> Item {
        VideoItem::new(&VideoRecord::new(v).unwrap()).into_attrs().unwrap()
    }

    /// The indexes whose both key attributes `item` holds.
    fn indexes_of(item: &Item) -> Vec<&'static str> {
        INDEXES
            .iter()
            .filter(|shape| item.contains_key(shape.index.pk) && item.contains_key(shape.index.sk))
            .map(|shape| shape.index.name)
            .collect()
    }

    #[test]
    fn a_video_round_trips_and_sits_in_its_indexes_only() {
        for v in [video("1"), full_video("2")] {
            let attrs = item(&v);
            assert_eq!(VideoItem::decode(attrs.clone()).unwrap(), v);
            let names = indexes_of(&attrs);
            assert!(names.iter().all(|n| n.starts_with("videos_by_") && *n != "videos_by_hashtag"), "{names:?}");
            assert!(!names.contains(&EXECUTIONS_BY_STATUS.name) && !names.contains(&JOBS_BY_CREATED.name));
        }
        assert_eq!(indexes_of(&item(&full_video("3"))).len(), 7, "every video index but the hashtag one");
        assert_eq!(indexes_of(&item(&video("4"))).len(), 6, "no author, no author index");
    }

    #[test]
    fn a_deleted_video_stays_only_in_its_jobs_index() {
        let v = full_video("1");
        let gone = v.tombstone(TombstoneCause::User, v.updated_at).unwrap();
        let attrs = item(&gone);
        assert_eq!(indexes_of(&attrs), [VIDEOS_BY_JOB.name]);
        assert_eq!(VideoItem::decode(attrs).unwrap(), gone);
    }

    #[test]
    fn pinned_is_an_attribute_only_while_set() {
        let plain = item(&full_video("1"));
        assert!(!plain.contains_key("pinned"), "absent reads as unpinned");
        let pinned = Video { pinned: true, ..full_video("1") };
        let attrs = item(&pinned);
        assert_eq!(attrs.get("pinned"), Some(&aws_sdk_dynamodb::types::AttributeValue::Bool(true)));
        assert_eq!(VideoItem::decode(attrs).unwrap(), pinned);
    }

    #[test]
    fn a_tag_item_sits_in_the_hashtag_index_only() {
        let record = VideoRecord::new(&full_video("1")).unwrap();
        let tag = tag_item(&record, "funny");
        assert_eq!(indexes_of(&tag), [VIDEOS_BY_HASHTAG.name]);
        assert!(!tag.contains_key(VIDEOS_BY_MODE.pk), "its mode has a name of its own");
    }
}
