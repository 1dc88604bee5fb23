//! Keeps the end of a stream, which is where a failing script says why.

use std::collections::VecDeque;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::sync::CancellationToken;

pub(super) const TAIL_BYTES: usize = 64 * 1024;

/// A ring buffer of the last `cap` bytes seen, so that a script printing gigabytes costs a fixed
/// amount of memory.
pub(super) struct Tail {
    buf: VecDeque<u8>,
    cap: usize,
    truncated: bool,
}

impl Tail {
    pub(super) fn new(cap: usize) -> Self {
        Self { buf: VecDeque::with_capacity(cap.min(8 * 1024)), cap, truncated: false }
    }

    pub(super) fn push(&mut self, chunk: &[u8]) {
        let keep = &chunk[chunk.len().saturating_sub(self.cap)..];
        let overflow = (self.buf.len() + keep.len()).saturating_sub(self.cap);
        if overflow > 0 || keep.len() < chunk.len() {
            self.truncated = true;
        }
        self.buf.drain(..overflow.min(self.buf.len()));
        self.buf.extend(keep);
    }

    /// Lossy, because scripts print whatever bytes they like; a character cut in half by the
    /// ring is dropped rather than shown as a replacement character.
    pub(super) fn into_string(mut self) -> String {
        let bytes = self.buf.make_contiguous();
        let start = if self.truncated { bytes.iter().take(3).take_while(|b| (**b & 0xC0) == 0x80).count() } else { 0 };
        String::from_utf8_lossy(&bytes[start..]).into_owned()
    }
}

/// Reads until end of stream, an error, or `stop`; whatever arrived is kept either way.
pub(super) async fn read_tail<R: AsyncRead + Unpin>(reader: Option<R>, stop: &CancellationToken) -> String {
    let mut tail = Tail::new(TAIL_BYTES);
    let Some(mut reader) = reader else { return String::new() };
    let mut chunk = vec![0u8; 16 * 1024];
    // Checked each turn too, because `biased` never looks at `stop` while data keeps coming.
    while !stop.is_cancelled() {
        tokio::select! {
            biased;
            read = reader.read(&mut chunk) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => tail.push(&chunk[..n]),
            },
            () = stop.cancelled() => break,
        }
    }
    tail.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_last_bytes() {
        let mut t = Tail::new(4);
        t.push(b"ab");
        t.push(b"cde");
        assert_eq!(t.into_string(), "bcde");
        let mut t = Tail::new(4);
        t.push(b"0123456789");
        assert_eq!(t.into_string(), "6789");
        let mut t = Tail::new(4);
        t.push(b"abc");
        assert_eq!(t.into_string(), "abc");
    }

    #[test]
    fn cuts_on_a_character_boundary() {
        let mut t = Tail::new(4);
        t.push("aé€".as_bytes()); // 1 + 2 + 3 bytes: the ring keeps only the second byte of é
        assert_eq!(t.into_string(), "€");
        let mut t = Tail::new(3);
        t.push(&[b'a', 0xFF, b'b']);
        assert_eq!(t.into_string(), "a\u{FFFD}b");
    }
}
