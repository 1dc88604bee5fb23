//! Listing videos: one index partition per listing, chosen by the filter that usually leaves
//! the fewest videos, with the other filters as a FilterExpression on the index entries (every
//! video index carries the attributes of the filters that can come with it). Pages then fetch
//! the videos themselves with one consistent BatchGetItem.
//!
//! The order is run, job, author, value, hashtag, status, mode. A hashtag with a status is the
//! exception: tag items do not carry the status (it changes five times in a video's life, and
//! each change would then rewrite every tag item), so that pair reads the status partition and
//! tests the hashtag there.

use super::DynamoStore;
use super::expr::{Expr, Item, s, text};
use super::keys::{Index, PK};
use super::query::{Kind, Listing};
use super::video_item::{VideoItem, video_key};
use super::video_keys::{
    AUTHOR, JOB, LISTED, MODE, STATUS, TAG_MODE, TAGS, VALUE, VIDEOS_BY_AUTHOR, VIDEOS_BY_CREATED, VIDEOS_BY_HASHTAG,
    VIDEOS_BY_JOB, VIDEOS_BY_MODE, VIDEOS_BY_RUN, VIDEOS_BY_STATUS, VIDEOS_BY_VALUE, VIDEOS_PARTITION, parse_video_pk,
    spaced,
};
use crate::domain::video::{Video, VideoStatus};
use crate::ports::{Page, PageRequest, StoreResult, VideoFilter};

/// Which index a listing reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Driver {
    Run,
    Job,
    Author,
    Value,
    Hashtag,
    Status,
    Mode,
    All,
}

impl Driver {
    pub fn of(f: &VideoFilter) -> Self {
        if f.run_id.is_some() {
            Self::Run
        } else if f.job_id.is_some() {
            Self::Job
        } else if f.author_username.is_some() {
            Self::Author
        } else if f.value.is_some() {
            Self::Value
        } else if f.hashtag.is_some() && f.status.is_none() {
            Self::Hashtag
        } else if f.status.is_some() {
            Self::Status
        } else if f.mode.is_some() {
            Self::Mode
        } else {
            Self::All
        }
    }

    pub fn index(self) -> &'static Index {
        match self {
            Self::Run => &VIDEOS_BY_RUN,
            Self::Job => &VIDEOS_BY_JOB,
            Self::Author => &VIDEOS_BY_AUTHOR,
            Self::Value => &VIDEOS_BY_VALUE,
            Self::Hashtag => &VIDEOS_BY_HASHTAG,
            Self::Status => &VIDEOS_BY_STATUS,
            Self::Mode => &VIDEOS_BY_MODE,
            Self::All => &VIDEOS_BY_CREATED,
        }
    }
}

/// The attributes a listing through `driver` tests for `f`, besides its key: each must be in
/// the index's projection, or DynamoDB reads it as absent and the filter drops every entry.
#[cfg(test)]
fn tested(driver: Driver, f: &VideoFilter) -> Vec<&'static str> {
    let mut attrs = Vec::new();
    let mut test = |on: bool, attr: &'static str, drives: Driver| {
        if on && driver != drives {
            attrs.push(attr);
        }
    };
    test(f.job_id.is_some(), JOB, Driver::Job);
    test(f.author_username.is_some(), AUTHOR, Driver::Author);
    test(f.value.is_some(), VALUE, Driver::Value);
    test(f.hashtag.is_some(), TAGS, Driver::Hashtag);
    test(f.status.is_some(), STATUS, Driver::Status);
    let mode = if driver == Driver::Hashtag { TAG_MODE } else { MODE };
    test(f.mode.is_some(), mode, Driver::Mode);
    if driver == Driver::Job {
        attrs.push(LISTED);
    }
    attrs
}

