//! [`SigningConfig`]: the secrets and options a [`StateSigner`](super::signer::StateSigner)
//! is built from.

use std::fmt;
use std::time::Duration;

use super::keys::random_secret;

/// Default `maxStateAge` (§9.4): 30 minutes.
pub(crate) const DEFAULT_MAX_AGE: Duration = Duration::from_secs(30 * 60);

/// How many previous secrets are still accepted (§9.3 key rotation).
pub(crate) const MAX_PREVIOUS_SECRETS: usize = 3;

/// Settings for a [`StateSigner`](super::signer::StateSigner).
#[derive(Clone)]
pub(crate) struct SigningConfig {
    /// Current secret; the HMAC key is its bytes (the UTF-8 of the TS secret string).
    pub(crate) secret: Vec<u8>,
    /// Earlier secrets, newest first, still accepted when verifying. Only the first
    /// [`MAX_PREVIOUS_SECRETS`] are used.
    pub(crate) previous_secrets: Vec<Vec<u8>>,
    /// States older than this are `State expired` (default 30 min).
    pub(crate) max_age: Duration,
    /// Encrypt `data` (default off).
    ///
    /// Deviation from TS: AES-256-GCM with a key derived *stably* from the secret
    /// (HKDF-SHA256, fixed salt and info), a 12-byte random IV, and the TS 0.11 layout
    /// `base64(iv) ":" base64(tag16) ":" base64(ciphertext)`, applied after compression.
    /// Servers sharing a secret (or restarting) read each other's encrypted states; the TS
    /// server uses a per-process random scrypt salt, so neither side can read the other's
    /// encrypted states.
    pub(crate) encrypt: bool,
    /// Gzip large states (default on, as the TS registry always asks).
    pub(crate) compress: bool,
}

impl SigningConfig {
    /// Default settings with the given secret.
    pub(crate) fn with_secret(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            secret: secret.into(),
            previous_secrets: Vec::new(),
            max_age: DEFAULT_MAX_AGE,
            encrypt: false,
            compress: true,
        }
    }
}

impl Default for SigningConfig {
    /// Default settings with a fresh [`random_secret`]: states do not survive a restart.
    fn default() -> Self {
        Self::with_secret(random_secret())
    }
}

impl fmt::Debug for SigningConfig {
    /// Secrets are redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningConfig")
            .field("secret", &"<redacted>")
            .field("previous_secrets", &self.previous_secrets.len())
            .field("max_age", &self.max_age)
            .field("encrypt", &self.encrypt)
            .field("compress", &self.compress)
            .finish()
    }
}
