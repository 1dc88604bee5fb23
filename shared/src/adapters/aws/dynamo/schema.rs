//! The table's shape: what `template.yaml` declares and what [`create_table`] creates for tests
//! and local emulators. Keep the two (and docs/dynamodb.md) in step.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};

use super::errors::{backend, build_err};
use super::execution_item::{ATTEMPT, FINISHED, JOB_ID, KIND, LEASE_UNTIL, SCHEDULED, STATUS};
use super::keys::{
    EXECUTIONS_BY_CREATED, EXECUTIONS_BY_JOB, EXECUTIONS_BY_KIND, EXECUTIONS_BY_STATUS, EXPIRES_AT, Index,
    JOBS_BY_CREATED, JOBS_DUE, PK, SK,
};
use super::video_keys::{
    AUTHOR, FILE_SIZE, JOB, LISTED, MODE, STATUS as VIDEO_STATUS, TAG_MODE, TAGS, VALUE, VIDEOS_BY_AUTHOR,
    VIDEOS_BY_CREATED, VIDEOS_BY_HASHTAG, VIDEOS_BY_JOB, VIDEOS_BY_MODE, VIDEOS_BY_RUN, VIDEOS_BY_STATUS,
    VIDEOS_BY_VALUE,
};
use crate::ports::{StoreError, StoreResult};

/// How long `create_table` waits for the table to become active (seconds on AWS, none on moto).
const ACTIVE_WITHIN: Duration = Duration::from_secs(300);

/// An index and what it carries beyond its keys and the table's: `None` for every attribute,
/// nothing (`KEYS_ONLY`) for an empty list.
pub(super) struct IndexShape {
    pub index: &'static Index,
    pub include: Option<&'static [&'static str]>,
}

/// Jobs are small and listed whole, so their indexes carry everything. Execution and video
/// indexes carry only what their filters and sweeps read; listings fetch the items themselves.
/// A video index carries every filter attribute a listing through it may test (the filters
/// below it in `video_listing::driver`'s order), and DynamoDB allows 20 indexes per table.
pub(super) const INDEXES: [IndexShape; 14] = [
    IndexShape { index: &JOBS_BY_CREATED, include: None },
    IndexShape { index: &JOBS_DUE, include: None },
    IndexShape { index: &EXECUTIONS_BY_CREATED, include: Some(&[EXPIRES_AT, STATUS, KIND]) },
    IndexShape { index: &EXECUTIONS_BY_JOB, include: Some(&[STATUS, SCHEDULED, ATTEMPT, EXPIRES_AT, KIND]) },
    IndexShape {
        index: &EXECUTIONS_BY_STATUS,
        include: Some(&[JOB_ID, SCHEDULED, ATTEMPT, LEASE_UNTIL, FINISHED, EXPIRES_AT, KIND]),
    },
    IndexShape { index: &EXECUTIONS_BY_KIND, include: Some(&[STATUS, EXPIRES_AT]) },
    IndexShape { index: &VIDEOS_BY_CREATED, include: Some(&[]) },
    IndexShape { index: &VIDEOS_BY_RUN, include: Some(&[JOB, AUTHOR, VALUE, MODE, VIDEO_STATUS, TAGS]) },
    IndexShape { index: &VIDEOS_BY_JOB, include: Some(&[LISTED, AUTHOR, VALUE, MODE, VIDEO_STATUS, TAGS]) },
    IndexShape { index: &VIDEOS_BY_AUTHOR, include: Some(&[VALUE, MODE, VIDEO_STATUS, TAGS]) },
    IndexShape { index: &VIDEOS_BY_VALUE, include: Some(&[MODE, VIDEO_STATUS, TAGS]) },
    IndexShape { index: &VIDEOS_BY_HASHTAG, include: Some(&[TAG_MODE]) },
    IndexShape { index: &VIDEOS_BY_STATUS, include: Some(&[MODE, TAGS, FILE_SIZE]) },
    IndexShape { index: &VIDEOS_BY_MODE, include: Some(&[]) },
];

