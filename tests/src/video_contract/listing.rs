//! Listing videos: every filter of seed 002 and the job view's, alone and combined, newest
//! first, in offset and cursor pages, with the total.

use std::sync::Arc;

use jobsmith::domain::video::{ScrapeMode, Video, VideoStatus};
use jobsmith::ports::{StoreError, Upserted, VideoFilter, VideoStore};
use jobsmith::test_support::fixtures::{ALL, after, offset, t0};
use jobsmith::test_support::videos::{tag, video_at};

use super::dataset::{COMBINATIONS, expected, filter_of, ids, newest_first, seed};

pub async fn every_filter_alone_and_combined_lists_newest_first_with_its_total(store: Arc<dyn VideoStore>) {
    let all = seed(&*store, 24).await;
    let mut nonempty = 0;
    for bits in 0..COMBINATIONS {
        let f = filter_of(bits);
        let want = expected(&all, &f);
        let page = store.list_videos(&f, &offset(0, ALL)).await.expect("list");
        assert_eq!(ids(&page.items), want, "{f:?}: the matching videos, newest first");
        assert_eq!(page.total as usize, want.len(), "{f:?}: total counts the matching videos");
        assert_eq!(page.next_cursor, None, "{f:?}: one page holds them all");
        nonempty += usize::from(!want.is_empty());
    }
    assert!(nonempty > 40, "the set must make most combinations match something ({nonempty})");
    let others = [
        VideoFilter { mode: Some(ScrapeMode::Hashtag), ..Default::default() },
        VideoFilter { status: Some(VideoStatus::Failed), ..Default::default() },
        VideoFilter { hashtag: Some(tag("dance")), status: Some(VideoStatus::Downloading), ..Default::default() },
        VideoFilter { hashtag: Some(tag("comedy")), mode: Some(ScrapeMode::Hashtag), ..Default::default() },
        VideoFilter { hashtag: Some(tag("nothing")), ..Default::default() },
    ];
    for f in others {
        let page = store.list_videos(&f, &offset(0, ALL)).await.expect("list");
        assert_eq!(ids(&page.items), expected(&all, &f), "{f:?}");
        assert_eq!(page.total as usize, page.items.len(), "{f:?}: total");
    }
    let newest = store.list_videos(&VideoFilter::default(), &offset(0, 1)).await.expect("newest");
    let mut sorted: Vec<Video> = all.iter().filter(|v| v.is_listed()).cloned().collect();
    newest_first(&mut sorted);
    assert_eq!(newest.items.first(), sorted.first(), "listed videos come back whole");
}

pub async fn equal_times_are_ordered_by_id(store: Arc<dyn VideoStore>) {
    let mut all = Vec::new();
    for i in 0..9 {
        match store.upsert_video(&video_at(&format!("{i}"), t0())).await.expect("upsert") {
            Upserted::Inserted(v) => all.push(v),
            other => panic!("new video, got {other:?}"),
        }
    }
    newest_first(&mut all);
    let page = store.list_videos(&VideoFilter::default(), &offset(0, ALL)).await.expect("list");
    assert_eq!(ids(&page.items), ids(&all), "videos found at the same time are ordered by id, descending");
    let mut paged = Vec::new();
    for off in (0..9).step_by(2) {
        paged.extend(store.list_videos(&VideoFilter::default(), &offset(off, 2)).await.expect("page").items);
    }
    assert_eq!(ids(&paged), ids(&all), "the order is the same from page to page");
}

fn paged_filters() -> Vec<VideoFilter> {
    vec![
        VideoFilter::default(),
        filter_of(1 << 3),
        filter_of(1 << 4),
        filter_of(1 << 5),
        filter_of((1 << 3) | (1 << 0)),
        VideoFilter { hashtag: Some(tag("funny")), status: Some(VideoStatus::Failed), ..Default::default() },
    ]
}

pub async fn offset_pages_match_the_full_listing(store: Arc<dyn VideoStore>) {
    let all = seed(&*store, 24).await;
    for f in paged_filters() {
        let full = expected(&all, &f);
        let total = full.len();
        for limit in [1u32, 5, 22] {
            for off in 0..=total + 1 {
                let page = store.list_videos(&f, &offset(off as u64, limit)).await.expect("offset page");
                let end = (off + limit as usize).min(total);
                let want = if off < total { full[off..end].to_vec() } else { vec![] };
                assert_eq!(ids(&page.items), want, "{f:?}: offset {off}, limit {limit}");
                assert_eq!(page.total as usize, total, "{f:?}: total at offset {off}, limit {limit}");
            }
        }
    }
}

pub async fn cursor_pages_visit_every_video_once(store: Arc<dyn VideoStore>) {
    let all = seed(&*store, 24).await;
    for f in paged_filters() {
        let full = expected(&all, &f);
        for limit in [1u32, 3, 7, 22, 23] {
            let (store, f) = (&store, &f);
            let page_at = |request| async move { store.list_videos(f, &request).await.expect("a page") };
            let seen = crate::cursor_walk::walk(&format!("{f:?}"), limit, full.len(), page_at, |v: &Video| v.id).await;
            assert_eq!(seen, full, "{f:?}, limit {limit}: cursor pages must visit every video once, in order");
        }
    }
}

pub async fn a_malformed_cursor_is_refused(store: Arc<dyn VideoStore>) {
    seed(&*store, 3).await;
    for f in [VideoFilter::default(), filter_of(1 << 3)] {
        let err = store.list_videos(&f, &after("!!not a cursor!!", 10)).await.expect_err("bad cursor");
        assert!(matches!(err, StoreError::BadCursor), "{f:?}: a malformed cursor must be BadCursor, got {err:?}");
    }
}
