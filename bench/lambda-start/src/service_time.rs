//! How much of a cold start is spent waiting on the services, apart from the function's own part.
//!
//! A relay between the functions and each service they call (moto, the invoke stub) passes every
//! byte through unchanged and notes when each chunk went which way. A connection's traffic is read
//! as HTTP/1.1 keep-alive reads: a request, then its answer, then the next request. An exchange
//! starts with the client's first bytes after an answer (or on a new connection) and ends with the
//! last bytes of the answer before the client speaks again. The union of the exchanges within a
//! run is the service's share of it; the relay's own loopback hop is counted in that share.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Client,
    Service,
}

type Traffic = Arc<Mutex<Vec<(Instant, Side)>>>;

/// The traffic of every connection relayed since the last [`Exchanges::take`].
#[derive(Clone, Default)]
pub struct Exchanges {
    connections: Arc<Mutex<Vec<Traffic>>>,
}

impl Exchanges {
    fn open(&self) -> Traffic {
        let traffic = Traffic::default();
        self.connections.lock().unwrap_or_else(PoisonError::into_inner).push(traffic.clone());
        traffic
    }

    /// The time within `from..to` when at least one exchange was under way; the connections seen
    /// so far are forgotten, so that the next run starts from none.
    pub fn take(&self, from: Instant, to: Instant) -> Duration {
        let connections = std::mem::take(&mut *self.connections.lock().unwrap_or_else(PoisonError::into_inner));
        let mut spans: Vec<(Instant, Instant)> = connections
            .iter()
            .flat_map(|traffic| spans_of(&traffic.lock().unwrap_or_else(PoisonError::into_inner)))
            .filter_map(|(start, end)| {
                let (start, end) = (start.max(from), end.min(to));
                (start < end).then_some((start, end))
            })
            .collect();
        union_length(&mut spans)
    }
}

/// A connection's exchanges, from its chunks in the order they passed.
fn spans_of(traffic: &[(Instant, Side)]) -> Vec<(Instant, Instant)> {
    let mut spans = Vec::new();
    let mut open: Option<(Instant, Instant)> = None;
    let mut last_side = Side::Service;
    for &(at, side) in traffic {
        match side {
            Side::Client if last_side == Side::Service => {
                spans.extend(open.take());
                open = Some((at, at));
            }
            _ => {
                if let Some((_, end)) = open.as_mut() {
                    *end = at;
                }
            }
        }
        last_side = side;
    }
    spans.extend(open);
    spans
}

fn union_length(spans: &mut [(Instant, Instant)]) -> Duration {
    spans.sort_unstable();
    let mut total = Duration::ZERO;
    let mut current: Option<(Instant, Instant)> = None;
    for &(start, end) in spans.iter() {
        current = match current {
            Some((from, to)) if start <= to => Some((from, to.max(end))),
            Some((from, to)) => {
                total += to - from;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((from, to)) = current {
        total += to - from;
    }
    total
}

/// One service behind a loopback port of its own.
pub struct Relay {
    address: SocketAddr,
    accepting: tokio::task::JoinHandle<()>,
}

impl Relay {
    pub async fn start(service: SocketAddr, exchanges: Exchanges) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("a free loopback port for the relay to {service}: {e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("the relay's address: {e}"));
        let accepting = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let traffic = exchanges.open();
                tokio::spawn(relay(client, service, traffic));
            }
        });
        Self { address, accepting }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

async fn relay(client: TcpStream, service: SocketAddr, traffic: Traffic) {
    let Ok(upstream) = TcpStream::connect(service).await else { return };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let (client_reads, client_writes) = client.into_split();
    let (service_reads, service_writes) = upstream.into_split();
    tokio::join!(
        pass(client_reads, service_writes, Side::Client, traffic.clone()),
        pass(service_reads, client_writes, Side::Service, traffic),
    );
}

async fn pass(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, side: Side, traffic: Traffic) {
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        // Noted before it is passed on, so that whoever has the bytes finds them noted.
        traffic.lock().unwrap_or_else(PoisonError::into_inner).push((Instant::now(), side));
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(base: Instant, ms: u64) -> Instant {
        base + Duration::from_millis(ms)
    }

    #[test]
    fn an_exchange_runs_from_the_request_to_the_last_of_its_answer() {
        let t = Instant::now();
        let traffic = [
            (at(t, 1), Side::Client),
            (at(t, 2), Side::Client),
            (at(t, 5), Side::Service),
            (at(t, 6), Side::Service),
            (at(t, 10), Side::Client),
            (at(t, 13), Side::Service),
            (at(t, 20), Side::Client),
        ];
        assert_eq!(spans_of(&traffic), vec![(at(t, 1), at(t, 6)), (at(t, 10), at(t, 13)), (at(t, 20), at(t, 20))]);
    }

    #[test]
    fn overlapping_exchanges_count_once_and_the_run_clips_them() {
        let t = Instant::now();
        let exchanges = Exchanges::default();
        let one = exchanges.open();
        let two = exchanges.open();
        one.lock().unwrap().extend([(at(t, 0), Side::Client), (at(t, 10), Side::Service)]);
        two.lock().unwrap().extend([(at(t, 5), Side::Client), (at(t, 15), Side::Service)]);
        two.lock().unwrap().extend([(at(t, 30), Side::Client), (at(t, 40), Side::Service)]);
        assert_eq!(exchanges.take(at(t, 2), at(t, 35)), Duration::from_millis(13 + 5));
        assert_eq!(exchanges.take(t, at(t, 50)), Duration::ZERO, "a taken run's connections are forgotten");
    }

    #[tokio::test]
    async fn the_relay_passes_every_byte_and_times_the_exchange() {
        let service = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let service_address = service.local_addr().unwrap();
        let answering = tokio::spawn(async move {
            let (mut stream, _) = service.accept().await.unwrap();
            let mut request = [0; 4];
            stream.read_exact(&mut request).await.unwrap();
            stream.write_all(&request.map(|b| b.to_ascii_uppercase())).await.unwrap();
        });
        let exchanges = Exchanges::default();
        let relay = Relay::start(service_address, exchanges.clone()).await;

        let from = Instant::now();
        let mut client = TcpStream::connect(relay.address).await.unwrap();
        client.write_all(b"ping").await.unwrap();
        let mut answer = [0; 4];
        client.read_exact(&mut answer).await.unwrap();
        let to = Instant::now();
        answering.await.unwrap();

        assert_eq!(&answer, b"PING");
        let waiting = exchanges.take(from, to);
        assert!(waiting > Duration::ZERO && waiting <= to - from, "{waiting:?} of {:?}", to - from);
    }
}
