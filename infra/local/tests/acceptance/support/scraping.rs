//! A server whose scrapes read the loopback fixture with the installed media tools.

use jobsmith::test_support::media::installed_tools;
use jobsmith::test_support::scrape_fixture::ScrapeFixture;

use super::{Server, ServerOptions};

/// `options` with the media tools, the fixture's feed as every profile's page (the value still
/// reaches the URL) and a hashtag page the fixture does not have (a hashtag run's listing
/// fails), and a free-space floor any test machine keeps.
pub async fn scraping_server(fixture: &ScrapeFixture, options: ServerOptions) -> Server {
    let tools = installed_tools();
    let scraping = [
        ("JOBSMITH_YTDLP", tools.ytdlp.display().to_string()),
        ("JOBSMITH_FFMPEG", tools.ffmpeg.display().to_string()),
        ("JOBSMITH_FFPROBE", tools.ffprobe.display().to_string()),
        ("JOBSMITH_SCRAPE_PROFILE_URL", format!("{}?profile={{value}}", fixture.feed_url())),
        ("JOBSMITH_SCRAPE_HASHTAG_URL", format!("{}/no-such-tag/{{value}}", fixture.base_url())),
        ("JOBSMITH_SCRAPE_FREE_SPACE_MIB", "1".to_owned()),
    ];
    let mut env: Vec<(String, String)> = scraping.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    env.extend(options.env.iter().cloned());
    Server::start(ServerOptions { env, ..options }).await
}
