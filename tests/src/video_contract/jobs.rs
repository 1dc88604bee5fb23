//! What the job view and stats need: counts by status with the bytes stored, and removing a
//! job's records.

use std::sync::Arc;

use jobsmith::domain::video::VideoStatus;
use jobsmith::ports::{Archived, VideoFilter, VideoStore};
use jobsmith::test_support::fixtures::{ALL, job_id, offset};
use jobsmith::test_support::videos::tag;

use super::dataset::{DELETED, expected, seed};

pub async fn counts_follow_statuses_and_bytes_of_uploaded_videos(store: Arc<dyn VideoStore>) {
    let empty = store.count_videos().await.expect("count empty");
    assert_eq!((empty.total(), empty.uploaded_bytes), (0, 0), "an empty store counts nothing");
    let all = seed(&*store, 24).await;
    let counts = store.count_videos().await.expect("counts");
    let listed: Vec<_> = all.iter().filter(|v| v.is_listed()).collect();
    for status in VideoStatus::ALL {
        let want = listed.iter().filter(|v| v.status == status).count() as u64;
        assert_eq!(counts.of(status), want, "{status}: listed videos with that status");
    }
    assert_eq!(counts.total(), listed.len() as u64, "deleted videos are not counted");
    let bytes: u64 =
        listed.iter().filter(|v| v.status == VideoStatus::Uploaded).filter_map(|v| v.metadata.file_size).sum();
    assert!(bytes > 0);
    assert_eq!(counts.uploaded_bytes, bytes, "the bytes of listed, uploaded videos");
}

pub async fn deleting_a_job_removes_its_records_and_only_those(store: Arc<dyn VideoStore>) {
    let all = seed(&*store, 24).await;
    let of_a = |v: &&jobsmith::domain::video::Video| v.job_id.as_str() == "a";
    let (a, b): (Vec<_>, Vec<_>) = all.iter().partition(of_a);
    assert!(DELETED.iter().all(|i| all[*i].job_id.as_str() == "a"), "job a holds the deleted videos");

    let removed = store.delete_job_videos(&job_id("a")).await.expect("delete job a's videos");
    assert_eq!(removed as usize, a.len(), "every record of the job goes, deleted ones included");
    for v in &a {
        assert_eq!(store.get_video(v.id).await.expect("get"), None, "{}: gone", v.platform_id);
        let archive = store.archived(&v.platform, &v.platform_id).await.expect("archive");
        assert_eq!(archive, Archived::Unknown, "{}: not even a tombstone is left", v.platform_id);
    }
    for v in &b {
        assert_eq!(store.get_video(v.id).await.expect("get").as_ref(), Some(*v), "another job's videos stay");
    }
    let remaining: Vec<_> = b.into_iter().cloned().collect();
    for f in [
        VideoFilter::default(),
        VideoFilter { job_id: Some(job_id("a")), ..Default::default() },
        VideoFilter { hashtag: Some(tag("funny")), ..Default::default() },
        VideoFilter { status: Some(VideoStatus::Uploaded), ..Default::default() },
    ] {
        let page = store.list_videos(&f, &offset(0, ALL)).await.expect("list");
        let want = expected(&remaining, &f);
        assert_eq!(page.items.iter().map(|v| v.id).collect::<Vec<_>>(), want, "{f:?}");
        assert_eq!(page.total as usize, want.len(), "{f:?}: total");
    }
    let counts = store.count_videos().await.expect("counts");
    assert_eq!(counts.total(), remaining.len() as u64);
    assert_eq!(store.delete_job_videos(&job_id("a")).await.expect("again"), 0, "nothing is left to remove");
}
