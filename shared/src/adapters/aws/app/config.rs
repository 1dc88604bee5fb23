//! The AWS deployment's configuration, read from environment variables through a lookup function
//! so that the rules are tested without touching the process environment.

use std::path::PathBuf;
use std::str::FromStr;

use crate::adapters::aws::dynamo::Retention;
use crate::adapters::aws::scheduler::{SchedulerTarget, default_run_group};
use crate::adapters::local::media::MediaTools;
use crate::adapters::local::media::ytdlp::YtDlpProxy;
use crate::adapters::local::script::{Interpreters, ScriptEnvironment};
use crate::adapters::local::{PageAccess, ScrapeConfig};
use crate::domain::cleanup::{CleanupGuard, CleanupToken, ServerMode};
use crate::domain::principal::KeyRing;
use crate::domain::scrape_url::ScrapeUrls;

/// The variables, named once for the template and the tests.
pub mod vars {
    pub const TABLE: &str = "JOBSMITH_TABLE";
    pub const BUCKET: &str = "JOBSMITH_BUCKET";
    pub const SCHEDULE_GROUP: &str = "JOBSMITH_SCHEDULE_GROUP";
    /// Optional: `<JOBSMITH_SCHEDULE_GROUP>-runs` when unset.
    pub const RUN_SCHEDULE_GROUP: &str = "JOBSMITH_RUN_SCHEDULE_GROUP";
    /// Optional: set on the functions that start runs. The executor has none (the template
    /// cannot give a function its own ARN) and takes its ARN from each invocation.
    pub const EXECUTOR_ARN: &str = "JOBSMITH_EXECUTOR_ARN";
    pub const SCHEDULER_ROLE_ARN: &str = "JOBSMITH_SCHEDULER_ROLE_ARN";
    pub const DLQ_ARN: &str = "JOBSMITH_DLQ_ARN";
    /// The same queue's URL, read by the `redrive` function only.
    pub const DLQ_URL: &str = "JOBSMITH_DLQ_URL";
    pub const SCHEDULER_MAX_RETRIES: &str = "JOBSMITH_SCHEDULER_MAX_RETRIES";
    pub const SCHEDULER_MAX_EVENT_AGE_SECONDS: &str = "JOBSMITH_SCHEDULER_MAX_EVENT_AGE_SECONDS";
    pub const SUCCEEDED_RETENTION_DAYS: &str = "JOBSMITH_SUCCEEDED_RETENTION_DAYS";
    pub const FAILED_RETENTION_DAYS: &str = "JOBSMITH_FAILED_RETENTION_DAYS";
    pub const S3_FORCE_PATH_STYLE: &str = "JOBSMITH_S3_FORCE_PATH_STYLE";
    pub const SCRIPT_ROOTS: &str = "JOBSMITH_SCRIPT_ROOTS";
    pub const API_KEYS: &str = "JOBSMITH_API_KEYS";
    /// The name of the SSM SecureString parameter holding what `JOBSMITH_API_KEYS` would: read by
    /// the authorizer, again after [`KEYS_TTL_SECONDS`], so that keys rotate without a redeploy.
    pub const API_KEYS_PARAMETER: &str = "JOBSMITH_API_KEYS_PARAMETER";
    /// How long the authorizer trusts the keys it read (default 60 s).
    pub const KEYS_TTL_SECONDS: &str = "JOBSMITH_KEYS_TTL_SECONDS";
    pub const MISFIRE_GRACE_SECONDS: &str = "JOBSMITH_MISFIRE_GRACE_SECONDS";
    pub const BASH: &str = "JOBSMITH_BASH";
    pub const PYTHON: &str = "JOBSMITH_PYTHON";
    pub const YTDLP: &str = "JOBSMITH_YTDLP";
    pub const FFMPEG: &str = "JOBSMITH_FFMPEG";
    pub const FFPROBE: &str = "JOBSMITH_FFPROBE";
    pub const SCRAPE_PROFILE_URL: &str = "JOBSMITH_SCRAPE_PROFILE_URL";
    pub const SCRAPE_HASHTAG_URL: &str = "JOBSMITH_SCRAPE_HASHTAG_URL";
    pub const SCRAPE_DOWNLOADS: &str = "JOBSMITH_SCRAPE_DOWNLOADS";
    pub const SCRAPE_FREE_SPACE_MIB: &str = "JOBSMITH_SCRAPE_FREE_SPACE_MIB";
    pub const SCRAPE_PROXY: &str = "JOBSMITH_SCRAPE_PROXY";
    /// Not set on Lambda: a Lambda emulator's address, as the SDK names it.
    pub const LAMBDA_ENDPOINT: &str = "AWS_ENDPOINT_URL_LAMBDA";
    /// `true` lets a clip's source page be on a private address (a VPC's own servers).
    pub const CLIP_PRIVATE_PAGES: &str = "JOBSMITH_CLIP_PRIVATE_PAGES";
    /// Where scrape downloads wait for their upload: Lambda's `/tmp` unless told.
    pub const WORK_DIR: &str = "JOBSMITH_WORK_DIR";
    /// Where scripts run; unset, each runs in its own folder, as `jobsmith serve` runs them.
    pub const SCRIPT_WORK_DIR: &str = "JOBSMITH_SCRIPT_WORK_DIR";
    /// `development` or `production` (the default on AWS): whether seed 003's cleanup may run.
    pub const MODE: &str = "JOBSMITH_MODE";
    /// Seed 003's `DEBUG=True`, read when `JOBSMITH_MODE` is not set.
    pub const DEBUG: &str = "DEBUG";
    pub const CLEANUP_TOKEN: &str = "JOBSMITH_CLEANUP_TOKEN";
    /// Seed 003's name for the token, read when `JOBSMITH_CLEANUP_TOKEN` is not set.
    pub const SEED_CLEANUP_TOKEN: &str = "DELETE_ALL_VIDEOS_TOKEN";
    /// Set by Lambda; names the instance in seed 004's status route.
    pub const FUNCTION_NAME: &str = "AWS_LAMBDA_FUNCTION_NAME";
}

