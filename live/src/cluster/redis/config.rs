//! [`RedisClusterConfig`]: the adapter's settings, in code or from the environment.

use crate::cluster::ClusterError;
use std::time::Duration;

/// Settings of a [`RedisCluster`](super::RedisCluster), with the reference adapter's defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedisClusterConfig {
    /// Prefix of every key and channel (default `live:`). Servers of one cluster share it.
    pub prefix: String,
    /// Time to live of mirrored state (default 1 h; zero: no expiry).
    pub state_ttl: Duration,
    /// Time to live of a singleton claim; an owner that stops renewing loses it after this
    /// (default 30 s). Failover takes at most this plus one heartbeat.
    pub singleton_ttl: Duration,
    /// How often owners renew their claims and proxies look for dead owners (default 10 s;
    /// keep it well below `singleton_ttl`).
    pub heartbeat_interval: Duration,
    /// How long a forwarded action waits for the owner's answer (default 5 s).
    pub action_timeout: Duration,
    /// How long one Redis operation may take (default 2 s).
    pub operation_timeout: Duration,
    /// A separate Redis URL for the subscriber connection (default: the same server).
    pub subscriber_url: Option<String>,
}

impl Default for RedisClusterConfig {
    fn default() -> Self {
        Self {
            prefix: "live:".to_owned(),
            state_ttl: Duration::from_secs(3600),
            singleton_ttl: Duration::from_secs(30),
            heartbeat_interval: Duration::from_secs(10),
            action_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(2),
            subscriber_url: None,
        }
    }
}

impl RedisClusterConfig {
    /// The defaults, overridden by the environment: `LIVE_SINGLETON_TTL_SECS` (claim time to
    /// live, seconds, fractions allowed), `LIVE_HEARTBEAT_MS`, `LIVE_ACTION_TIMEOUT_MS`,
    /// `LIVE_STATE_TTL_SECS` and `LIVE_REDIS_PREFIX`. An unparsable value is an error.
    pub fn from_env() -> Result<Self, ClusterError> {
        let mut config = Self::default();
        if let Some(secs) = env_number("LIVE_SINGLETON_TTL_SECS")? {
            config.singleton_ttl = seconds(secs, "LIVE_SINGLETON_TTL_SECS")?;
        }
        if let Some(ms) = env_number("LIVE_HEARTBEAT_MS")? {
            config.heartbeat_interval = seconds(ms / 1000.0, "LIVE_HEARTBEAT_MS")?;
        }
        if let Some(ms) = env_number("LIVE_ACTION_TIMEOUT_MS")? {
            config.action_timeout = seconds(ms / 1000.0, "LIVE_ACTION_TIMEOUT_MS")?;
        }
        if let Some(secs) = env_number("LIVE_STATE_TTL_SECS")? {
            config.state_ttl = Duration::from_secs_f64(secs.max(0.0));
        }
        if let Ok(prefix) = std::env::var("LIVE_REDIS_PREFIX") {
            config.prefix = prefix;
        }
        Ok(config)
    }

    pub(super) fn check(&self) -> Result<(), ClusterError> {
        if self.singleton_ttl < Duration::from_millis(100) {
            return Err(ClusterError::Config(
                "singleton_ttl must be at least 100 ms".to_owned(),
            ));
        }
        if self.heartbeat_interval.is_zero() || self.heartbeat_interval >= self.singleton_ttl {
            return Err(ClusterError::Config(format!(
                "heartbeat_interval ({:?}) must be positive and shorter than singleton_ttl ({:?})",
                self.heartbeat_interval, self.singleton_ttl
            )));
        }
        if self.action_timeout.is_zero() || self.operation_timeout.is_zero() {
            return Err(ClusterError::Config(
                "action_timeout and operation_timeout must be positive".to_owned(),
            ));
        }
        Ok(())
    }
}

fn env_number(name: &str) -> Result<Option<f64>, ClusterError> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| ClusterError::Config(format!("{name} must be a number, got {text:?}"))),
        Err(_) => Ok(None),
    }
}

fn seconds(value: f64, name: &str) -> Result<Duration, ClusterError> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|duration| !duration.is_zero())
        .ok_or_else(|| ClusterError::Config(format!("{name} must be positive")))
}
