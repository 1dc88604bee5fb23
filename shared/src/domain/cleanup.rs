//! Seed 003's guards on deleting every video: the server's mode, a confirmation token and a typed
//! confirmation, checked in the seed's order; and which files count as videos.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The token seed 003's service falls back to. Everyone who read the seed knows it, so it is
/// accepted only by a development server on loopback, where only this machine can send it.
pub const SEED_DEFAULT_TOKEN: &str = "CONFIRM_DELETE_ALL_VIDEOS_2025";

/// What `confirm_action` must say.
pub const CONFIRM_ACTION: &str = "DELETE_ALL_VIDEO_DATA";

/// A configured token shorter than this is refused at start: it could be guessed.
pub const MIN_TOKEN_CHARS: usize = 16;

/// The extensions seed 003 deletes; everything else under the prefixes stays.
pub const VIDEO_EXTENSIONS: [&str; 8] = ["mp4", "avi", "mov", "mkv", "webm", "m4v", "3gp", "flv"];

/// The prefixes the cleanup empties of videos: scraped videos and the clips cut from them.
pub const CLEANUP_PREFIXES: [&str; 2] = ["videos/", "clips/"];

/// Whether the name ends in one of [`VIDEO_EXTENSIONS`], in any case (`CLIP.MP4` is a video).
pub fn is_video_file(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key);
    match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => {
            VIDEO_EXTENSIONS.iter().any(|known| extension.eq_ignore_ascii_case(known))
        }
        _ => false,
    }
}

/// Development allows seed 003's destructive cleanup; production refuses it whatever is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerMode {
    Development,
    Production,
}

impl ServerMode {
    /// `development` or `production` (also `dev` and `prod`), in any case.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Some(Self::Development),
            "production" | "prod" => Some(Self::Production),
            _ => None,
        }
    }

    /// Seed 003's `DEBUG=True` (Django's spelling, and the usual truthy words) means development.
    pub fn from_debug_flag(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Some(Self::Development),
            "false" | "0" | "no" | "off" => Some(Self::Production),
            _ => None,
        }
    }

    /// The mode from `JOBSMITH_MODE`, else seed 003's `DEBUG`, else `default`.
    pub fn from_settings(mode: Option<&str>, debug: Option<&str>, default: Self) -> Result<Self, String> {
        match (mode.filter(|m| !m.trim().is_empty()), debug.filter(|d| !d.trim().is_empty())) {
            (Some(mode), _) => Self::parse(mode)
                .ok_or_else(|| format!("JOBSMITH_MODE: expected development or production, not {mode:?}")),
            (None, Some(debug)) => {
                Self::from_debug_flag(debug).ok_or_else(|| format!("DEBUG: expected True or False, not {debug:?}"))
            }
            (None, None) => Ok(default),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Production => "production",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the cleanup token must be at least {MIN_TOKEN_CHARS} characters")]
    TooShort,
}

/// The confirmation token, kept only as its SHA-256 so that a presented token is compared in
/// constant time against a fixed-length digest.
#[derive(Clone)]
pub struct CleanupToken {
    digest: [u8; 32],
}

impl CleanupToken {
    pub fn parse(raw: &str) -> Result<Self, TokenError> {
        if raw.chars().count() < MIN_TOKEN_CHARS {
            return Err(TokenError::TooShort);
        }
        Ok(Self::of(raw))
    }

    /// `JOBSMITH_CLEANUP_TOKEN`, else seed 003's `DELETE_ALL_VIDEOS_TOKEN`; none when neither
    /// is set (or both are empty).
    pub fn from_settings(jobsmith: Option<&str>, seed: Option<&str>) -> Result<Option<Self>, TokenError> {
        match jobsmith.filter(|t| !t.is_empty()).or(seed.filter(|t| !t.is_empty())) {
            Some(raw) => Self::parse(raw).map(Some),
            None => Ok(None),
        }
    }

    fn of(raw: &str) -> Self {
        Self { digest: Sha256::digest(raw.as_bytes()).into() }
    }

    fn matches(&self, presented: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        bool::from(self.digest.ct_eq(&digest))
    }
}

impl std::fmt::Debug for CleanupToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CleanupToken(…)")
    }
}

