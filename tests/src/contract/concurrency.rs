//! The start guards under contention: what several schedulers or retries racing on one job see.

use std::sync::Arc;

use jobsmith::domain::execution::{Execution, ExecutionStatus};
use jobsmith::ports::{ExecutionFilter, ExecutionStore, StartOutcome};
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use jobsmith::test_support::fixtures::{ALL, job_id, offset, run, secs, t0};

const RACERS: usize = 16;

/// Whether a backend isolates concurrent conditional writes from one another. SQLite and
/// DynamoDB do. moto does not (docs/dynamodb.md): it snapshots the table for a transaction and
/// restores the snapshot when the transaction fails, which can undo a winner's write landed
/// meanwhile, or let two racers both pass the same condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    Isolated,
    Unisolated,
}

/// Starts racer `i`'s execution on its own task, all released at once.
async fn race<F>(store: &Arc<dyn ExecutionStore>, max_instances: u32, execution_for: F) -> Vec<StartOutcome>
where
    F: Fn(usize) -> Execution,
{
    let gate = Arc::new(Barrier::new(RACERS));
    let mut tasks = JoinSet::new();
    for i in 0..RACERS {
        let (store, gate, e) = (store.clone(), gate.clone(), execution_for(i));
        tasks.spawn(async move {
            gate.wait().await;
            store.start_execution(&e, max_instances).await.expect("concurrent start")
        });
    }
    tasks.join_all().await
}

/// Starts racer `i`'s execution after racer `i - 1`'s answered.
async fn one_after_another<F>(
    store: &Arc<dyn ExecutionStore>,
    max_instances: u32,
    execution_for: F,
) -> Vec<StartOutcome>
where
    F: Fn(usize) -> Execution,
{
    let mut outcomes = Vec::with_capacity(RACERS);
    for i in 0..RACERS {
        outcomes.push(store.start_execution(&execution_for(i), max_instances).await.expect("start"));
    }
    outcomes
}

fn tally(outcomes: &[StartOutcome]) -> (usize, usize, usize) {
    let count = |f: fn(&StartOutcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    (
        count(|o| matches!(o, StartOutcome::Started(_))),
        count(|o| matches!(o, StartOutcome::Skipped(_))),
        count(|o| matches!(o, StartOutcome::Duplicate)),
    )
}

/// Where writes are isolated the starts race; where they are not, a race can lose the winner's
/// write whatever the store does, so the starts come one after another (as the lost-update check
/// of the DynamoDB store does on moto) and the check is of the guard itself.
pub async fn one_of_many_identical_starts_wins(store: Arc<dyn ExecutionStore>, writes: Writes) {
    let identical = |_| run("race", t0(), 1);
    let outcomes = match writes {
        Writes::Isolated => race(&store, RACERS as u32, identical).await,
        Writes::Unisolated => one_after_another(&store, RACERS as u32, identical).await,
    };
    assert_eq!(tally(&outcomes), (1, 0, RACERS - 1), "exactly one of {RACERS} identical starts may win");
    let filter = ExecutionFilter::of_job(job_id("race"));
    let listed = store.list_executions(&filter, &offset(0, ALL)).await.expect("list");
    assert_eq!(listed.total, 1, "the losers must write nothing");
    let winner = outcomes.iter().find_map(|o| match o {
        StartOutcome::Started(e) => Some(e.id),
        _ => None,
    });
    assert_eq!(listed.items.first().map(|e| e.id), winner, "the stored run is the winner's");
}

/// Deliveries of one dispatched run, each its own executor invocation: one runs it.
pub async fn one_of_many_takers_wins(store: Arc<dyn ExecutionStore>, writes: Writes) {
    let running = match store.start_execution(&run("taken", t0(), 1), 1).await.expect("start") {
        StartOutcome::Started(e) => e,
        other => panic!("expected a start, got {other:?}"),
    };
    let won = match writes {
        Writes::Isolated => {
            let gate = Arc::new(Barrier::new(RACERS));
            let mut tasks = JoinSet::new();
            for i in 0..RACERS {
                let (store, gate) = (store.clone(), gate.clone());
                tasks.spawn(async move {
                    gate.wait().await;
                    store.take_dispatched(running.id, &format!("taker-{i}")).await.expect("concurrent take")
                });
            }
            tasks.join_all().await
        }
        Writes::Unisolated => {
            let mut won = Vec::with_capacity(RACERS);
            for i in 0..RACERS {
                won.push(store.take_dispatched(running.id, &format!("taker-{i}")).await.expect("take"));
            }
            won
        }
    };
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "exactly one of {RACERS} takers may run it: {won:?}");
}

/// As with identical starts, the guard is raced only where writes are isolated: moto can let
/// a third start through by restoring a snapshot taken before another start's counter write.
pub async fn max_instances_holds_under_concurrent_starts(store: Arc<dyn ExecutionStore>, writes: Writes) {
    let distinct = |i: usize| run("crowd", t0() + secs(i as i64), 1);
    let outcomes = match writes {
        Writes::Isolated => race(&store, 2, distinct).await,
        Writes::Unisolated => one_after_another(&store, 2, distinct).await,
    };
    assert_eq!(tally(&outcomes), (2, RACERS - 2, 0), "max_instances 2 admits exactly two of {RACERS} racing runs");
    assert_eq!(store.count_running().await.expect("count"), 2, "exactly two are running");
    let skipped =
        ExecutionFilter { job_id: Some(job_id("crowd")), statuses: vec![ExecutionStatus::Skipped], kind: None };
    let listed = store.list_executions(&skipped, &offset(0, ALL)).await.expect("list skipped");
    assert_eq!(listed.total as usize, RACERS - 2, "every refused run is recorded as skipped");
}
