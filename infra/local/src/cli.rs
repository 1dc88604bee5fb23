//! The command line, with an environment variable for every serve option.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jobsmith::adapters::local::media::ytdlp::YtDlpProxy;
use jobsmith::adapters::local::media::{INSTALL_DIR, MediaTools};
use jobsmith::adapters::local::script::{Interpreters, ScriptEnvironment};
use jobsmith::adapters::local::{LocalConfig, PageAccess, ScrapeConfig};
use jobsmith::domain::cleanup::{CleanupGuard, CleanupToken, ServerMode};
use jobsmith::domain::principal::{KeyRing, Role};
use jobsmith::domain::scrape_url::{DEFAULT_HASHTAG_URL, DEFAULT_PROFILE_URL, ScrapeUrls};
use jobsmith::http::rate_limit::{DEFAULT_BURST, DEFAULT_PER_MINUTE};
use jobsmith::http::{CorsOrigins, Limits, RateLimit};

#[derive(Parser)]
#[command(
    name = "jobsmith",
    version,
    about = "Schedules scripts, scraping runs and clip cutting; records every execution."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the whole API with the in-process scheduler and the embedded store.
    // Boxed: the serve options outweigh every other command's many times over.
    Serve(Box<ServeArgs>),
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Print a fresh key and the configuration line (name, role, SHA-256 of the key) that admits it.
    New {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Viewer,
    Operator,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Operator => Role::Operator,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// SQLite and the in-process scheduler.
    Local,
    /// DynamoDB, EventBridge Scheduler and S3, configured by `JOBSMITH_TABLE`, `JOBSMITH_BUCKET`,
    /// `JOBSMITH_SCHEDULE_GROUP`, … and the AWS SDK's own variables (`AWS_ENDPOINT_URL` for an
    /// emulator). EventBridge fires the executor function, so nothing runs in the background here.
    Aws,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Where jobs live and what fires them.
    #[arg(long, env = "JOBSMITH_BACKEND", value_enum, default_value = "local")]
    pub backend: Backend,
    /// Address to listen on.
    #[arg(long, env = "JOBSMITH_BIND", default_value = "127.0.0.1:8000")]
    pub bind: SocketAddr,
    /// Where the database lives.
    #[arg(long, env = "JOBSMITH_DATA_DIR", default_value = "./.jobsmith")]
    pub data_dir: PathBuf,
    /// A directory scripts may be run from; repeat for several (the variable takes a
    /// colon-separated list).
    #[arg(long = "script-root", env = "JOBSMITH_SCRIPT_ROOTS", value_delimiter = ':', default_value = "./scripts")]
    pub script_roots: Vec<PathBuf>,
    /// API keys as `NAME:ROLE:sha256:HEX` entries separated by commas or newlines.
    #[arg(long, env = "JOBSMITH_API_KEYS", default_value = "", hide_env_values = true)]
    pub api_keys: String,
    /// A web origin (`https://app.example`) whose pages may call the API from a browser, with a
    /// key; repeat for several (the variable takes a comma-separated list). Needs API keys: with
    /// none, every other site is refused.
    #[arg(long = "cors-origin", env = "JOBSMITH_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// How late a due run may still start (after downtime, say); later ones are recorded as skipped.
    #[arg(long, env = "JOBSMITH_MISFIRE_GRACE_SECONDS", default_value_t = 60)]
    pub misfire_grace_seconds: u32,
    #[arg(long, env = "JOBSMITH_BASH", default_value = "bash")]
    pub bash: PathBuf,
    #[arg(long, env = "JOBSMITH_PYTHON", default_value = "python3")]
    pub python: PathBuf,
    /// yt-dlp, for scrape runs [default: ./.venv-media/bin/yt-dlp when it exists (see
    /// `infra/media.sh install`), else yt-dlp on PATH]
    #[arg(long, env = "JOBSMITH_YTDLP")]
    pub ytdlp: Option<PathBuf>,
    /// ffmpeg, for downloads and clips [default: ./.venv-media/bin/ffmpeg when it exists, else
    /// ffmpeg on PATH]
    #[arg(long, env = "JOBSMITH_FFMPEG")]
    pub ffmpeg: Option<PathBuf>,
    /// ffprobe, for video lengths and sizes [default: ./.venv-media/bin/ffprobe when it exists,
    /// else ffprobe on PATH]
    #[arg(long, env = "JOBSMITH_FFPROBE")]
    pub ffprobe: Option<PathBuf>,
    /// A profile's page, with `{value}` where the username goes.
    #[arg(long, env = "JOBSMITH_SCRAPE_PROFILE_URL", default_value = DEFAULT_PROFILE_URL)]
    pub scrape_profile_url: String,
    /// A hashtag's page, with `{value}` where the tag goes.
    #[arg(long, env = "JOBSMITH_SCRAPE_HASHTAG_URL", default_value = DEFAULT_HASHTAG_URL)]
    pub scrape_hashtag_url: String,
    /// Downloads one scrape run keeps going at once.
    #[arg(long, env = "JOBSMITH_SCRAPE_DOWNLOADS", default_value = "2")]
    pub scrape_downloads: NonZeroUsize,
    /// MiB the data directory's disk must keep free: below it a download fails as `storage`
    /// instead of filling the disk.
    #[arg(long, env = "JOBSMITH_SCRAPE_FREE_SPACE_MIB", default_value_t = 1024)]
    pub scrape_free_space_mib: u64,
    /// A proxy every yt-dlp request of a scrape goes through (`http://`, `https://`, `socks5://`
    /// and the like, with a host).
    #[arg(long, env = "JOBSMITH_SCRAPE_PROXY")]
    pub scrape_proxy: Option<String>,
    /// Let a clip's source page be on a loopback or private address (a server whose videos are
    /// on its own network); by default such pages are refused, so that a client cannot point the
    /// server at its own network.
    #[arg(long, env = "JOBSMITH_CLIP_PRIVATE_PAGES")]
    pub clip_private_pages: bool,
    /// Requests a minute each caller (its API key; with no keys, its address) may make to seed
    /// 002's routes (`/api/v1/jobs…`, `/videos…`, `/scheduled-jobs…`, `/stats…`); 0 turns the
    /// limit off [default: RATE_LIMIT_REQUESTS_PER_MINUTE when set, else 10]
    #[arg(long, env = "JOBSMITH_RATE_LIMIT_REQUESTS_PER_MINUTE")]
    pub rate_limit_per_minute: Option<u32>,
    /// Requests a caller may make at once before the per-minute pace applies; 0 turns the limit
    /// off [default: RATE_LIMIT_BURST when set, else 20]
    #[arg(long, env = "JOBSMITH_RATE_LIMIT_BURST")]
    pub rate_limit_burst: Option<u32>,
    /// `development` allows seed 003's cleanup of every video (with its token); `production`
    /// refuses it [default: DEBUG=True means development; else development on a loopback bind,
    /// production on any other]
    #[arg(long, env = "JOBSMITH_MODE")]
    pub mode: Option<String>,
    /// The token seed 003's cleanup asks for, at least 16 characters [default:
    /// DELETE_ALL_VIDEOS_TOKEN; with neither, a development server on loopback takes the seed's
    /// own token and any other server none]
    #[arg(long, env = "JOBSMITH_CLEANUP_TOKEN", hide_env_values = true)]
    pub cleanup_token: Option<String>,
    /// Log filter, e.g. `info` or `jobsmith=debug`.
    #[arg(long, env = "JOBSMITH_LOG", default_value = "info")]
    pub log: String,
}

