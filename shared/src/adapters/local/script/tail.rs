//! Keeps the end of a stream, which is where a failing script says why.

use std::collections::VecDeque;
use std::str::Utf8Chunk;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::sync::CancellationToken;

use crate::domain::record_budget::{TAIL_BUDGET, TAIL_MARKER_MAX, tail_marker};

/// The bytes of a U+FFFD, what each invalid sequence becomes.
const REPLACEMENT_LEN: usize = char::REPLACEMENT_CHARACTER.len_utf8();

/// A ring buffer of the last `cap` bytes seen, so that a script printing gigabytes costs a fixed
/// amount of memory.
pub(super) struct Tail {
    buf: VecDeque<u8>,
    cap: usize,
    /// Everything the stream carried, kept or not, for the marker's count.
    seen: u64,
}

impl Tail {
    pub(super) fn new(cap: usize) -> Self {
        Self { buf: VecDeque::with_capacity(cap.min(8 * 1024)), cap, seen: 0 }
    }

    pub(super) fn push(&mut self, chunk: &[u8]) {
        self.seen = self.seen.saturating_add(chunk.len() as u64);
        let keep = &chunk[chunk.len().saturating_sub(self.cap)..];
        let overflow = (self.buf.len() + keep.len()).saturating_sub(self.cap);
        self.buf.drain(..overflow.min(self.buf.len()));
        self.buf.extend(keep);
    }

    /// The end of the stream as text of at most `budget` bytes, measured after the lossy
    /// conversion (scripts print whatever bytes they like, and each invalid sequence becomes a
    /// 3-byte U+FFFD). When anything was left out, by the ring or here, a marker at the start
    /// says how many bytes of the stream came before what is shown. A character cut in half by
    /// the ring is dropped rather than shown as a replacement character.
    pub(super) fn into_string(mut self, budget: usize) -> String {
        let seen = self.seen;
        let ring = self.buf.make_contiguous();
        let cut_by_ring = seen > ring.len() as u64;
        let start = if cut_by_ring { ring.iter().take(3).take_while(|b| (**b & 0xC0) == 0x80).count() } else { 0 };
        let bytes = &ring[start..];
        let chunks: Vec<Utf8Chunk<'_>> = bytes.utf8_chunks().collect();
        let text_len: usize = chunks.iter().map(|c| c.valid().len() + replaced_len(c)).sum();
        if !cut_by_ring && text_len <= budget {
            return String::from_utf8_lossy(bytes).into_owned();
        }
        let (shown, kept_bytes) = last_text(&chunks, budget.saturating_sub(TAIL_MARKER_MAX));
        let mut text = tail_marker(seen.saturating_sub(kept_bytes as u64));
        text.extend(shown.into_iter().rev());
        text
    }
}

fn replaced_len(chunk: &Utf8Chunk<'_>) -> usize {
    if chunk.invalid().is_empty() { 0 } else { REPLACEMENT_LEN }
}

/// The pieces of the lossy text, last first, that fit `room` bytes, and how many bytes of the
/// stream they stand for.
fn last_text<'a>(chunks: &[Utf8Chunk<'a>], room: usize) -> (Vec<&'a str>, usize) {
    let (mut shown, mut used, mut kept) = (Vec::new(), 0, 0);
    // A chunk is valid text followed by an invalid sequence, so from the end the invalid part
    // comes first.
    for chunk in chunks.iter().rev() {
        if !chunk.invalid().is_empty() {
            if used + REPLACEMENT_LEN > room {
                break;
            }
            shown.push("\u{FFFD}");
            used += REPLACEMENT_LEN;
            kept += chunk.invalid().len();
        }
        let valid = chunk.valid();
        if used + valid.len() <= room {
            shown.push(valid);
            used += valid.len();
            kept += valid.len();
            continue;
        }
        let mut from = valid.len() - (room - used);
        while !valid.is_char_boundary(from) {
            from += 1;
        }
        shown.push(&valid[from..]);
        kept += valid.len() - from;
        break;
    }
    (shown, kept)
}

/// Reads until end of stream, an error, or `stop`; whatever arrived is kept either way, cut to
/// what an execution record holds.
pub(super) async fn read_tail<R: AsyncRead + Unpin>(reader: Option<R>, stop: &CancellationToken) -> String {
    // Valid text never shrinks in conversion, so a ring of the budget's size always has enough
    // to fill it.
    let mut tail = Tail::new(TAIL_BUDGET);
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
    tail.into_string(TAIL_BUDGET)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plenty, so that only the ring cuts.
    const WIDE: usize = 1024;

    fn fed(cap: usize, chunks: &[&[u8]]) -> Tail {
        let mut t = Tail::new(cap);
        for chunk in chunks {
            t.push(chunk);
        }
        t
    }

    #[test]
    fn keeps_only_the_last_bytes_and_says_how_many_went() {
        assert_eq!(fed(4, &[b"ab", b"cde"]).into_string(WIDE), format!("{}bcde", tail_marker(1)));
        assert_eq!(fed(4, &[b"0123456789"]).into_string(WIDE), format!("{}6789", tail_marker(6)));
        assert_eq!(fed(4, &[b"abc"]).into_string(WIDE), "abc", "nothing left out: no marker");
    }

    #[test]
    fn cuts_on_a_character_boundary() {
        // 1 + 2 + 3 bytes: the ring keeps only the second byte of é, which is dropped too.
        assert_eq!(fed(4, &["aé€".as_bytes()]).into_string(WIDE), format!("{}€", tail_marker(3)));
        assert_eq!(fed(3, &[&[b'a', 0xFF, b'b']]).into_string(WIDE), "a\u{FFFD}b");
        // The budget falls inside é: it goes whole.
        let text = format!("{}é€", "x".repeat(TAIL_MARKER_MAX));
        let fitted = fed(WIDE, &[text.as_bytes()]).into_string(TAIL_MARKER_MAX + 4);
        assert_eq!(fitted, format!("{}€", tail_marker(TAIL_MARKER_MAX as u64 + 2)));
    }

    #[test]
    fn invalid_bytes_count_as_what_they_become() {
        // 100 invalid bytes are 300 bytes of text; 30 bytes of room show the last ten.
        let text = fed(WIDE, &[&[0xFF; 100]]).into_string(TAIL_MARKER_MAX + 30);
        assert_eq!(text, format!("{}{}", tail_marker(90), "\u{FFFD}".repeat(10)));
        let text = fed(WIDE, &[&[0xFF; 100], b"ok"]).into_string(TAIL_MARKER_MAX + 10);
        assert_eq!(text, format!("{}\u{FFFD}\u{FFFD}ok", tail_marker(98)), "a replacement is never split");
    }

    #[test]
    fn a_full_ring_of_invalid_bytes_fits_the_record() {
        let text = fed(TAIL_BUDGET, &[&vec![0xFF; 1 << 20]]).into_string(TAIL_BUDGET);
        assert!(text.len() <= TAIL_BUDGET, "{}", text.len());
        let body = text.split_once('\n').map_or("", |(_, body)| body);
        assert_eq!(text, format!("{}{body}", tail_marker((1 << 20) - body.len() as u64 / 3)));
    }
}
