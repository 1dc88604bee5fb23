//! Reading items by key in bulk: what listings do with the index entries of a page.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::KeysAndAttributes;

use super::DynamoStore;
use super::errors::{backend, backoff, build_err};
use super::expr::{Item, text};
use super::keys::PK;
use crate::ports::{StoreError, StoreResult};

/// BatchGetItem's limit.
const BATCH: usize = 100;
/// Rounds for keys DynamoDB left unprocessed (throttling).
const ROUNDS: u32 = 8;

impl DynamoStore {
    /// The items at `keys`, read consistently, by partition key (every caller reads one item per
    /// partition); a missing item is absent. One BatchGetItem per 100 keys.
    pub(super) async fn get_many(&self, keys: Vec<Item>, what: &str) -> StoreResult<HashMap<String, Item>> {
        let mut found = HashMap::new();
        for chunk in keys.chunks(BATCH) {
            let mut wanted = KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .consistent_read(true)
                .build()
                .map_err(build_err)?;
            for round in 0.. {
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, wanted)
                    .send()
                    .await
                    .map_err(|e| backend(what, e))?;
                for item in out.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default() {
                    if let Some(pk) = text(&item, PK) {
                        found.insert(pk.to_owned(), item);
                    }
                }
                match out.unprocessed_keys.and_then(|mut left| left.remove(&self.table)) {
                    Some(left) if !left.keys.is_empty() && round + 1 < ROUNDS => {
                        wanted = left;
                        backoff(round).await;
                    }
                    Some(left) if !left.keys.is_empty() => {
                        return Err(StoreError::Backend(format!("dynamodb {what}: keys left unprocessed")));
                    }
                    _ => break,
                }
            }
        }
        Ok(found)
    }
}