impl ServeArgs {
    pub fn cors_origins(&self) -> Result<CorsOrigins, String> {
        CorsOrigins::parse(&self.cors_origins).map_err(|err| format!("JOBSMITH_CORS_ORIGINS: {err}"))
    }

    /// Seed 002's rate limit: the option (or its `JOBSMITH_` variable), else the seed's own
    /// variable (`RATE_LIMIT_REQUESTS_PER_MINUTE`, `RATE_LIMIT_BURST`) read through `lookup`,
    /// else the seed's default.
    pub fn rate_limit(&self, lookup: impl Fn(&str) -> Option<String>) -> Result<RateLimit, String> {
        let pick = |given: Option<u32>, seed_var: &str, default: u32| match given {
            Some(value) => Ok(value),
            None => match lookup(seed_var) {
                Some(raw) => raw
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| format!("{seed_var}: expected a whole number of requests, not {raw:?}")),
                None => Ok(default),
            },
        };
        let per_minute = pick(self.rate_limit_per_minute, "RATE_LIMIT_REQUESTS_PER_MINUTE", DEFAULT_PER_MINUTE)?;
        let burst = pick(self.rate_limit_burst, "RATE_LIMIT_BURST", DEFAULT_BURST)?;
        Ok(RateLimit::new(Limits::new(per_minute, burst)))
    }

    /// Seed 003's guard: the mode and the token, from the options or the seed's variables
    /// (`DEBUG`, `DELETE_ALL_VIDEOS_TOKEN`) read through `lookup`.
    pub fn cleanup_guard(&self, lookup: impl Fn(&str) -> Option<String>) -> Result<CleanupGuard, String> {
        let loopback = self.bind.ip().is_loopback();
        let default = if loopback { ServerMode::Development } else { ServerMode::Production };
        let mode = ServerMode::from_settings(self.mode.as_deref(), lookup("DEBUG").as_deref(), default)?;
        let token =
            CleanupToken::from_settings(self.cleanup_token.as_deref(), lookup("DELETE_ALL_VIDEOS_TOKEN").as_deref())
                .map_err(|err| format!("JOBSMITH_CLEANUP_TOKEN: {err}"))?;
        Ok(CleanupGuard::new(mode, token, loopback))
    }

    pub fn local_config(&self, lookup: impl Fn(&str) -> Option<String>) -> Result<LocalConfig, String> {
        let keys = KeyRing::parse(&self.api_keys).map_err(|err| format!("JOBSMITH_API_KEYS: {err}"))?;
        let urls = ScrapeUrls::from_config(Some(&self.scrape_profile_url), Some(&self.scrape_hashtag_url))
            .map_err(|err| format!("scrape page URL {err}"))?;
        Ok(LocalConfig {
            data_dir: self.data_dir.clone(),
            script_roots: self.script_roots.clone(),
            misfire_grace: chrono::Duration::seconds(i64::from(self.misfire_grace_seconds)),
            interpreters: Interpreters { bash: self.bash.clone(), python: self.python.clone() },
            script_env: ScriptEnvironment::from_process(),
            keys,
            media: MediaTools::resolve(
                self.ytdlp.clone(),
                self.ffmpeg.clone(),
                self.ffprobe.clone(),
                std::path::Path::new(INSTALL_DIR),
            ),
            scrape: ScrapeConfig {
                urls,
                downloads_at_once: self.scrape_downloads,
                free_space_floor: self.scrape_free_space_mib.saturating_mul(1024 * 1024),
                proxy: self
                    .scrape_proxy
                    .as_deref()
                    .map(YtDlpProxy::parse)
                    .transpose()
                    .map_err(|err| format!("JOBSMITH_SCRAPE_PROXY: {err}"))?,
                clip_pages: if self.clip_private_pages { PageAccess::Any } else { PageAccess::PublicOnly },
            },
            cleanup: self.cleanup_guard(lookup)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_args(args: &[&str]) -> ServeArgs {
        let cli = Cli::try_parse_from(["jobsmith", "serve"].iter().chain(args)).expect("valid arguments");
        match cli.command {
            Command::Serve(args) => *args,
            Command::Keys { .. } => unreachable!("parsed a serve command"),
        }
    }

    fn limits(args: &[&str], env: &[(&str, &str)]) -> Result<Option<(u32, u32)>, String> {
        let lookup = |name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned());
        let limit = serve_args(args).rate_limit(lookup)?;
        Ok(limit.limits().map(|l| (l.per_minute.get(), l.burst.get())))
    }

    #[test]
    fn the_rate_limit_defaults_to_the_seeds_numbers() {
        assert_eq!(limits(&[], &[]), Ok(Some((10, 20))));
    }

    #[test]
    fn the_seeds_variables_apply_unless_an_option_says_otherwise() {
        let seed = [("RATE_LIMIT_REQUESTS_PER_MINUTE", "30"), ("RATE_LIMIT_BURST", "5")];
        assert_eq!(limits(&[], &seed), Ok(Some((30, 5))));
        assert_eq!(limits(&["--rate-limit-per-minute", "60"], &seed), Ok(Some((60, 5))));
        assert_eq!(limits(&["--rate-limit-burst", "7"], &seed), Ok(Some((30, 7))));
    }

    #[test]
    fn zero_turns_the_rate_limit_off() {
        assert_eq!(limits(&["--rate-limit-per-minute", "0"], &[]), Ok(None));
        assert_eq!(limits(&[], &[("RATE_LIMIT_BURST", "0")]), Ok(None));
    }

    #[test]
    fn a_seed_variable_that_is_no_number_is_refused() {
        let err = limits(&[], &[("RATE_LIMIT_BURST", "lots")]).unwrap_err();
        assert!(err.contains("RATE_LIMIT_BURST") && err.contains("lots"), "{err}");
        assert!(Cli::try_parse_from(["jobsmith", "serve", "--rate-limit-burst", "-1"]).is_err());
    }

    #[test]
    fn a_scrape_proxy_is_checked_when_the_server_starts() {
        let config = serve_args(&["--scrape-proxy", "socks5://127.0.0.1:1080"]).local_config(|_| None).expect("config");
        assert_eq!(config.scrape.proxy, YtDlpProxy::parse("socks5://127.0.0.1:1080").ok());
        assert_eq!(serve_args(&[]).local_config(|_| None).expect("config").scrape.proxy, None);
        match serve_args(&["--scrape-proxy", "ftp://x"]).local_config(|_| None) {
            Err(err) => assert!(err.contains("JOBSMITH_SCRAPE_PROXY"), "{err}"),
            Ok(_) => panic!("an ftp proxy is refused"),
        }
    }

    fn guard(args: &[&str], env: &[(&str, &str)]) -> Result<CleanupGuard, String> {
        serve_args(args).cleanup_guard(|name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn the_mode_follows_the_bind_unless_set() {
        assert_eq!(guard(&[], &[]).unwrap().mode(), ServerMode::Development);
        assert_eq!(guard(&["--bind", "0.0.0.0:8000"], &[]).unwrap().mode(), ServerMode::Production);
        assert_eq!(guard(&["--bind", "0.0.0.0:8000"], &[("DEBUG", "True")]).unwrap().mode(), ServerMode::Development);
        assert_eq!(guard(&["--mode", "production"], &[("DEBUG", "True")]).unwrap().mode(), ServerMode::Production);
        assert!(guard(&["--mode", "staging"], &[]).is_err());
    }

    #[test]
    fn the_seeds_token_only_on_a_loopback_development_server_without_one_configured() {
        let seed = jobsmith::domain::cleanup::SEED_DEFAULT_TOKEN;
        let action = Some(jobsmith::domain::cleanup::CONFIRM_ACTION);
        assert!(guard(&[], &[]).unwrap().check(Some(seed), action).is_ok());
        let configured = guard(&[], &[("DELETE_ALL_VIDEOS_TOKEN", "a-token-of-the-operators")]).unwrap();
        assert!(configured.check(Some(seed), action).is_err());
        assert!(configured.check(Some("a-token-of-the-operators"), action).is_ok());
        let exposed = guard(&["--bind", "0.0.0.0:8000", "--mode", "development"], &[]).unwrap();
        assert!(exposed.check(Some(seed), action).is_err());
        let err = guard(&["--cleanup-token", "short"], &[]).unwrap_err();
        assert!(err.contains("JOBSMITH_CLEANUP_TOKEN"), "{err}");
    }
}
