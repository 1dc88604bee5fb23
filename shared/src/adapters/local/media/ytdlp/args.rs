//! The argv of each yt-dlp run. Nothing from outside the arguments steers it: no configuration
//! file or plugin of the user's, no proxy but jobsmith's own, its cache where jobsmith says.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use super::proxy::YtDlpProxy;
use crate::ports::ListRequest;

/// The downloaded file's name before its extension, in the empty directory the caller gives;
/// the info JSON is written beside it as `video.info.json`.
pub(super) const FILE_STEM: &str = "video";

/// yt-dlp's default format choice, with every format that says it is watermarked left out, then
/// the default itself when nothing else is left. yt-dlp's TikTok extractor marks its watermarked
/// formats in `format_note` (`watermarked` for the web's `download` format, `Download video,
/// watermarked` for the app's `download_addr` when the video has one) and also ranks them
/// lower, so the default already avoids them when it can; the filter makes it certain. `?` lets
/// formats without a note through, and a video that only has watermarked formats still
/// downloads (best effort, as asked).
pub(super) const NO_WATERMARK_FORMAT: &str =
    "bv*[format_note!*=?watermarked]+ba/b[format_note!*=?watermarked]/bv*+ba/b";

/// yt-dlp's name for its generic extractor, the last in its list, which reads any page.
const GENERIC: &str = "generic";

/// What every run shares.
pub(super) struct Common<'a> {
    pub ffmpeg: &'a Path,
    pub cache_dir: &'a Path,
    /// How long a connection may stay silent before yt-dlp gives the request up.
    pub socket_timeout: Duration,
    /// None: no proxy at all, not even one the environment names.
    pub proxy: Option<&'a YtDlpProxy>,
}

impl Common<'_> {
    fn args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = ["--no-config", "--no-plugin-dirs", "--no-progress"].map(OsString::from).into();
        args.push("--proxy".into());
        args.push(self.proxy.map_or("", YtDlpProxy::url).into());
        if self.proxy.is_some_and(|proxy| !proxy.checks_certificates()) {
            args.push("--no-check-certificates".into());
        }
        args.push("--cache-dir".into());
        args.push(self.cache_dir.into());
        args.push("--ffmpeg-location".into());
        args.push(self.ffmpeg.into());
        args.push("--socket-timeout".into());
        args.push(self.socket_timeout.as_secs().max(1).to_string().into());
        args
    }
}

/// Prints each video of the page as one JSON line, newest first, stopping after `limit` that
/// match. yt-dlp counts only matching videos towards `--max-downloads` (and ends with exit code
/// 101 when it is reached), so videos skipped for being too new do not use up the limit. Pages
/// list newest first, so the first video older than `since` ends the listing
/// (`--break-match-filters`, also exit code 101); one that is newer than `until` is skipped.
/// Undated videos pass both (`?`); the caller checks the window again on what yt-dlp knew.
pub(super) fn list(common: &Common<'_>, request: &ListRequest) -> Vec<OsString> {
    let mut args = common.args();
    args.extend(["--dump-json", "--ignore-errors", "--max-downloads"].map(OsString::from));
    args.push(request.limit.max(1).to_string().into());
    if let Some(since) = request.since {
        args.push("--break-match-filters".into());
        args.push(format!("timestamp>=?{}", since.timestamp()).into());
    }
    if let Some(until) = request.until {
        args.push("--match-filters".into());
        args.push(format!("timestamp<=?{}", until.timestamp()).into());
    }
    // `--` so that no URL can be read as an option.
    args.push("--".into());
    args.push(request.url.as_str().into());
    args
}

