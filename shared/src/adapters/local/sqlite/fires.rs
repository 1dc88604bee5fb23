//! `FireClaims`: a burst of due fires claimed in one transaction.

use async_trait::async_trait;
use rusqlite::{TransactionBehavior, params};

use super::SqliteStore;
use super::codec::{db_err, ms, opt_ms};
use super::executions::{insert, start_in};
use super::jobs::ADVANCE_NEXT_RUN;
use crate::ports::{FireClaim, FireClaims, FireOutcome, StoreResult};

#[async_trait]
impl FireClaims for SqliteStore {
    async fn claim_fires(&self, claims: Vec<FireClaim>) -> StoreResult<Vec<FireOutcome>> {
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        self.pool
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
                let mut outcomes = Vec::with_capacity(claims.len());
                for claim in claims {
                    let moved = tx
                        .prepare_cached(ADVANCE_NEXT_RUN)
                        .and_then(|mut s| s.execute(params![claim.job_id.as_str(), ms(claim.due), opt_ms(claim.next)]))
                        .map_err(db_err)?;
                    if moved != 1 {
                        outcomes.push(FireOutcome::Superseded);
                        continue;
                    }
                    if let Some(skipped) = &claim.skipped {
                        // A time already recorded keeps its record: the insert's guard decides.
                        insert(&tx, skipped)?;
                    }
                    let started = match claim.run {
                        Some((execution, max_instances)) => Some(start_in(&tx, execution, max_instances)?),
                        None => None,
                    };
                    outcomes.push(FireOutcome::Claimed(started));
                }
                tx.commit().map_err(db_err)?;
                Ok(outcomes)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::SqliteStore;
    use crate::domain::execution::ExecutionStatus;
    use crate::ports::{ExecutionFilter, ExecutionStore, FireClaim, FireClaims, FireOutcome, JobStore, StartOutcome};
    use crate::test_support::fixtures::{job, job_id, offset, run, secs, t0};

    fn claim(id: &str, due: chrono::DateTime<chrono::Utc>, max_instances: u32) -> FireClaim {
        FireClaim {
            job_id: job_id(id),
            due,
            next: Some(due + secs(300)),
            skipped: None,
            run: Some((run(id, due, 1), max_instances)),
        }
    }

    async fn store_with(ids: &[&str]) -> SqliteStore {
        let store = SqliteStore::open_in_memory().expect("in-memory store");
        for id in ids {
            store.insert_job(&job(id, t0())).await.expect("insert");
        }
        store
    }

    #[tokio::test]
    async fn a_batch_claims_each_fire_that_is_still_due_and_no_other() {
        let store = store_with(&["a", "b", "gone"]).await;
        let due = t0() + secs(300);
        let stale = claim("b", due - secs(1), 1);
        let outcomes =
            store.claim_fires(vec![claim("a", due, 1), stale, claim("missing", due, 1)]).await.expect("claim");

        assert!(
            matches!(&outcomes[0], FireOutcome::Claimed(Some(StartOutcome::Started(e))) if e.status == ExecutionStatus::Running)
        );
        assert_eq!(outcomes[1..], [FireOutcome::Superseded, FireOutcome::Superseded]);
        let next = |id: &'static str| {
            let store = &store;
            async move { store.get_job(&job_id(id)).await.expect("get").expect("there").next_run_at }
        };
        assert_eq!(next("a").await, Some(due + secs(300)), "the claim moved the fire time on");
        assert_eq!(next("b").await, Some(due), "a superseded claim changed nothing");
        let runs = |id: &'static str| {
            let store = &store;
            async move {
                store.list_executions(&ExecutionFilter::of_job(job_id(id)), &offset(0, 10)).await.expect("list").items
            }
        };
        assert_eq!(runs("a").await.len(), 1);
        assert!(runs("b").await.is_empty());
    }

    #[tokio::test]
    async fn a_claim_keeps_the_instance_limit_the_uniqueness_guard_and_records_skips() {
        let store = store_with(&["busy", "again"]).await;
        let due = t0() + secs(300);
        let running = run("busy", t0(), 1);
        assert!(matches!(store.start_execution(&running, 1).await.expect("start"), StartOutcome::Started(_)));
        let earlier = run("again", t0(), 1).finish_without_running(ExecutionStatus::Skipped, "missed".into(), t0());
        let with_skip = FireClaim { skipped: Some(earlier.clone()), ..claim("again", due, 1) };

        let outcomes = store.claim_fires(vec![claim("busy", due, 1), with_skip]).await.expect("claim");
        assert!(matches!(&outcomes[0], FireOutcome::Claimed(Some(StartOutcome::Skipped(_)))), "{outcomes:?}");
        assert!(matches!(&outcomes[1], FireOutcome::Claimed(Some(StartOutcome::Started(_)))), "{outcomes:?}");
        let skip = store.get_execution(earlier.id).await.expect("get").expect("the skip is recorded");
        assert_eq!(skip.status, ExecutionStatus::Skipped);

        // The same fire time again (a job set back to it): the run already has its record.
        assert!(store.advance_next_run(&job_id("again"), due + secs(300), Some(due)).await.expect("reset"));
        let outcomes = store.claim_fires(vec![claim("again", due, 1)]).await.expect("claim");
        assert_eq!(outcomes, [FireOutcome::Claimed(Some(StartOutcome::Duplicate))]);
    }
}
