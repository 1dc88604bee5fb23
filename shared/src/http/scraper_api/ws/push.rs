//! One open socket: the run's state at once, then once per change, then a close frame when the
//! run is over. The client is read all along, so that its pings are answered (the socket answers
//! them itself on its next read) and its close is noticed.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, MissedTickBehavior};

use super::view::RunProgressView;
use crate::app::ProgressFeed;
use crate::domain::ids::ExecutionId;
use crate::ports::ExecutionStore;

/// How long one message may take to leave: a client that reads nothing for this long is dropped
/// rather than holding its socket, its slot and the state it missed.
const SEND_WITHIN: Duration = Duration::from_secs(10);
/// How often a quiet socket pings its client, and how many such pings may go unanswered before
/// the client is taken for gone (a vanished peer never says so).
const KEEPALIVE: Duration = Duration::from_secs(30);
const UNANSWERED_PINGS: u32 = 3;
/// How long the client has to answer the server's close frame.
const CLOSE_WITHIN: Duration = Duration::from_secs(5);

/// Serves one socket until the run ends or the client goes; `_slot` is its place among the open
/// sockets, given back when this returns.
pub(super) async fn push(mut socket: WebSocket, run: ExecutionId, feed: ProgressFeed, _slot: OwnedSemaphorePermit) {
    // Watch before the first read, so that no change falls between the two.
    let mut changes = feed.subscribe(run);
    let mut sent: Option<RunProgressView> = None;
    let mut keepalive = tokio::time::interval_at(Instant::now() + KEEPALIVE, KEEPALIVE);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut heard = Instant::now();
    loop {
        let ending = match feed.get_execution(run).await {
            Ok(Some(execution)) => {
                let view = RunProgressView::from(&execution);
                // A wake may find nothing new (a write of the same progress, another run deleted).
                if sent.as_ref() != Some(&view) {
                    if !send(&mut socket, text(&view)).await {
                        return;
                    }
                    sent = Some(view);
                }
                execution.status.is_finished().then_some((close_code::NORMAL, "Job finished"))
            }
            Ok(None) => Some((close_code::NORMAL, "Job not found")),
            Err(err) => {
                tracing::error!(error = %err, run = %run, "cannot read a run for its progress socket");
                Some((close_code::ERROR, "Internal server error"))
            }
        };
        if let Some((code, reason)) = ending {
            close(socket, code, reason).await;
            return;
        }
        loop {
            tokio::select! {
                () = changes.changed() => break,
                incoming = socket.recv() => match incoming {
                    // A close is answered by the socket on the next read, which drains it.
                    Some(Ok(Message::Close(_))) => return drain(socket).await,
                    Some(Ok(_)) => heard = Instant::now(),
                    None | Some(Err(_)) => return,
                },
                _ = keepalive.tick() => {
                    if heard.elapsed() > KEEPALIVE * UNANSWERED_PINGS {
                        return;
                    }
                    if !send(&mut socket, Message::Ping(Default::default())).await {
                        return;
                    }
                }
            }
        }
    }
}

fn text(view: &RunProgressView) -> Message {
    // A struct of strings and integers always serializes; the fallback keeps it that way.
    let json = serde_json::to_string(view).unwrap_or_else(|_| String::from("{}"));
    Message::Text(json.into())
}

/// Whether the message left in time.
async fn send(socket: &mut WebSocket, message: Message) -> bool {
    matches!(tokio::time::timeout(SEND_WITHIN, socket.send(message)).await, Ok(Ok(())))
}

async fn close(mut socket: WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame { code, reason: reason.into() };
    if send(&mut socket, Message::Close(Some(frame))).await {
        drain(socket).await;
    }
}

/// Reads until the closing handshake is done (or the client is too slow to finish it).
async fn drain(mut socket: WebSocket) {
    let _ = tokio::time::timeout(CLOSE_WITHIN, async { while let Some(Ok(_)) = socket.recv().await {} }).await;
}