/// Where a download starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Start<'a> {
    /// The video's page, read again.
    Page(&'a str),
    /// The info JSON the listing printed for it, in this file: yt-dlp takes the file from the
    /// formats it names without fetching or reading the page, and goes to the page (its
    /// `webpage_url`) by itself when that download fails, as when a format's URL has expired;
    /// but only when told to stop at an error (`--abort-on-error`), which its default
    /// (`only_download`) does not.
    ListingInfo(&'a Path),
}

/// Fetches one video into `dir` as `video.<ext>` with `video.info.json` beside it, and prints
/// the file's final path, after any merge, on stdout. `extractor`, the one that listed the
/// video, is tried first (see [`extractors_first`]).
pub(super) fn download(
    common: &Common<'_>,
    from: Start<'_>,
    dir: &Path,
    no_watermark: bool,
    extractor: Option<&str>,
) -> Vec<OsString> {
    let mut args = common.args();
    if let Some(extractors) = extractor.and_then(extractors_first) {
        args.push("--use-extractors".into());
        args.push(extractors.into());
    }
    args.extend(["--no-playlist", "--no-simulate", "--print", "after_move:filepath"].map(OsString::from));
    args.extend(["--write-info-json", "--no-write-playlist-metafiles", "--no-mtime"].map(OsString::from));
    args.push("--paths".into());
    args.push(dir.into());
    args.push("--output".into());
    args.push(format!("{FILE_STEM}.%(ext)s").into());
    if no_watermark {
        args.push("--format".into());
        args.push(NO_WATERMARK_FORMAT.into());
    }
    match from {
        Start::Page(url) => {
            args.push("--".into());
            args.push(url.into());
        }
        // yt-dlp ignores any URL given with it, and says so.
        Start::ListingInfo(file) => {
            args.push("--abort-on-error".into());
            args.push("--load-info-json".into());
            args.push(file.into());
        }
    }
    args
}

/// `--use-extractors` for a download: `extractor` first, then yt-dlp's default list in its own
/// order. yt-dlp gives a URL to the first extractor in its list whose URL pattern matches,
/// compiling each pattern it tries on the way; a page of a site late in that list (TikTok comes
/// after some 1,460 others) costs every download process a third of a second of CPU or more
/// before it fetches anything, where the listing has already said which extractor reads the
/// page. The default list after it keeps every other extractor, for a URL this one no longer
/// takes. The generic extractor, which takes any URL, goes alone: it looks for other sites'
/// players embedded in the page by trying every extractor in the list on it (another third of a
/// second of CPU), and a video the listing named `generic` is one it read from the page itself,
/// since a page embedding another site's player lists under that site's extractor. Names are
/// regular expressions to yt-dlp (matched whole, ignoring case), so the name is escaped (a
/// leading `-`, which would remove the extractor, too); an unknown name selects nothing. None for
/// a name that cannot be passed: empty, or with a comma, which separates names.
pub(super) fn extractors_first(extractor: &str) -> Option<String> {
    if extractor.is_empty() || extractor.contains(',') {
        return None;
    }
    if extractor.eq_ignore_ascii_case(GENERIC) {
        return Some(GENERIC.to_owned());
    }
    let mut escaped = String::with_capacity(extractor.len() + 8);
    for c in extractor.chars() {
        // Python's `re` reads `\` before anything but an ASCII letter or digit as that character.
        if !(c.is_ascii_alphanumeric() || c == '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    Some(format!("{escaped},default"))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn common() -> Common<'static> {
        Common {
            ffmpeg: Path::new("/opt/ffmpeg"),
            cache_dir: Path::new("/var/cache/yt"),
            socket_timeout: Duration::from_millis(500),
            proxy: None,
        }
    }

    fn strings(args: &[OsString]) -> Vec<&str> {
        args.iter().map(|a| a.to_str().unwrap()).collect()
    }

    /// The value right after `flag`, if the flag is there.
    fn value<'a>(args: &'a [&'a str], flag: &str) -> Option<&'a str> {
        args.iter().position(|a| *a == flag).map(|i| args[i + 1])
    }

    #[test]
    fn every_run_is_pinned_down() {
        let args =
            list(&common(), &ListRequest { url: "https://x.test/@a".into(), limit: 5, since: None, until: None });
        let args = strings(&args);
        for flag in ["--no-config", "--no-plugin-dirs", "--no-progress"] {
            assert!(args.contains(&flag), "{flag}: {args:?}");
        }
        assert_eq!(value(&args, "--proxy"), Some(""));
        assert_eq!(value(&args, "--cache-dir"), Some("/var/cache/yt"));
        assert_eq!(value(&args, "--ffmpeg-location"), Some("/opt/ffmpeg"));
        assert_eq!(value(&args, "--socket-timeout"), Some("1"), "at least a second");
        assert_eq!(&args[args.len() - 2..], ["--", "https://x.test/@a"]);
        assert!(!args.contains(&"--no-check-certificates"));
    }

    #[test]
    fn a_proxy_is_passed_on_and_certificates_go_unchecked_only_when_told() {
        let checked = YtDlpProxy::parse("socks5://10.0.0.1:1080").unwrap();
        let unchecked = YtDlpProxy::parse("http://127.0.0.1:3128").unwrap().without_certificate_checks();
        let request = ListRequest { url: "u".into(), limit: 1, since: None, until: None };
        for (proxy, url, checks) in
            [(&checked, "socks5://10.0.0.1:1080", true), (&unchecked, "http://127.0.0.1:3128", false)]
        {
            let common = Common { proxy: Some(proxy), ..common() };
            for args in [list(&common, &request), download(&common, Start::Page("u"), Path::new("/d"), false, None)] {
                let args = strings(&args);
                assert_eq!(value(&args, "--proxy"), Some(url));
                assert_eq!(args.contains(&"--no-check-certificates"), !checks, "{args:?}");
            }
        }
    }

    #[test]
    fn a_listing_counts_matches_and_filters_on_the_window() {
        let since = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let until = Utc.with_ymd_and_hms(2025, 2, 1, 0, 0, 0).unwrap();
        let request = ListRequest { url: "-oops".into(), limit: 7, since: Some(since), until: Some(until) };
        let args = list(&common(), &request);
        let args = strings(&args);
        assert!(args.contains(&"--dump-json") && args.contains(&"--ignore-errors"));
        assert_eq!(value(&args, "--max-downloads"), Some("7"));
        assert_eq!(value(&args, "--break-match-filters"), Some("timestamp>=?1735689600"));
        assert_eq!(value(&args, "--match-filters"), Some("timestamp<=?1738368000"));
        assert_eq!(&args[args.len() - 2..], ["--", "-oops"], "a URL is never an option");

        let open = list(&common(), &ListRequest { url: "u".into(), limit: 0, since: None, until: None });
        let open = strings(&open);
        assert_eq!(value(&open, "--max-downloads"), Some("1"), "0 would mean no limit to yt-dlp");
        assert!(!open.contains(&"--break-match-filters") && !open.contains(&"--match-filters"));
    }

    #[test]
    fn a_download_names_its_file_and_asks_for_no_watermark_only_when_told() {
        let dir = Path::new("/tmp/run-1/v");
        let plain = download(&common(), Start::Page("https://x.test/v/1"), dir, false, None);
        let plain = strings(&plain);
        assert_eq!(value(&plain, "--paths"), Some("/tmp/run-1/v"));
        assert_eq!(value(&plain, "--output"), Some("video.%(ext)s"));
        assert_eq!(value(&plain, "--print"), Some("after_move:filepath"));
        assert!(plain.contains(&"--no-simulate") && plain.contains(&"--write-info-json"));
        assert_eq!(value(&plain, "--format"), None, "yt-dlp's own choice");

        let clean = download(&common(), Start::Page("https://x.test/v/1"), dir, true, None);
        assert_eq!(value(&strings(&clean), "--format"), Some(NO_WATERMARK_FORMAT));
        assert_eq!(&plain[plain.len() - 2..], ["--", "https://x.test/v/1"]);
    }

    #[test]
    fn a_download_from_the_listing_info_names_the_file_and_no_url() {
        let dir = Path::new("/tmp/run-1/v");
        let args = download(&common(), Start::ListingInfo(Path::new("/tmp/run-1/v/listing.json")), dir, true, None);
        let args = strings(&args);
        assert_eq!(value(&args, "--load-info-json"), Some("/tmp/run-1/v/listing.json"));
        assert!(!args.contains(&"--"), "yt-dlp would ignore a URL and warn: {args:?}");
        assert!(args.contains(&"--abort-on-error"), "else yt-dlp never goes to the page: {args:?}");
        assert_eq!(value(&args, "--format"), Some(NO_WATERMARK_FORMAT));
        assert_eq!(value(&args, "--paths"), Some("/tmp/run-1/v"));
    }

    #[test]
    fn a_download_tries_the_listing_extractor_first_then_the_default_ones_but_generic_alone() {
        let dir = Path::new("/tmp/run-1/v");
        let unknown = download(&common(), Start::Page("https://x.test/v/1"), dir, false, None);
        assert_eq!(value(&strings(&unknown), "--use-extractors"), None, "yt-dlp's own order");
        let tiktok = download(&common(), Start::Page("https://x.test/v/1"), dir, false, Some("TikTok"));
        let tiktok = strings(&tiktok);
        assert_eq!(value(&tiktok, "--use-extractors"), Some("TikTok,default"));
        let position = |flag: &str| tiktok.iter().position(|a| *a == flag).unwrap();
        assert!(position("--use-extractors") < position("--"), "an option, before the URL");

        assert_eq!(extractors_first("youtube:tab").as_deref(), Some("youtube\\:tab,default"));
        assert_eq!(extractors_first("abc.net.au").as_deref(), Some("abc\\.net\\.au,default"));
        assert_eq!(extractors_first("a|b(c)*").as_deref(), Some("a\\|b\\(c\\)\\*,default"));
        assert_eq!(extractors_first("9c9media").as_deref(), Some("9c9media,default"), "digits stay digits");
        assert_eq!(extractors_first("generic").as_deref(), Some("generic"), "alone: it takes any URL");
        assert_eq!(extractors_first("-generic").as_deref(), Some("\\-generic,default"), "a name, not a removal");
        for unusable in ["", "a,b"] {
            assert_eq!(extractors_first(unusable), None, "{unusable:?}");
            let args = download(&common(), Start::Page("u"), dir, false, Some(unusable));
            assert_eq!(value(&strings(&args), "--use-extractors"), None, "{unusable:?}");
        }
    }
}