/// Why an attempt was refused, in seed 003's order and words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotDevelopment,
    BadToken,
    NotConfirmed,
}

impl Refusal {
    pub fn status(self) -> u16 {
        match self {
            Self::NotDevelopment => 403,
            Self::BadToken => 401,
            Self::NotConfirmed => 400,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::NotDevelopment => "This operation is only allowed in development mode",
            Self::BadToken => "Invalid confirmation token required for this destructive operation",
            Self::NotConfirmed => "Must confirm action with 'DELETE_ALL_VIDEO_DATA'",
        }
    }
}

/// Which token opens the cleanup, if any.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// `JOBSMITH_CLEANUP_TOKEN` or seed 003's `DELETE_ALL_VIDEOS_TOKEN`.
    Configured(CleanupToken),
    /// None configured on a development server bound to loopback: the seed's own token.
    SeedDefault,
    /// None configured anywhere else: no token opens it.
    None,
}

/// The mode and the token, decided once at start.
#[derive(Debug, Clone)]
pub struct CleanupGuard {
    mode: ServerMode,
    token: TokenSource,
}

impl CleanupGuard {
    /// `loopback`: the server listens only on this machine (never true on AWS).
    pub fn new(mode: ServerMode, configured: Option<CleanupToken>, loopback: bool) -> Self {
        let token = match configured {
            Some(token) => TokenSource::Configured(token),
            None if mode == ServerMode::Development && loopback => TokenSource::SeedDefault,
            None => TokenSource::None,
        };
        Self { mode, token }
    }

    /// Refuses everything: what a deployment without a mode or token gets.
    pub fn production() -> Self {
        Self::new(ServerMode::Production, None, false)
    }

    /// One line for the start-up log: what opens the cleanup here.
    pub fn describe(&self) -> String {
        let mode = self.mode.as_str();
        match (&self.mode, &self.token) {
            (ServerMode::Production, _) => format!("{mode} mode: cleanup-all-videos is refused"),
            (_, TokenSource::Configured(_)) => format!("{mode} mode: cleanup-all-videos takes the configured token"),
            (_, TokenSource::SeedDefault) => format!(
                "{mode} mode on loopback: cleanup-all-videos takes seed 003's default token; set JOBSMITH_CLEANUP_TOKEN to choose one"
            ),
            (_, TokenSource::None) => {
                format!("{mode} mode: cleanup-all-videos is refused until JOBSMITH_CLEANUP_TOKEN is set")
            }
        }
    }

    pub fn mode(&self) -> ServerMode {
        self.mode
    }

    pub fn token_source(&self) -> &TokenSource {
        &self.token
    }

