//! Key material: the HMAC and AES-GCM keys derived from one secret, and fresh secrets.

use ring::aead::{AES_256_GCM, LessSafeKey, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};

use super::signature::hex;

/// HKDF-SHA256 salt for the encryption key. Changing it breaks every encrypted state.
const HKDF_SALT: &[u8] = b"live state encryption v1 salt";

/// HKDF-SHA256 info for the encryption key. Changing it breaks every encrypted state.
const HKDF_INFO: &[u8] = b"live state encryption v1";

/// The keys derived from one secret.
#[derive(Clone)]
pub(super) struct KeySet {
    /// HMAC-SHA256 key over the secret bytes.
    pub(super) hmac: hmac::Key,
    /// AES-256-GCM key; `None` only if ring refused the derivation (it cannot for 32 bytes).
    pub(super) aead: Option<LessSafeKey>,
}

impl KeySet {
    /// Derives both keys from `secret`.
    pub(super) fn new(secret: &[u8]) -> Self {
        Self {
            hmac: hmac::Key::new(hmac::HMAC_SHA256, secret),
            aead: derive_aead_key(secret),
        }
    }
}

/// HKDF-SHA256(secret, salt, info) → AES-256-GCM key.
fn derive_aead_key(secret: &[u8]) -> Option<LessSafeKey> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(secret);
    let okm = prk.expand(&[HKDF_INFO], &AES_256_GCM).ok()?;
    let mut bytes = [0u8; 32];
    okm.fill(&mut bytes).ok()?;
    let key = UnboundKey::new(&AES_256_GCM, &bytes).ok()?;
    Some(LessSafeKey::new(key))
}

/// 32 random bytes hex-encoded (64 ASCII bytes), like the TS server's fallback secret.
///
/// # Panics
/// If the operating system's random generator fails: no secure secret can exist then.
pub(crate) fn random_secret() -> Vec<u8> {
    let mut bytes = [0u8; 32];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        panic!("the operating system random generator failed; cannot create a state secret");
    }
    hex(&bytes).into_bytes()
}
