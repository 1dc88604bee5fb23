//! The proxy's own edges, without yt-dlp: what it does not play is logged and refused, and it
//! stops within its bound.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;
use crate::test_support::media::installed_tools;

/// Sends one proxy request head and reads the answer until the proxy closes or it has a head.
async fn ask(proxy: &TikTokProxy, head: &str) -> String {
    let mut stream = TcpStream::connect(proxy.address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 256];
    while !answer.ends_with(b"\r\n\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await.unwrap().unwrap();
        if read == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..read]);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn hosts_it_does_not_play_are_logged_and_refused_and_it_stops_in_time() {
    let proxy = TikTokProxy::start(&installed_tools().ffmpeg).await;
    assert_eq!(proxy.video_ids().len(), 3);
    assert!(proxy.video_ids().iter().all(|id| !proxy.mp4(id).is_empty()), "each video has its mp4");

    let elsewhere = ask(&proxy, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n").await;
    assert!(elsewhere.starts_with("HTTP/1.1 404"), "{elsewhere}");
    let plain = ask(&proxy, "GET http://www.tiktok.com/@khaby.lame HTTP/1.1\r\nHost: www.tiktok.com\r\n\r\n").await;
    assert!(plain.starts_with("HTTP/1.1 404"), "only tunnels: {plain}");
    let played = ask(&proxy, "CONNECT www.tiktok.com:443 HTTP/1.1\r\nHost: www.tiktok.com:443\r\n\r\n").await;
    assert!(played.starts_with("HTTP/1.1 200"), "{played}");
    assert_eq!(
        proxy.request_log(),
        ["CONNECT example.com:443", "GET http://www.tiktok.com/@khaby.lame", "CONNECT www.tiktok.com:443"]
    );

    let started = Instant::now();
    proxy.stop().await;
    assert!(started.elapsed() < STOP_LIMIT + Duration::from_secs(5), "stopped within its bound");
}
