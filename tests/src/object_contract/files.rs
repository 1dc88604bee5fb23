//! Files in and out without holding them in memory: `put_file` and `get_to_file`, checked by
//! hashes of files generated on disk.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use jobsmith::ports::ObjectStore;
use sha2::{Digest, Sha256};

use super::key;

const MIB: u64 = 1024 * 1024;

/// Past the multipart threshold the S3 test stores use (5 MiB, in 5 MiB parts: see
/// [`super::s3`]), and not a whole number of parts, so the last part is short.
pub const BIG_FILE: u64 = 12 * MIB + 12_345;

const CHUNK: usize = 64 * 1024;

/// Writes `len` pseudo-random bytes (seeded, so reproducible) to `path`, a chunk at a time, and
/// returns their SHA-256.
pub fn write_file(path: &Path, len: u64, seed: u64) -> [u8; 32] {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create the test file"));
    let mut hash = Sha256::new();
    let mut state = seed | 1;
    let mut chunk = vec![0u8; CHUNK];
    let mut left = len;
    while left > 0 {
        let n = usize::try_from(left.min(CHUNK as u64)).expect("a chunk fits");
        for byte in &mut chunk[..n] {
            // xorshift64: cheap bytes that no compression or deduplication can shortcut.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = (state >> 24) as u8;
        }
        file.write_all(&chunk[..n]).expect("write the test file");
        hash.update(&chunk[..n]);
        left -= n as u64;
    }
    file.flush().expect("flush the test file");
    hash.finalize().into()
}

/// The SHA-256 of a file, read a chunk at a time.
pub fn hash_file(path: &Path) -> [u8; 32] {
    let mut file = std::fs::File::open(path).expect("open the file to hash");
    let mut hash = Sha256::new();
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = file.read(&mut chunk).expect("read the file to hash");
        if n == 0 {
            return hash.finalize().into();
        }
        hash.update(&chunk[..n]);
    }
}

pub async fn a_file_past_the_multipart_threshold_round_trips(store: Arc<dyn ObjectStore>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = dir.path().join("source.mp4");
    let written = write_file(&source, BIG_FILE, 0x5eed);
    let k = key("videos/big/source.mp4");

    store.put_file(&k, &source, "video/mp4").await.expect("put_file");
    assert_eq!(store.head(&k).await.expect("head").map(|i| i.size), Some(BIG_FILE));

    let copy = dir.path().join("copy.mp4");
    let size = store.get_to_file(&k, &copy).await.expect("get_to_file");
    assert_eq!(size, BIG_FILE, "get_to_file reports the size");
    assert_eq!(std::fs::metadata(&copy).expect("copy").len(), BIG_FILE);
    assert_eq!(hash_file(&copy), written, "the bytes round-trip");
    let names: Vec<_> = std::fs::read_dir(dir.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(names.len(), 2, "no partial file is left beside the download: {names:?}");
}

pub async fn a_small_file_round_trips_and_replaces_the_destination(store: Arc<dyn ObjectStore>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = dir.path().join("small.json");
    let written = write_file(&source, 4_321, 7);
    let k = key("meta/small.json");
    store.put_file(&k, &source, "application/json").await.expect("put_file");
    assert_eq!(store.get(&k).await.expect("get").len(), 4_321);

    let dest = dir.path().join("dest.json");
    std::fs::write(&dest, vec![b'x'; 100_000]).expect("a longer file in the way");
    assert_eq!(store.get_to_file(&k, &dest).await.expect("get_to_file"), 4_321);
    assert_eq!(hash_file(&dest), written, "the download replaces the file whole");

    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").expect("empty file");
    store.put_file(&key("meta/empty"), &empty, "application/octet-stream").await.expect("an empty file");
    assert_eq!(store.head(&key("meta/empty")).await.expect("head").map(|i| i.size), Some(0));
}