fn key(attr: &str, key_type: KeyType) -> StoreResult<KeySchemaElement> {
    KeySchemaElement::builder().attribute_name(attr).key_type(key_type).build().map_err(build_err)
}

fn string_attribute(attr: &str) -> StoreResult<AttributeDefinition> {
    AttributeDefinition::builder()
        .attribute_name(attr)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(build_err)
}

fn index(shape: &IndexShape) -> StoreResult<GlobalSecondaryIndex> {
    let projection = match shape.include {
        None => Projection::builder().projection_type(ProjectionType::All).build(),
        Some([]) => Projection::builder().projection_type(ProjectionType::KeysOnly).build(),
        Some(attrs) => Projection::builder()
            .projection_type(ProjectionType::Include)
            .set_non_key_attributes(Some(attrs.iter().map(|a| (*a).to_owned()).collect()))
            .build(),
    };
    GlobalSecondaryIndex::builder()
        .index_name(shape.index.name)
        .key_schema(key(shape.index.pk, KeyType::Hash)?)
        .key_schema(key(shape.index.sk, KeyType::Range)?)
        .projection(projection)
        .build()
        .map_err(build_err)
}

/// Every key attribute of the table and its indexes, each once (indexes share `exec_id`).
fn key_attributes() -> Vec<&'static str> {
    let mut attrs = vec![PK, SK];
    for shape in &INDEXES {
        for attr in [shape.index.pk, shape.index.sk] {
            if !attrs.contains(&attr) {
                attrs.push(attr);
            }
        }
    }
    attrs
}

/// Creates `table` with the store's keys, indexes and TTL, on-demand, and waits until it is
/// active. Fails if it exists.
pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?);
    for attr in key_attributes() {
        request = request.attribute_definitions(string_attribute(attr)?);
    }
    for shape in &INDEXES {
        request = request.global_secondary_indexes(index(shape)?);
    }
    request.send().await.map_err(|e| backend("create table", e))?;
    client
        .wait_until_table_exists()
        .table_name(table)
        .wait(ACTIVE_WITHIN)
        .await
        .map_err(|e| StoreError::Backend(format!("dynamodb table {table} did not become active: {e}")))?;
    let ttl = TimeToLiveSpecification::builder().enabled(true).attribute_name(EXPIRES_AT).build().map_err(build_err)?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(ttl)
        .send()
        .await
        .map_err(|e| backend("enable ttl", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_attributes_are_declared_once() {
        let attrs = key_attributes();
        assert_eq!(
            attrs,
            [
                "pk",
                "sk",
                "jobs_pk",
                "jobs_sk",
                "due_pk",
                "due_sk",
                "execs_pk",
                "exec_id",
                "job_id",
                "status",
                "videos_pk",
                "listed",
                "video_run",
                "video_job",
                "found",
                "video_author",
                "video_value",
                "video_tag",
                "video_status",
                "video_mode"
            ]
        );
        assert!(INDEXES.len() <= 20, "DynamoDB allows 20 global secondary indexes per table");
    }

    #[test]
    fn sweeps_find_what_they_filter_and_key_on_in_the_status_index() {
        let status = INDEXES.iter().find(|s| s.index == &EXECUTIONS_BY_STATUS).and_then(|s| s.include).unwrap();
        for attr in [JOB_ID, SCHEDULED, ATTEMPT, LEASE_UNTIL, FINISHED, EXPIRES_AT] {
            assert!(status.contains(&attr), "{attr}");
        }
        for shape in &INDEXES {
            if let Some(include) = shape.include {
                if shape.index.name.starts_with("executions_") {
                    assert!(
                        include.contains(&EXPIRES_AT),
                        "{}: every execution listing filters out expired items",
                        shape.index.name
                    );
                }
                assert!(
                    !include.contains(&shape.index.pk) && !include.contains(&shape.index.sk),
                    "keys are projected anyway"
                );
            }
        }
    }
}
