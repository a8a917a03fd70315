//! Security: signed state for rehydration, authentication and authorisation, the
//! per-connection and per-action rate limits. See `docs/security.md` for the model and the
//! defaults.

mod action_limit;
mod auth;
pub(crate) mod identity;
mod rate_limit;
pub(crate) mod signing;

pub use action_limit::ActionRateLimit;
pub(crate) use action_limit::ActionWindows;
pub(crate) use auth::AuthProviders;
pub use auth::{AuthCheck, AuthPolicy, AuthProvider, Denied};
pub use rate_limit::RateLimit;
pub(crate) use rate_limit::TokenBucket;

use std::fmt;
use std::time::Duration;

/// Rules for one action: who may call it and how often (`#[action(auth(...), rate_limit(...))]`).
#[derive(Debug, Clone, Copy)]
pub struct ActionPolicy {
    /// The action's wire name.
    pub action: &'static str,
    /// Who may call it (checked with the caller's identity).
    pub auth: AuthPolicy,
    /// How often one connection may call it.
    pub rate_limit: Option<ActionRateLimit>,
}

/// How component state is signed for rehydration (`LiveConfig::state_signing`).
#[derive(Clone)]
#[non_exhaustive]
pub struct StateSigningConfig {
    /// The HMAC secret. `None`: a random secret (with a warning: signed states then do not
    /// survive a restart or work across servers). [`from_env`](Self::from_env) reads it
    /// from `LIVE_STATE_SECRET`.
    pub secret: Option<String>,
    /// Earlier secrets, newest first, still accepted (key rotation; at most 3 are used).
    pub previous_secrets: Vec<String>,
    /// Signed states older than this are refused with `State expired` (default 30 min).
    pub max_age: Duration,
    /// Encrypt the state (AES-256-GCM, key derived from the secret; default off).
    pub encrypt: bool,
    /// At most one `STATE_SIGNATURE` renewal per component per interval after changes
    /// (default 1 s; zero disables renewals).
    pub renew_interval: Duration,
}

impl Default for StateSigningConfig {
    fn default() -> Self {
        Self {
            secret: None,
            previous_secrets: Vec::new(),
            max_age: signing::DEFAULT_MAX_AGE,
            encrypt: false,
            renew_interval: Duration::from_secs(1),
        }
    }
}

impl fmt::Debug for StateSigningConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateSigningConfig")
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("previous_secrets", &self.previous_secrets.len())
            .field("max_age", &self.max_age)
            .field("encrypt", &self.encrypt)
            .field("renew_interval", &self.renew_interval)
            .finish()
    }
}

impl StateSigningConfig {
    /// The defaults with the secret from the `LIVE_STATE_SECRET` environment variable, when
    /// it is set and not empty.
    pub fn from_env() -> Self {
        Self {
            secret: std::env::var("LIVE_STATE_SECRET")
                .ok()
                .filter(|secret| !secret.is_empty()),
            ..Self::default()
        }
    }

    /// The signer these settings describe.
    pub(crate) fn signer(&self) -> signing::StateSigner {
        let secret = match self.secret.clone() {
            Some(secret) if !secret.is_empty() => secret.into_bytes(),
            _ => {
                tracing::warn!(
                    "no state secret configured (LiveConfig::state_signing.secret, or \
                     LIVE_STATE_SECRET with LiveConfig::from_env): using a random one, so \
                     signed states will not survive a restart"
                );
                signing::random_secret()
            }
        };
        let mut config = signing::SigningConfig::with_secret(secret);
        config.previous_secrets = self
            .previous_secrets
            .iter()
            .map(|s| s.clone().into_bytes())
            .collect();
        config.max_age = self.max_age;
        config.encrypt = self.encrypt;
        signing::StateSigner::new(config)
    }
}
