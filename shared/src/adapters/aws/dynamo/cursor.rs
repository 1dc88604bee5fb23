//! Opaque page cursors: base64url of the JSON of a `LastEvaluatedKey`, that is the key (table and
//! index attributes) of the last item a page returned, so that the next page is one `Query` with
//! it as `ExclusiveStartKey`. A cursor is checked against the listing before DynamoDB sees it:
//! anything else, a cursor of another listing included, is `BadCursor`, not a backend error.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::expr::{Item, s, text};
use super::keys::{EXECUTION_SK, JOB_SK, PK, SK, parse_execution_pk, parse_job_pk};
use super::query::{Kind, Listing};
use super::video_keys::{VIDEO_SK, is_order_of, parse_tag_sk, parse_video_pk};
use crate::ports::{StoreError, StoreResult};

/// Bumped if the layout changes, so that an old cursor is refused rather than misread.
const VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
struct Body {
    v: u8,
    key: BTreeMap<String, String>,
}

/// `None` when the item lacks a key attribute (it came from the wrong index: a bug).
pub(super) fn encode(listing: &Listing, item: &Item) -> Option<String> {
    let attrs = [PK, SK, listing.index.pk, listing.index.sk];
    let key = attrs.iter().map(|a| Some(((*a).to_owned(), text(item, a)?.to_owned()))).collect::<Option<_>>()?;
    let json = serde_json::to_vec(&Body { v: VERSION, key }).ok()?;
    Some(URL_SAFE_NO_PAD.encode(json))
}

