//! The redrive function's work on moto: the dead-letter queue's executor events, in both shapes
//! they arrive in, are sent to the executor again (here through a one-off schedule: moto cannot
//! run the executor, so the invoke is refused and the schedule is the fallback) and their
//! messages deleted; a message without an event stays.

use jobsmith::adapters::aws::scheduler::redrive_schedule_name;
use jobsmith::domain::ids::JobId;
use jobsmith_functions::{Redrive, RedriveReport};

use crate::harness::harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_lettered_events_are_sent_again_and_what_is_no_event_stays() {
    let h = harness().await;
    let sqs = aws_sdk_sqs::Client::new(&h.sdk().await);
    let queue = sqs.create_queue().queue_name("jobsmith-dlq").send().await.expect("create the queue");
    let url = queue.queue_url().expect("the queue's URL").to_owned();
    let fire = r#"{"job_id":"nightly","scheduled_time":"2026-12-01T02:00:00Z"}"#;
    let failed_invoke = r#"{"version":"1.0","requestContext":{"condition":"RetriesExhausted"},
        "requestPayload":{"job_id":"manual","scheduled_time":"2026-12-01T03:00:00Z","execution_id":"0190a3c4-0000-7000-8000-000000000001"},
        "responsePayload":{"errorMessage":"store unavailable"}}"#;
    for body in [fire, failed_invoke, "a note someone sent by hand"] {
        sqs.send_message().queue_url(&url).message_body(body).send().await.expect("send a dead letter");
    }

    let redrive = Redrive { app: &h.app, sqs: &sqs, queue_url: &url };
    let mut report = redrive.run(100).await.expect("the redrive");
    report.redriven.sort();
    assert_eq!(
        report,
        RedriveReport { redriven: vec!["manual".to_owned(), "nightly".to_owned()], unreadable: 1, failed: 0 }
    );

    let sent = serde_json::to_string(&serde_json::from_str::<serde_json::Value>(fire).expect("JSON")).expect("JSON");
    let nightly = h.run_schedule(&redrive_schedule_name(&JobId::parse("nightly").expect("id"), &sent)).await;
    let nightly = nightly.expect("the fire's event, sent again");
    assert_eq!((nightly.job_id.as_str(), nightly.scheduled_time.as_str()), ("nightly", "2026-12-01T02:00:00Z"));

    let left = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .expect("the queue's attributes");
    let count = |name: aws_sdk_sqs::types::QueueAttributeName| {
        left.attributes().and_then(|a| a.get(&name)).and_then(|n| n.parse::<u32>().ok()).unwrap_or(u32::MAX)
    };
    let visible = count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages);
    let hidden = count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible);
    assert_eq!(visible + hidden, 1, "only the unreadable message is left");
}