/// EventBridge Scheduler's own bounds for a target's retry policy.
const MAX_RETRIES_RANGE: (i32, i32) = (0, 185);
const MAX_EVENT_AGE_RANGE: (i32, i32) = (60, 86_400);
/// The invoke EventBridge retries is asynchronous and the executor is idempotent, so a few
/// retries cost nothing and ride out throttling.
const DEFAULT_MAX_RETRIES: i32 = 3;
const DEFAULT_MAX_EVENT_AGE_SECONDS: i32 = 3_600;
/// The DynamoDB store's own defaults (`Retention::default()`).
const DEFAULT_SUCCEEDED_RETENTION_DAYS: u32 = 30;
const DEFAULT_FAILED_RETENTION_DAYS: u32 = 90;
/// A TTL further out than this is a typo, not a policy.
/// What a cold start accepts for either retention; template.yaml's parameters say the same, so
/// a deploy refuses what the functions would.
pub const RETENTION_DAYS_RANGE: (u32, u32) = (1, 36_500);
/// Wider than the local server's 60 s: EventBridge invokes the executor asynchronously, and
/// Lambda's queue can hold an event for minutes under throttling; a late run beats a lost one.
const DEFAULT_MISFIRE_GRACE_SECONDS: u32 = 300;
/// The local server's default. On Lambda the template names `/opt/scripts`, where the scripts
/// layer is mounted.
const DEFAULT_SCRIPT_ROOTS: &str = "./scripts";
/// The only writable place a Lambda function has.
const DEFAULT_WORK_DIR: &str = "/tmp/jobsmith";
/// What the executor's ephemeral storage and memory allow at once.
const DOWNLOADS_RANGE: (usize, usize) = (1, 16);
/// Lambda's `/tmp` is 512 MiB unless the function asks for more: the local server's 1 GiB floor
/// would refuse every download there.
const DEFAULT_FREE_SPACE_MIB: u64 = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
}

