//! Where the authorizer finds the API keys: an SSM SecureString parameter read again once its
//! copy is older than a short time to live, so that a key added or taken out of the parameter
//! works or stops working within that time, with no redeploy and no key in the function's
//! configuration; or, without a parameter, the keys in `JOBSMITH_API_KEYS` (an emulator's run).

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_ssm::error::DisplayErrorContext;
use chrono::{DateTime, Utc};
use jobsmith::domain::principal::KeyRing;
use jobsmith::ports::Clock;
use tokio::sync::Mutex;

/// How long the keys read from the parameter are trusted before they are read again.
pub const DEFAULT_KEYS_TTL: Duration = Duration::from_secs(60);

pub enum KeySource {
    Fixed(KeyRing),
    Parameter(ParameterKeys),
}

impl KeySource {
    /// The keys as they stand. A parameter that cannot be read keeps the keys last read (a
    /// passing SSM failure must not lock every client out); before any read, there are none.
    pub async fn keys(&self) -> KeyRing {
        match self {
            Self::Fixed(keys) => keys.clone(),
            Self::Parameter(parameter) => parameter.keys().await,
        }
    }
}

pub struct ParameterKeys {
    client: aws_sdk_ssm::Client,
    name: String,
    ttl: chrono::Duration,
    clock: Arc<dyn Clock>,
    cached: Mutex<Option<(DateTime<Utc>, KeyRing)>>,
}

impl ParameterKeys {
    pub fn new(client: aws_sdk_ssm::Client, name: impl Into<String>, ttl: Duration, clock: Arc<dyn Clock>) -> Self {
        let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        Self { client, name: name.into(), ttl, clock, cached: Mutex::new(None) }
    }

    async fn keys(&self) -> KeyRing {
        // Held across the read, so that a burst of requests after expiry reads the parameter once.
        let mut cached = self.cached.lock().await;
        let now = self.clock.now();
        if let Some((read_at, keys)) = cached.as_ref()
            && now - *read_at < self.ttl
        {
            return keys.clone();
        }
        match self.read().await {
            Ok(keys) => {
                *cached = Some((now, keys.clone()));
                keys
            }
            Err(err) => {
                tracing::error!(parameter = %self.name, error = %err, "cannot read the API keys; keeping the last ones");
                cached.as_ref().map(|(_, keys)| keys.clone()).unwrap_or_default()
            }
        }
    }

    async fn read(&self) -> Result<KeyRing, String> {
        let answer = self
            .client
            .get_parameter()
            .name(&self.name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|err| DisplayErrorContext(&err).to_string())?;
        let value = answer.parameter().and_then(|p| p.value()).unwrap_or_default();
        // The parser's message names the bad entry's position, never a key or hash.
        KeyRing::parse(value).map_err(|err| format!("the parameter's keys do not parse: {err}"))
    }
}