pub(super) fn listing(f: &VideoFilter) -> Listing {
    let driver = Driver::of(f);
    let mut expr = Expr::default();
    let mut filters = Vec::new();
    let mut equal = |on: Option<String>, attr: &'static str, name: &str, drives: Driver| {
        if let Some(value) = on.filter(|_| driver != drives) {
            filters.push(format!("{} = {}", expr.name(attr), expr.value(name, s(value))));
        }
    };
    equal(f.job_id.as_ref().map(ToString::to_string), JOB, "job", Driver::Job);
    equal(f.author_username.as_ref().map(ToString::to_string), AUTHOR, "author", Driver::Author);
    equal(f.value.as_ref().map(ToString::to_string), VALUE, "value", Driver::Value);
    equal(f.status.map(|s| s.as_str().to_owned()), STATUS, "status", Driver::Status);
    let mode = if driver == Driver::Hashtag { TAG_MODE } else { MODE };
    equal(f.mode.map(|m| m.as_str().to_owned()), mode, "mode", Driver::Mode);
    if let Some(tag) = f.hashtag.as_ref().filter(|_| driver != Driver::Hashtag) {
        filters.push(format!("contains({}, {})", expr.name(TAGS), expr.value("tag", s(spaced(tag.as_str())))));
    }
    let selective = !filters.is_empty();
    if driver == Driver::Job {
        // The job's index keeps its deleted videos, for removing them with the job.
        filters.push(format!("attribute_exists({})", expr.name(LISTED)));
    }
    let partition = match driver {
        Driver::Run => f.run_id.map(|r| r.to_string()),
        Driver::Job => f.job_id.as_ref().map(ToString::to_string),
        Driver::Author => f.author_username.as_ref().map(ToString::to_string),
        Driver::Value => f.value.as_ref().map(ToString::to_string),
        Driver::Hashtag => f.hashtag.as_ref().map(ToString::to_string),
        Driver::Status => f.status.map(|s| s.as_str().to_owned()),
        Driver::Mode => f.mode.map(|m| m.as_str().to_owned()),
        Driver::All => None,
    };
    let kind = if driver == Driver::Hashtag { Kind::VideoTags } else { Kind::Videos };
    let partition = partition.unwrap_or_else(|| VIDEOS_PARTITION.to_owned());
    Listing::new(driver.index(), kind, partition, false, filters, expr, selective)
}

/// A status partition, whole.
pub(super) fn by_status(status: VideoStatus) -> Listing {
    listing(&VideoFilter { status: Some(status), ..Default::default() })
}

impl DynamoStore {
    /// A page of the videos `f` lists. A video that changed between the index read and the fetch
    /// so that the filter no longer holds (a new status, a deletion) is left out: a page never
    /// shows a video the filter excludes.
    pub(super) async fn list(&self, f: &VideoFilter, request: &PageRequest) -> StoreResult<Page<Video>> {
        let page = self.page(&listing(f), request).await?;
        let mut items = self.fetch_videos(&page.items).await?;
        items.retain(|v| f.matches(v));
        Ok(Page { items, total: page.total, next_cursor: page.next_cursor })
    }

    /// The videos that index entries (video or tag items) point to, in their order.
    pub(super) async fn fetch_videos(&self, entries: &[Item]) -> StoreResult<Vec<Video>> {
        let ids: Vec<_> = entries.iter().filter_map(|e| text(e, PK).and_then(parse_video_pk)).collect();
        let mut found = self.get_many(ids.iter().map(|id| video_key(*id)).collect(), "batch get videos").await?;
        ids.into_iter().filter_map(|id| found.remove(&super::video_keys::video_pk(id))).map(VideoItem::decode).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::aws::dynamo::schema::INDEXES;
    use crate::domain::video::ScrapeMode;
    use crate::test_support::videos::{every_filter_combination, run_id, tag};

    #[test]
    fn every_filter_a_listing_tests_is_in_its_index() {
        for f in every_filter_combination() {
            let driver = Driver::of(&f);
            let shape = INDEXES.iter().find(|s| s.index == driver.index()).unwrap();
            let projected = shape.include.unwrap_or_default();
            for attr in tested(driver, &f) {
                assert!(projected.contains(&attr), "{f:?}: {} lacks {attr}", driver.index().name);
            }
        }
    }

    #[test]
    fn the_narrowest_filter_drives() {
        let f = VideoFilter { run_id: Some(run_id(1)), status: Some(VideoStatus::Failed), ..Default::default() };
        assert_eq!(Driver::of(&f), Driver::Run);
        let f = VideoFilter { hashtag: Some(tag("t")), mode: Some(ScrapeMode::Hashtag), ..Default::default() };
        assert_eq!(Driver::of(&f), Driver::Hashtag);
        let f = VideoFilter { hashtag: Some(tag("t")), status: Some(VideoStatus::Failed), ..Default::default() };
        assert_eq!(Driver::of(&f), Driver::Status, "tag items carry no status");
        assert_eq!(Driver::of(&VideoFilter::default()), Driver::All);
        let l = listing(&VideoFilter { mode: Some(ScrapeMode::Profile), ..Default::default() });
        assert_eq!((l.index.name, l.partition.as_str()), ("videos_by_mode", "profile"));
    }
}