pub struct AwsConfig {
    pub table: String,
    pub bucket: String,
    pub scheduler: SchedulerTarget,
    pub retention: Retention,
    /// Emulators and most self-hosted S3 servers need `http://host/bucket/key`.
    pub s3_force_path_style: bool,
    pub script_roots: Vec<PathBuf>,
    /// Where scripts run, when not in their own folder (read-only on Lambda).
    pub script_work_dir: Option<PathBuf>,
    pub interpreters: Interpreters,
    /// What scripts inherit, read through the same lookup as the rest: on Lambda, the function's
    /// `PATH` and `LD_LIBRARY_PATH` and never its AWS credentials (see `INHERITED_VARS`).
    pub script_env: ScriptEnvironment,
    /// Checked by the authorizer (and by `jobsmith serve`); the HTTP functions trust its context.
    pub keys: KeyRing,
    pub misfire_grace: chrono::Duration,
    /// The function's name on Lambda; the host name elsewhere.
    pub instance_name: Option<String>,
    /// yt-dlp, ffmpeg and ffprobe: from the variables, else looked up on `PATH`.
    pub media: MediaTools,
    pub scrape: ScrapeConfig,
    pub work_dir: PathBuf,
    /// Seed 003's guard. A function is never on loopback, so the seed's own token never opens it.
    pub cleanup: CleanupGuard,
    /// Where the executor is invoked when not on AWS's own endpoint: the SDK's own variable for
    /// the Lambda service, so that a Lambda emulator can stand in while the rest is on moto.
    pub lambda_endpoint: Option<String>,
}

impl AwsConfig {
    /// Reads every variable through `lookup` (`|name| std::env::var(name).ok()` in a binary). An
    /// empty value counts as unset.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&lookup);
        let (table, bucket) = (env.required(vars::TABLE)?, env.required(vars::BUCKET)?);
        let group = env.required(vars::SCHEDULE_GROUP)?;
        let scheduler = SchedulerTarget {
            run_group: env.optional(vars::RUN_SCHEDULE_GROUP).unwrap_or_else(|| default_run_group(&group)),
            group,
            executor_arn: env.optional(vars::EXECUTOR_ARN),
            role_arn: env.required(vars::SCHEDULER_ROLE_ARN)?,
            dead_letter_arn: env.optional(vars::DLQ_ARN),
            maximum_retry_attempts: env.number(vars::SCHEDULER_MAX_RETRIES, DEFAULT_MAX_RETRIES, MAX_RETRIES_RANGE)?,
            maximum_event_age_seconds: env.number(
                vars::SCHEDULER_MAX_EVENT_AGE_SECONDS,
                DEFAULT_MAX_EVENT_AGE_SECONDS,
                MAX_EVENT_AGE_RANGE,
            )?,
        };
        let succeeded: u32 =
            env.number(vars::SUCCEEDED_RETENTION_DAYS, DEFAULT_SUCCEEDED_RETENTION_DAYS, RETENTION_DAYS_RANGE)?;
        let failed: u32 =
            env.number(vars::FAILED_RETENTION_DAYS, DEFAULT_FAILED_RETENTION_DAYS, RETENTION_DAYS_RANGE)?;
        let retention = Retention {
            succeeded: chrono::Duration::days(i64::from(succeeded)),
            failed: chrono::Duration::days(i64::from(failed)),
        };
        let keys = KeyRing::parse(&env.optional(vars::API_KEYS).unwrap_or_default())
            .map_err(|err| ConfigError::Invalid { name: vars::API_KEYS, message: err.to_string() })?;
        let roots = env.optional(vars::SCRIPT_ROOTS).unwrap_or_else(|| DEFAULT_SCRIPT_ROOTS.to_owned());
        let defaults = Interpreters::default();
        let grace: u32 = env.number(vars::MISFIRE_GRACE_SECONDS, DEFAULT_MISFIRE_GRACE_SECONDS, (0, 86_400))?;
        let scrape = scrape_config(&env)?;
        let cleanup = cleanup_guard(&env)?;
        let media_defaults = MediaTools::default();
        Ok(Self {
            table,
            bucket,
            scheduler,
            retention,
            s3_force_path_style: env.flag(vars::S3_FORCE_PATH_STYLE)?,
            script_roots: roots.split(':').filter(|r| !r.is_empty()).map(PathBuf::from).collect(),
            script_work_dir: env.optional(vars::SCRIPT_WORK_DIR).map(PathBuf::from),
            interpreters: Interpreters {
                bash: env.optional(vars::BASH).map_or(defaults.bash, PathBuf::from),
                python: env.optional(vars::PYTHON).map_or(defaults.python, PathBuf::from),
            },
            script_env: ScriptEnvironment::capture(&lookup),
            keys,
            misfire_grace: chrono::Duration::seconds(i64::from(grace)),
            instance_name: env.optional(vars::FUNCTION_NAME),
            media: MediaTools {
                ytdlp: env.optional(vars::YTDLP).map_or(media_defaults.ytdlp, PathBuf::from),
                ffmpeg: env.optional(vars::FFMPEG).map_or(media_defaults.ffmpeg, PathBuf::from),
                ffprobe: env.optional(vars::FFPROBE).map_or(media_defaults.ffprobe, PathBuf::from),
            },
            scrape,
            work_dir: env.optional(vars::WORK_DIR).map_or_else(|| PathBuf::from(DEFAULT_WORK_DIR), PathBuf::from),
            cleanup,
            lambda_endpoint: env.optional(vars::LAMBDA_ENDPOINT),
        })
    }
}