    /// Mode first, then the token, then the typed confirmation: a wrong token with the right
    /// action is a 401, never a hint that the action was right.
    pub fn check(&self, token: Option<&str>, action: Option<&str>) -> Result<(), Refusal> {
        if self.mode != ServerMode::Development {
            return Err(Refusal::NotDevelopment);
        }
        let expected = match &self.token {
            TokenSource::Configured(token) => token.clone(),
            TokenSource::SeedDefault => CleanupToken::of(SEED_DEFAULT_TOKEN),
            TokenSource::None => return Err(Refusal::BadToken),
        };
        if !token.is_some_and(|presented| expected.matches(presented)) {
            return Err(Refusal::BadToken);
        }
        if action != Some(CONFIRM_ACTION) {
            return Err(Refusal::NotConfirmed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIGURED: &str = "a-long-enough-token-1234";

    fn configured(mode: ServerMode) -> CleanupGuard {
        CleanupGuard::new(mode, Some(CleanupToken::parse(CONFIGURED).unwrap()), false)
    }

    #[test]
    fn the_checks_go_in_the_seeds_order() {
        let guard = configured(ServerMode::Development);
        assert_eq!(guard.check(Some(CONFIGURED), Some(CONFIRM_ACTION)), Ok(()));
        assert_eq!(guard.check(Some("wrong"), Some(CONFIRM_ACTION)), Err(Refusal::BadToken));
        assert_eq!(guard.check(None, None), Err(Refusal::BadToken));
        assert_eq!(guard.check(Some(CONFIGURED), None), Err(Refusal::NotConfirmed));
        assert_eq!(guard.check(Some(CONFIGURED), Some("delete_all_video_data")), Err(Refusal::NotConfirmed));
        let production = configured(ServerMode::Production);
        assert_eq!(production.check(Some(CONFIGURED), Some(CONFIRM_ACTION)), Err(Refusal::NotDevelopment));
    }

    #[test]
    fn the_seeds_token_opens_only_a_development_server_on_loopback() {
        let local = CleanupGuard::new(ServerMode::Development, None, true);
        assert_eq!(local.check(Some(SEED_DEFAULT_TOKEN), Some(CONFIRM_ACTION)), Ok(()));
        let exposed = CleanupGuard::new(ServerMode::Development, None, false);
        assert_eq!(exposed.check(Some(SEED_DEFAULT_TOKEN), Some(CONFIRM_ACTION)), Err(Refusal::BadToken));
        let configured = configured(ServerMode::Development);
        assert_eq!(configured.check(Some(SEED_DEFAULT_TOKEN), Some(CONFIRM_ACTION)), Err(Refusal::BadToken));
        let production = CleanupGuard::production();
        assert_eq!(production.check(Some(SEED_DEFAULT_TOKEN), Some(CONFIRM_ACTION)), Err(Refusal::NotDevelopment));
    }

    #[test]
    fn short_tokens_are_refused() {
        assert_eq!(CleanupToken::parse("short").unwrap_err(), TokenError::TooShort);
        assert!(CleanupToken::parse(SEED_DEFAULT_TOKEN).is_ok());
        assert_eq!(format!("{:?}", CleanupToken::parse(CONFIGURED).unwrap()), "CleanupToken(…)");
    }

    #[test]
    fn modes_parse_from_either_setting() {
        assert_eq!(ServerMode::parse("Development"), Some(ServerMode::Development));
        assert_eq!(ServerMode::parse("prod"), Some(ServerMode::Production));
        assert_eq!(ServerMode::parse("staging"), None);
        assert_eq!(ServerMode::from_debug_flag("True"), Some(ServerMode::Development));
        assert_eq!(ServerMode::from_debug_flag("False"), Some(ServerMode::Production));
        assert_eq!(ServerMode::from_debug_flag("maybe"), None);
    }

    #[test]
    fn settings_pick_the_jobsmith_name_then_the_seeds() {
        let dev = ServerMode::Development;
        let prod = ServerMode::Production;
        assert_eq!(ServerMode::from_settings(None, None, prod), Ok(prod));
        assert_eq!(ServerMode::from_settings(None, Some("True"), prod), Ok(dev));
        assert_eq!(ServerMode::from_settings(Some("production"), Some("True"), dev), Ok(prod));
        assert_eq!(ServerMode::from_settings(Some(""), None, dev), Ok(dev));
        assert!(ServerMode::from_settings(Some("staging"), None, dev).is_err());
        assert!(ServerMode::from_settings(None, Some("perhaps"), dev).is_err());
        let chosen = CleanupToken::from_settings(Some(CONFIGURED), Some("seed-token-also-long")).unwrap().unwrap();
        assert!(chosen.matches(CONFIGURED));
        let seed = CleanupToken::from_settings(Some(""), Some("seed-token-also-long")).unwrap().unwrap();
        assert!(seed.matches("seed-token-also-long"));
        assert!(CleanupToken::from_settings(None, None).unwrap().is_none());
        assert_eq!(CleanupToken::from_settings(Some("short"), None).unwrap_err(), TokenError::TooShort);
    }

    #[test]
    fn video_files_by_extension() {
        for key in ["videos/a.mp4", "clips/v/b.MKV", "videos/x/y.3gp", "videos/c.flv", "d.webm"] {
            assert!(is_video_file(key), "{key}");
        }
        for key in ["videos/a.json", "videos/mp4", "videos/.mp4", "videos/a.mp4.part", "clips/readme"] {
            assert!(!is_video_file(key), "{key}");
        }
    }
}
