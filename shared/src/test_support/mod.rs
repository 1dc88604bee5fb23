//! What jobsmith's tests build on, written once: fixtures, fakes that fail on command, the
//! scheduler target the AWS tests point at, a harness that drives the whole router, the
//! installed media tools, a video site on loopback for them to scrape, and TikTok's pages
//! behind a loopback proxy for yt-dlp's TikTok extractor. Compiled for the
//! crate's own tests and, with the `test-support` feature, for the other crates' tests; never
//! part of a build that ships.

pub mod aws;
pub mod clock;
pub mod fakes;
pub mod fixtures;
pub mod locked_files;
pub mod media;
pub mod router;
pub mod scrape_fixture;
pub mod tiktok_proxy;
pub mod video_source;
pub mod videos;