fn scrape_config<F: Fn(&str) -> Option<String>>(env: &Env<'_, F>) -> Result<ScrapeConfig, ConfigError> {
    let defaults = ScrapeConfig::default();
    let profile = env.optional(vars::SCRAPE_PROFILE_URL);
    let hashtag = env.optional(vars::SCRAPE_HASHTAG_URL);
    let urls = ScrapeUrls::from_config(profile.as_deref(), hashtag.as_deref()).map_err(|err| ConfigError::Invalid {
        name: if profile.is_some() { vars::SCRAPE_PROFILE_URL } else { vars::SCRAPE_HASHTAG_URL },
        message: err.to_string(),
    })?;
    let downloads: usize = env.number(vars::SCRAPE_DOWNLOADS, defaults.downloads_at_once.get(), DOWNLOADS_RANGE)?;
    let floor_mib: u64 = env.number(vars::SCRAPE_FREE_SPACE_MIB, DEFAULT_FREE_SPACE_MIB, (0, 1 << 20))?;
    Ok(ScrapeConfig {
        urls,
        downloads_at_once: std::num::NonZeroUsize::new(downloads).unwrap_or(defaults.downloads_at_once),
        free_space_floor: floor_mib * 1024 * 1024,
        proxy: env
            .optional(vars::SCRAPE_PROXY)
            .map(|raw| YtDlpProxy::parse(&raw))
            .transpose()
            .map_err(|err| ConfigError::Invalid { name: vars::SCRAPE_PROXY, message: err.to_string() })?,
        clip_pages: if env.flag(vars::CLIP_PRIVATE_PAGES)? { PageAccess::Any } else { PageAccess::PublicOnly },
    })
}

fn cleanup_guard<F: Fn(&str) -> Option<String>>(env: &Env<'_, F>) -> Result<CleanupGuard, ConfigError> {
    let mode = ServerMode::from_settings(
        env.optional(vars::MODE).as_deref(),
        env.optional(vars::DEBUG).as_deref(),
        ServerMode::Production,
    )
    .map_err(|message| ConfigError::Invalid { name: vars::MODE, message })?;
    let token = CleanupToken::from_settings(
        env.optional(vars::CLEANUP_TOKEN).as_deref(),
        env.optional(vars::SEED_CLEANUP_TOKEN).as_deref(),
    )
    .map_err(|err| ConfigError::Invalid { name: vars::CLEANUP_TOKEN, message: err.to_string() })?;
    Ok(CleanupGuard::new(mode, token, false))
}

struct Env<'a, F: Fn(&str) -> Option<String>>(&'a F);

