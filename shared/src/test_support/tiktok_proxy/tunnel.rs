//! The proxy's front: a `CONNECT` to a host the proxy plays is answered `200` and the tunnel's
//! TLS is terminated here, with a certificate made when the proxy starts (yt-dlp runs with
//! `--no-check-certificates`); the open tunnels are handed to the HTTP server as its
//! connections. Any other request is logged and answered 404.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;

use super::canned::{CDN_HOST, WEB_HOST};
use super::site::Log;

/// A request head larger than this is no proxy request of yt-dlp's.
const MAX_HEAD: usize = 8 * 1024;

/// How long a client may take to send its `CONNECT` and finish the TLS handshake.
const OPENING: Duration = Duration::from_secs(10);

/// A TLS acceptor whose certificate names every host the proxy plays.
pub(super) fn acceptor() -> TlsAcceptor {
    let names = vec![WEB_HOST.to_owned(), CDN_HOST.to_owned()];
    let made = rcgen::generate_simple_self_signed(names).expect("a self-signed certificate");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key)
        .expect("the certificate and its key match");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    TlsAcceptor::from(Arc::new(config))
}

pub(super) type Tunnel = (TlsStream<TcpStream>, SocketAddr);

/// The open tunnels, as the connections of an HTTP server.
pub(super) struct Tunnels {
    pub opened: mpsc::Receiver<Tunnel>,
    pub address: SocketAddr,
}

impl axum::serve::Listener for Tunnels {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> Tunnel {
        match self.opened.recv().await {
            Some(tunnel) => tunnel,
            // The front has stopped: no connection will come again.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.address)
    }
}

/// Accepts proxy clients until `stop`, each opened on its own task, bounded by [`OPENING`].
pub(super) async fn front(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    log: Log,
    opened: mpsc::Sender<Tunnel>,
    stop: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stop.cancelled() => return,
        };
        let Ok((stream, peer)) = accepted else { continue };
        let (acceptor, log, opened, stop) = (acceptor.clone(), log.clone(), opened.clone(), stop.clone());
        tokio::spawn(async move {
            let opening = tokio::time::timeout(OPENING, open(stream, peer, &acceptor, &log));
            let tunnel = tokio::select! {
                tunnel = opening => tunnel,
                () = stop.cancelled() => return,
            };
            match tunnel {
                Ok(Ok(Some(tunnel))) => {
                    let _ = opened.send(tunnel).await;
                }
                Ok(Ok(None)) => {}
                Ok(Err(err)) => tracing::warn!(error = %err, "a tunnel of the tiktok proxy failed to open"),
                Err(_) => tracing::warn!("a client of the tiktok proxy took more than {OPENING:?} to open its tunnel"),
            }
        });
    }
}

/// Reads the proxy request; a `CONNECT` to a played host becomes a TLS tunnel, anything else
/// gets a 404 and None.
async fn open(
    mut stream: TcpStream,
    peer: SocketAddr,
    acceptor: &TlsAcceptor,
    log: &Log,
) -> io::Result<Option<Tunnel>> {
    let head = read_head(&mut stream).await?;
    let request_line = head.lines().next().unwrap_or_default();
    let mut words = request_line.split(' ');
    let (method, target) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
    log.push(format!("{method} {target}"));
    let played =
        target.rsplit_once(':').is_some_and(|(host, port)| port == "443" && [WEB_HOST, CDN_HOST].contains(&host));
    if method != "CONNECT" || !played {
        tracing::warn!(%request_line, "the tiktok proxy does not play this");
        stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await?;
        return Ok(None);
    }
    stream.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await?;
    let tls = acceptor.accept(stream).await?;
    Ok(Some((tls, peer)))
}

/// The request head, up to its blank line. The client sends nothing more until it is answered,
/// so nothing of the tunnel's own bytes is read here.
async fn read_head(stream: &mut TcpStream) -> io::Result<String> {
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 512];
    while !head.ends_with(b"\r\n\r\n") {
        let read = stream.read(&mut chunk).await?;
        if read == 0 || head.len() + read > MAX_HEAD {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "no whole proxy request head"));
        }
        head.extend_from_slice(&chunk[..read]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}
