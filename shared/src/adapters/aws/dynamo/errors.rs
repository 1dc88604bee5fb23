//! SDK errors as `StoreError`s, what a cancelled transaction's reasons mean, and the retries
//! that contention between writers calls for.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;

use super::DynamoStore;
use crate::ports::{StoreError, StoreResult};

/// Rounds a write contended by concurrent transactions gets; with the jittered backoff below
/// this rides out sixteen writers racing for one item.
const CONTENTION_ROUNDS: u32 = 10;

/// The text is for logs (`StoreError::Backend` never reaches a response body).
pub(super) fn backend<E, R>(what: &str, err: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Backend(format!("dynamodb {what}: {}", DisplayErrorContext(&err)))
}

/// A stored item this build cannot read back: only a hand-edited or foreign table gets here.
pub(super) fn corrupt(what: impl Display) -> StoreError {
    StoreError::Backend(format!("unreadable stored item: {what}"))
}

pub(super) fn build_err(what: impl Display) -> StoreError {
    StoreError::Backend(format!("building a dynamodb request: {what}"))
}

/// Why a transaction was cancelled, from its per-action reason codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cancelled {
    /// These actions' conditions failed (by position in the request). Definitive, so it wins
    /// over contention reported on other actions.
    Conditions(Vec<usize>),
    /// Another transaction held an item, or capacity ran short: worth another try.
    Contention,
    Other(String),
}

pub(super) fn classify(codes: &[Option<&str>]) -> Cancelled {
    let failed: Vec<usize> =
        codes.iter().enumerate().filter(|(_, code)| **code == Some("ConditionalCheckFailed")).map(|(i, _)| i).collect();
    if !failed.is_empty() {
        return Cancelled::Conditions(failed);
    }
    let retryable = ["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"];
    if codes.iter().flatten().any(|code| retryable.contains(code)) {
        return Cancelled::Contention;
    }
    let listed: Vec<&str> = codes.iter().map(|c| c.unwrap_or("None")).collect();
    Cancelled::Other(listed.join(", "))
}

/// Whether a single-item write lost to a transaction in flight on the same item (the SDK does
/// not retry these itself).
pub(super) fn is_conflict<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.as_service_error().and_then(|e| e.code()) == Some("TransactionConflictException")
}

/// Exponential from 10 ms to about half a second, jittered so that racers spread out.
pub(super) async fn backoff(round: u32) {
    let ceiling = 10u64.saturating_mul(1 << round.min(6)).min(500);
    let wait = rand::random_range(ceiling / 2..=ceiling);
    tokio::time::sleep(Duration::from_millis(wait)).await;
}

/// Sends a single-item write again while it loses to concurrent transactions.
pub(super) async fn retry_conflicts<T, E, R, F, Fut>(mut send: F) -> Result<T, SdkError<E, R>>
where
    E: ProvideErrorMetadata,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, R>>>,
{
    let mut round = 0;
    loop {
        match send().await {
            Err(err) if is_conflict(&err) && round + 1 < CONTENTION_ROUNDS => {
                backoff(round).await;
                round += 1;
            }
            other => return other,
        }
    }
}

impl DynamoStore {
    /// Runs a transaction to the end: `Ok(Err(actions))` when conditions failed, and then
    /// nothing was written; retries through contention.
    pub(super) async fn transact(
        &self,
        what: &str,
        items: Vec<TransactWriteItem>,
    ) -> StoreResult<Result<(), Vec<usize>>> {
        for round in 0..CONTENTION_ROUNDS {
            let sent = self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await;
            let err = match sent {
                Ok(_) => return Ok(Ok(())),
                Err(err) => err,
            };
            let codes: Vec<Option<&str>> = match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                    cancelled.cancellation_reasons().iter().map(|r| r.code()).collect()
                }
                _ => return Err(backend(what, err)),
            };
            match classify(&codes) {
                Cancelled::Conditions(failed) => return Ok(Err(failed)),
                Cancelled::Contention => backoff(round).await,
                Cancelled::Other(reasons) => {
                    return Err(StoreError::Backend(format!("dynamodb {what}: transaction cancelled ({reasons})")));
                }
            }
        }
        Err(StoreError::Backend(format!("dynamodb {what}: still contended after {CONTENTION_ROUNDS} tries")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancellation_reasons_map_to_outcomes() {
        let none = Some("None");
        let ccf = Some("ConditionalCheckFailed");
        assert_eq!(classify(&[ccf, none, none]), Cancelled::Conditions(vec![0]), "a guard conflict");
        assert_eq!(classify(&[none, none, ccf]), Cancelled::Conditions(vec![2]), "a full counter");
        assert_eq!(classify(&[ccf, none, ccf]), Cancelled::Conditions(vec![0, 2]));
        assert_eq!(
            classify(&[Some("TransactionConflict"), none, ccf]),
            Cancelled::Conditions(vec![2]),
            "a failed condition is definitive, contention elsewhere or not"
        );
        assert_eq!(classify(&[none, Some("TransactionConflict")]), Cancelled::Contention);
        assert_eq!(classify(&[Some("ThrottlingError"), None]), Cancelled::Contention);
        assert_eq!(
            classify(&[none, Some("ValidationError")]),
            Cancelled::Other("None, ValidationError".to_owned()),
            "anything else is a failure, named for the logs"
        );
        assert_eq!(classify(&[]), Cancelled::Other(String::new()));
    }
}