impl<F: Fn(&str) -> Option<String>> Env<'_, F> {
    fn optional(&self, name: &str) -> Option<String> {
        (self.0)(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    fn number<T>(&self, name: &'static str, default: T, (min, max): (T, T)) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + std::fmt::Display + Copy,
    {
        let Some(raw) = self.optional(name) else { return Ok(default) };
        let invalid = || ConfigError::Invalid { name, message: format!("expected a whole number from {min} to {max}") };
        let value: T = raw.parse().map_err(|_| invalid())?;
        if value < min || value > max {
            return Err(invalid());
        }
        Ok(value)
    }

    fn flag(&self, name: &'static str) -> Result<bool, ConfigError> {
        match self.optional(name).map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("false" | "0" | "no") => Ok(false),
            Some("true" | "1" | "yes") => Ok(true),
            Some(_) => Err(ConfigError::Invalid { name, message: "expected true or false".to_owned() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| map.get(name).cloned()
    }

    const REQUIRED: [(&str, &str); 4] = [
        (vars::TABLE, "jobs"),
        (vars::BUCKET, "media"),
        (vars::SCHEDULE_GROUP, "jobsmith"),
        (vars::SCHEDULER_ROLE_ARN, "arn:aws:iam::1:role/scheduler"),
    ];

    fn with(extra: &[(&str, &str)]) -> Result<AwsConfig, ConfigError> {
        let mut pairs: Vec<(&str, &str)> = REQUIRED.to_vec();
        pairs.extend_from_slice(extra);
        AwsConfig::from_env(lookup(&pairs))
    }

    #[test]
    fn scrapes_default_to_lambdas_tmp_and_refuse_bad_templates() {
        let config = with(&[]).expect("config");
        assert_eq!(config.work_dir, PathBuf::from("/tmp/jobsmith"));
        assert_eq!(config.scrape.free_space_floor, 64 * 1024 * 1024);
        assert_eq!(config.media.ytdlp, PathBuf::from("yt-dlp"));
        let config = with(&[(vars::SCRAPE_DOWNLOADS, "4"), (vars::YTDLP, "/opt/bin/yt-dlp")]).expect("config");
        assert_eq!((config.scrape.downloads_at_once.get(), config.media.ytdlp), (4, PathBuf::from("/opt/bin/yt-dlp")));
        let err = with(&[(vars::SCRAPE_PROFILE_URL, "http://x/feed")]).err();
        assert!(matches!(err, Some(ConfigError::Invalid { name: vars::SCRAPE_PROFILE_URL, .. })), "{err:?}");
        assert!(with(&[(vars::SCRAPE_DOWNLOADS, "0")]).is_err());
    }

    #[test]
    fn the_required_variables_alone_give_the_defaults() {
        let config = with(&[]).expect("config");
        assert_eq!(config.table, "jobs");
        assert_eq!(config.bucket, "media");
        assert_eq!(config.scheduler.group, "jobsmith");
        assert_eq!(config.scheduler.dead_letter_arn, None);
        assert_eq!(config.scheduler.executor_arn, None, "the executor's own configuration names no executor");
        assert_eq!(config.scheduler.maximum_retry_attempts, DEFAULT_MAX_RETRIES);
        assert_eq!(config.retention, Retention::default());
        assert!(!config.s3_force_path_style);
        assert_eq!(config.script_roots, vec![PathBuf::from("./scripts")]);
        assert_eq!(config.script_work_dir, None, "each script in its own folder, as locally");
        assert!(config.keys.is_empty());
        assert_eq!(config.misfire_grace, chrono::Duration::seconds(300));
        assert_eq!(config.instance_name, None);
    }

    #[test]
    fn each_missing_variable_is_named() {
        for (missing, _) in REQUIRED {
            let pairs: Vec<_> = REQUIRED.iter().copied().filter(|(name, _)| *name != missing).collect();
            assert_eq!(AwsConfig::from_env(lookup(&pairs)).err(), Some(ConfigError::Missing(missing)));
        }
        let mut blank = REQUIRED.to_vec();
        blank[0].1 = "  ";
        assert_eq!(AwsConfig::from_env(lookup(&blank)).err(), Some(ConfigError::Missing(vars::TABLE)));
    }

    #[test]
    fn optional_values_are_read_and_checked() {
        let hash = "0".repeat(64);
        let keys = format!("ops:operator:sha256:{hash}");
        let config = with(&[
            (vars::EXECUTOR_ARN, "arn:aws:lambda:us-east-1:1:function:executor"),
            (vars::DLQ_ARN, "arn:aws:sqs:us-east-1:1:dlq"),
            (vars::SCHEDULER_MAX_RETRIES, "5"),
            (vars::FAILED_RETENTION_DAYS, "7"),
            (vars::S3_FORCE_PATH_STYLE, "TRUE"),
            (vars::SCRIPT_ROOTS, "/opt/a:/opt/b"),
            (vars::SCRIPT_WORK_DIR, "/tmp"),
            (vars::API_KEYS, &keys),
            (vars::FUNCTION_NAME, "jobsmith-get-job"),
        ])
        .expect("config");
        assert_eq!(config.scheduler.executor_arn.as_deref(), Some("arn:aws:lambda:us-east-1:1:function:executor"));
        assert_eq!(config.scheduler.dead_letter_arn.as_deref(), Some("arn:aws:sqs:us-east-1:1:dlq"));
        assert_eq!(config.scheduler.maximum_retry_attempts, 5);
        assert_eq!(config.retention.failed, chrono::Duration::days(7));
        assert!(config.s3_force_path_style);
        assert_eq!(config.script_roots, vec![PathBuf::from("/opt/a"), PathBuf::from("/opt/b")]);
        assert_eq!(config.script_work_dir, Some(PathBuf::from("/tmp")));
        assert_eq!(config.keys.len(), 1);
        assert_eq!(config.instance_name.as_deref(), Some("jobsmith-get-job"));
    }

    #[test]
    fn scripts_inherit_the_allowlist_and_never_the_functions_credentials() {
        let config = with(&[
            ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"),
            ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
        ])
        .expect("config");
        let names: Vec<&str> = config.script_env.vars().iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["PATH"]);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases: [(&str, &str); 5] = [
            (vars::SCHEDULER_MAX_RETRIES, "186"),
            (vars::SCHEDULER_MAX_EVENT_AGE_SECONDS, "10"),
            (vars::SUCCEEDED_RETENTION_DAYS, "soon"),
            (vars::S3_FORCE_PATH_STYLE, "maybe"),
            (vars::API_KEYS, "nope"),
        ];
        for (name, value) in cases {
            match with(&[(name, value)]) {
                Err(ConfigError::Invalid { name: named, .. }) => assert_eq!(named, name),
                other => panic!("{name}={value}: expected Invalid, got {:?}", other.err()),
            }
        }
    }

    #[test]
    fn the_cleanup_is_refused_on_aws_unless_development_and_a_token_are_set() {
        use crate::domain::cleanup::{CONFIRM_ACTION, Refusal, SEED_DEFAULT_TOKEN};
        let action = Some(CONFIRM_ACTION);
        let default = AwsConfig::from_env(lookup(&REQUIRED)).unwrap().cleanup;
        assert_eq!(default.check(Some(SEED_DEFAULT_TOKEN), action), Err(Refusal::NotDevelopment));
        let mut dev = REQUIRED.to_vec();
        dev.push((vars::DEBUG, "True"));
        let seed_token_refused = AwsConfig::from_env(lookup(&dev)).unwrap().cleanup;
        assert_eq!(seed_token_refused.check(Some(SEED_DEFAULT_TOKEN), action), Err(Refusal::BadToken));
        dev.push((vars::SEED_CLEANUP_TOKEN, "an-operators-own-token"));
        let opened = AwsConfig::from_env(lookup(&dev)).unwrap().cleanup;
        assert_eq!(opened.check(Some("an-operators-own-token"), action), Ok(()));
        dev.push((vars::MODE, "sideways"));
        assert!(matches!(AwsConfig::from_env(lookup(&dev)), Err(ConfigError::Invalid { name: vars::MODE, .. })));
    }
}