pub(super) fn decode(raw: &str, listing: &Listing) -> StoreResult<Item> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| StoreError::BadCursor)?;
    let body: Body = serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
    let attr = |name: &str| body.key.get(name).map(String::as_str);
    let (index_pk, index_sk) = (listing.index.pk, listing.index.sk);
    let (Some(pk), Some(sk), Some(partition), Some(position)) = (attr(PK), attr(SK), attr(index_pk), attr(index_sk))
    else {
        return Err(StoreError::BadCursor);
    };
    // Exactly the four attributes, for the partition this listing reads.
    let fits = body.v == VERSION && body.key.len() == 4 && partition == listing.partition;
    let item_fits = match listing.kind {
        Kind::Jobs => {
            sk == JOB_SK
                && parse_job_pk(pk).is_some_and(|id| {
                    position.strip_suffix(id.as_str()).is_some_and(|time| time.ends_with('#') && time.len() > 1)
                })
        }
        Kind::Executions => sk == EXECUTION_SK && parse_execution_pk(pk).is_some_and(|id| position == id.to_string()),
        Kind::Videos => sk == VIDEO_SK && parse_video_pk(pk).is_some_and(|id| is_order_of(position, id)),
        Kind::VideoTags => {
            parse_tag_sk(sk) == Some(partition) && parse_video_pk(pk).is_some_and(|id| is_order_of(position, id))
        }
    };
    if !(fits && item_fits) {
        return Err(StoreError::BadCursor);
    }
    Ok(body.key.into_iter().map(|(k, v)| (k, s(v))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::aws::dynamo::expr::Expr;
    use crate::adapters::aws::dynamo::keys::Index;
    use crate::adapters::aws::dynamo::keys::{
        EXECUTIONS_BY_JOB, JOBS_BY_CREATED, JOBS_PARTITION, execution_pk, job_order, job_pk,
    };
    use crate::adapters::aws::dynamo::video_keys::{
        VIDEOS_BY_HASHTAG, VIDEOS_BY_STATUS, tag_sk, video_order, video_pk,
    };
    use crate::domain::ids::{ExecutionId, JobId};
    use crate::domain::video::VideoId;

    fn listing(kind: Kind, partition: &str) -> Listing {
        let index = match kind {
            Kind::Jobs => &JOBS_BY_CREATED,
            Kind::Executions => &EXECUTIONS_BY_JOB,
            Kind::Videos => &VIDEOS_BY_STATUS,
            Kind::VideoTags => &VIDEOS_BY_HASHTAG,
        };
        Listing::new(index, kind, partition.to_owned(), true, Vec::new(), Expr::default(), false)
    }

    fn job_item(id: &str) -> Item {
        let id = JobId::parse(id).unwrap();
        Item::from([
            (PK.to_owned(), s(job_pk(&id))),
            (SK.to_owned(), s(JOB_SK)),
            (JOBS_BY_CREATED.pk.to_owned(), s(JOBS_PARTITION)),
            (JOBS_BY_CREATED.sk.to_owned(), s(job_order(-5, &id))),
            ("name".to_owned(), s("not part of the key")),
        ])
    }

    fn execution_item(job: &str, id: ExecutionId) -> Item {
        Item::from([
            (PK.to_owned(), s(execution_pk(id))),
            (SK.to_owned(), s(EXECUTION_SK)),
            (EXECUTIONS_BY_JOB.pk.to_owned(), s(job)),
            (EXECUTIONS_BY_JOB.sk.to_owned(), s(id.to_string())),
        ])
    }

    fn bad<T>(r: StoreResult<T>) -> bool {
        matches!(r, Err(StoreError::BadCursor))
    }

    #[test]
    fn cursors_round_trip_to_the_exclusive_start_key() {
        let jobs = listing(Kind::Jobs, JOBS_PARTITION);
        let item = job_item("a.b-c_d");
        let cursor = encode(&jobs, &item).unwrap();
        let mut key = item.clone();
        key.remove("name");
        assert_eq!(decode(&cursor, &jobs).unwrap(), key, "the key, without other attributes");

        let runs = listing(Kind::Executions, "job-1");
        let item = execution_item("job-1", ExecutionId::generate());
        assert_eq!(decode(&encode(&runs, &item).unwrap(), &runs).unwrap(), item);
    }

    #[test]
    fn anything_but_a_cursor_of_this_listing_is_refused() {
        let jobs = listing(Kind::Jobs, JOBS_PARTITION);
        let runs = listing(Kind::Executions, "job-1");
        let id = ExecutionId::generate();
        let run_cursor = encode(&runs, &execution_item("job-1", id)).unwrap();
        assert!(bad(decode("!!not a cursor!!", &jobs)));
        assert!(bad(decode("", &jobs)));
        assert!(bad(decode(&URL_SAFE_NO_PAD.encode("{}"), &jobs)));
        assert!(bad(decode(&run_cursor, &jobs)), "another listing's cursor");
        assert!(bad(decode(&run_cursor, &listing(Kind::Executions, "job-2"))), "another partition's cursor");
        let mut wrong = execution_item("job-1", id);
        wrong.insert(EXECUTIONS_BY_JOB.sk.to_owned(), s(ExecutionId::generate().to_string()));
        assert!(bad(decode(&encode(&runs, &wrong).unwrap(), &runs)), "an index key that is not the item's");
        let mut wrong = job_item("a");
        wrong.insert(JOBS_BY_CREATED.sk.to_owned(), s("5#b"));
        assert!(bad(decode(&encode(&jobs, &wrong).unwrap(), &jobs)), "an order key of another job");
        let mut extra = BTreeMap::new();
        for (k, v) in execution_item("job-1", id) {
            extra.insert(k, v.as_s().unwrap().clone());
        }
        extra.insert("status".to_owned(), "running".to_owned());
        let json = serde_json::to_vec(&Body { v: VERSION, key: extra }).unwrap();
        assert!(bad(decode(&URL_SAFE_NO_PAD.encode(json), &runs)), "extra attributes");
        let old = serde_json::to_vec(&Body { v: 0, key: BTreeMap::new() }).unwrap();
        assert!(bad(decode(&URL_SAFE_NO_PAD.encode(old), &runs)));
    }

    fn video_entry(index: &Index, partition: &str, sk: &str, id: VideoId, order_of: VideoId) -> Item {
        Item::from([
            (PK.to_owned(), s(video_pk(id))),
            (SK.to_owned(), s(sk)),
            (index.pk.to_owned(), s(partition)),
            (index.sk.to_owned(), s(video_order(5, order_of))),
        ])
    }

    #[test]
    fn video_cursors_name_their_video_and_partition() {
        let (a, b) = (VideoId::from_uuid(uuid::Uuid::from_u128(1)), VideoId::from_uuid(uuid::Uuid::from_u128(2)));
        let uploaded = listing(Kind::Videos, "uploaded");
        let entry = video_entry(&VIDEOS_BY_STATUS, "uploaded", VIDEO_SK, a, a);
        assert_eq!(decode(&encode(&uploaded, &entry).unwrap(), &uploaded).unwrap(), entry);
        let cursor = encode(&uploaded, &entry).unwrap();
        assert!(bad(decode(&cursor, &listing(Kind::Videos, "failed"))), "another status's cursor");
        assert!(bad(decode(&cursor, &listing(Kind::Executions, "uploaded"))), "another kind's cursor");
        let wrong = video_entry(&VIDEOS_BY_STATUS, "uploaded", VIDEO_SK, a, b);
        assert!(bad(decode(&encode(&uploaded, &wrong).unwrap(), &uploaded)), "an order key of another video");

        let funny = listing(Kind::VideoTags, "funny");
        let entry = video_entry(&VIDEOS_BY_HASHTAG, "funny", &tag_sk("funny"), a, a);
        assert_eq!(decode(&encode(&funny, &entry).unwrap(), &funny).unwrap(), entry);
        let other_tag = video_entry(&VIDEOS_BY_HASHTAG, "funny", &tag_sk("comedy"), a, a);
        assert!(bad(decode(&encode(&funny, &other_tag).unwrap(), &funny)), "a tag item of another tag");
        assert!(bad(decode(&encode(&funny, &entry).unwrap(), &listing(Kind::VideoTags, "comedy"))));
    }
}
