//! HMAC-signed component state for rehydration (protocol reference §9, §5.4, §8.5).
//!
//! [`StateSigner::sign`] builds the `SignedState` envelope the client stores;
//! [`StateSigner::verify`] checks one coming back in `COMPONENT_REHYDRATE` and returns the
//! decoded state object (still carrying `__componentName`, which the caller compares with
//! `payload.component`).
//!
//! Plain and compressed states are byte-compatible with the TypeScript server (§9.3): the
//! same secret verifies states in both directions. Encryption deliberately is not; see
//! [`SigningConfig::encrypt`].
//!
//! Nonce replay checks (§9.4 step 2, §9.5) are not done here: rehydration always skips
//! them. A `nonce` present on the wire is still part of the signature input.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::{Read, Write as _};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

pub(crate) use crate::protocol::signed_state::SignedStateWire;

use crate::protocol::js::js_number_text;
use crate::protocol::refusal::Refusal;

/// Key the signer appends to the state object; the decoded state keeps it.
pub(crate) const COMPONENT_NAME_KEY: &str = "__componentName";

/// Default `maxStateAge` (§9.4): 30 minutes.
pub(crate) const DEFAULT_MAX_AGE: Duration = Duration::from_secs(30 * 60);

/// How many previous secrets are still accepted (§9.3 key rotation).
pub(crate) const MAX_PREVIOUS_SECRETS: usize = 3;

/// Largest decompressed state accepted (a forged gzip bomb stops here).
pub(crate) const MAX_DECODED_BYTES: usize = 16 * 1024 * 1024;

/// A timestamp further than this in the future is refused as `Invalid signature`.
const MAX_CLOCK_SKEW_MS: f64 = 60_000.0;

/// States whose JSON is longer than this (in UTF-16 units, like JS) are gzip candidates.
const COMPRESS_THRESHOLD: usize = 1024;

/// HKDF-SHA256 salt for the encryption key. Changing it breaks every encrypted state.
const HKDF_SALT: &[u8] = b"live state encryption v1 salt";

/// HKDF-SHA256 info for the encryption key. Changing it breaks every encrypted state.
const HKDF_INFO: &[u8] = b"live state encryption v1";

/// Length of the AES-GCM tag in the `iv:tag:ciphertext` layout.
const TAG_LEN: usize = 16;

/// Length of a raw HMAC-SHA256 tag; the wire carries it as 64 lowercase hex chars.
const SIGNATURE_LEN: usize = 32;

/// Why a signed state was refused. `Display` gives the texts the client sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignatureError {
    /// Older than `max_age`.
    Expired,
    /// The HMAC matches no accepted key, the signature is not 64 lowercase hex chars,
    /// or the timestamp is non-finite or more than 60 s in the future.
    InvalidSignature,
    /// Authentic, but `data` could not be decrypted, decompressed or parsed into a JSON
    /// object; the text says which step failed.
    Malformed(&'static str),
}

impl SignatureError {
    /// The [`Refusal`] the client is sent.
    fn refusal(&self) -> Refusal<'static> {
        match self {
            Self::Expired => Refusal::StateExpired,
            Self::InvalidSignature => Refusal::InvalidSignature,
            Self::Malformed(step) => Refusal::StateMalformed { step },
        }
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.refusal().fmt(f)
    }
}

impl std::error::Error for SignatureError {}

/// Settings for a [`StateSigner`].
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

/// The keys derived from one secret.
#[derive(Clone)]
struct KeySet {
    /// HMAC-SHA256 key over the secret bytes.
    hmac: hmac::Key,
    /// AES-256-GCM key; `None` only if ring refused the derivation (it cannot for 32 bytes).
    aead: Option<LessSafeKey>,
}

impl KeySet {
    /// Derives both keys from `secret`.
    fn new(secret: &[u8]) -> Self {
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

/// Signs and verifies component states with precomputed keys.
#[derive(Clone)]
pub(crate) struct StateSigner {
    /// Keys of the current secret (used to sign, tried first to verify).
    current: KeySet,
    /// Keys of up to [`MAX_PREVIOUS_SECRETS`] earlier secrets, newest first.
    previous: Vec<KeySet>,
    /// `max_age` in milliseconds.
    max_age_ms: f64,
    /// Whether `sign` encrypts.
    encrypt: bool,
    /// Whether `sign` may compress.
    compress: bool,
    /// Source of encryption IVs.
    rng: SystemRandom,
}

impl fmt::Debug for StateSigner {
    /// Keys are not shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateSigner")
            .field("previous_keys", &self.previous.len())
            .field("max_age_ms", &self.max_age_ms)
            .field("encrypt", &self.encrypt)
            .field("compress", &self.compress)
            .finish_non_exhaustive()
    }
}

impl StateSigner {
    /// Precomputes the HMAC and encryption keys of the current and previous secrets.
    pub(crate) fn new(config: SigningConfig) -> Self {
        Self {
            current: KeySet::new(&config.secret),
            previous: config
                .previous_secrets
                .iter()
                .take(MAX_PREVIOUS_SECRETS)
                .map(|secret| KeySet::new(secret))
                .collect(),
            // Precision loss only beyond ~285 000 years.
            max_age_ms: config.max_age.as_millis() as f64,
            encrypt: config.encrypt,
            compress: config.compress,
            rng: SystemRandom::new(),
        }
    }

    /// Signs `state` for `component_id` at `now_ms` (ms since the epoch).
    ///
    /// `data` is the JSON of `state` with `"__componentName": component_name` appended as
    /// the last key (key order of `state` kept; an existing `__componentName` key keeps its
    /// place and gets the new value, as JS `{...state, __componentName}` does), then
    /// maybe gzipped, then maybe encrypted. `compressed` and `encrypted` are always written.
    ///
    /// If encryption is requested but impossible (the OS random generator failed), the
    /// result fails closed: empty `data` and an empty signature, which never verifies.
    pub(crate) fn sign(
        &self,
        component_id: &str,
        component_name: &str,
        version: u64,
        state: &Map<String, Value>,
        now_ms: u64,
    ) -> SignedStateWire {
        // Both become JS numbers on the wire; exact below 2^53.
        let timestamp = now_ms as f64;
        let version = version as f64;
        let Some((data, compressed)) = self.encode(component_name, state) else {
            return SignedStateWire {
                data: String::new(),
                signature: String::new(),
                timestamp,
                version,
                component_id: component_id.to_owned(),
                nonce: None,
                compressed: Some(false),
                encrypted: Some(self.encrypt),
            };
        };
        let signature = self.signature_hex(component_id, version, timestamp, &data, None);
        SignedStateWire {
            data,
            signature,
            timestamp,
            version,
            component_id: component_id.to_owned(),
            nonce: None,
            compressed: Some(compressed),
            encrypted: Some(self.encrypt),
        }
    }

    /// Verifies `wire` at `now_ms` and returns the decoded state object, including
    /// `__componentName`.
    ///
    /// Order: age (`now - timestamp > max_age` → `State expired`; a timestamp more than
    /// 60 s ahead of `now_ms`, or not finite → `Invalid signature`), then the HMAC over
    /// `"<componentId>:<version>:<timestamp>:<data>[:<nonce>]"` with the current key, then
    /// the previous ones (the signature must be exactly 64 lowercase hex chars; the
    /// comparison is ring's constant-time `hmac::verify`), then decrypt (if `encrypted`),
    /// decompress (if `compressed`, output capped at 16 MiB) and JSON-parse, all only
    /// after the HMAC matched.
    pub(crate) fn verify(
        &self,
        wire: &SignedStateWire,
        now_ms: u64,
    ) -> Result<Map<String, Value>, SignatureError> {
        let now = now_ms as f64;
        if !wire.timestamp.is_finite() || !wire.version.is_finite() {
            return Err(SignatureError::InvalidSignature);
        }
        if now - wire.timestamp > self.max_age_ms {
            return Err(SignatureError::Expired);
        }
        if wire.timestamp - now > MAX_CLOCK_SKEW_MS {
            return Err(SignatureError::InvalidSignature);
        }
        let tag = decode_signature(&wire.signature).ok_or(SignatureError::InvalidSignature)?;
        let input = signature_input(
            &wire.component_id,
            wire.version,
            wire.timestamp,
            &wire.data,
            wire.nonce.as_deref(),
        );
        let matched = self
            .keys()
            .position(|keys| hmac::verify(&keys.hmac, input.as_bytes(), &tag).is_ok())
            .ok_or(SignatureError::InvalidSignature)?;
        self.decode(wire, matched)
    }

    /// The current key set, then the previous ones.
    fn keys(&self) -> impl Iterator<Item = &KeySet> {
        std::iter::once(&self.current).chain(&self.previous)
    }

    /// Lowercase hex HMAC-SHA256 of the signature input, with the current key.
    fn signature_hex(
        &self,
        component_id: &str,
        version: f64,
        timestamp: f64,
        data: &str,
        nonce: Option<&str>,
    ) -> String {
        let input = signature_input(component_id, version, timestamp, data, nonce);
        hex(hmac::sign(&self.current.hmac, input.as_bytes()).as_ref())
    }

    /// Serializes, maybe compresses and maybe encrypts; returns `(data, compressed)`.
    /// `None` only when the state cannot be produced safely (see [`Self::sign`]).
    fn encode(&self, component_name: &str, state: &Map<String, Value>) -> Option<(String, bool)> {
        let json = serde_json::to_string(&Tagged {
            state,
            name: component_name,
        })
        .ok()?;
        let (text, compressed) = match self.compress.then(|| compress(&json)).flatten() {
            Some(packed) => (packed, true),
            None => (json, false),
        };
        if self.encrypt {
            Some((self.seal(&text)?, compressed))
        } else {
            Some((text, compressed))
        }
    }

    /// AES-256-GCM with the current key and a random IV, in `iv:tag:ciphertext` layout.
    fn seal(&self, plaintext: &str) -> Option<String> {
        let key = self.current.aead.as_ref()?;
        let mut iv = [0u8; NONCE_LEN];
        self.rng.fill(&mut iv).ok()?;
        let mut buffer = plaintext.as_bytes().to_vec();
        let tag = key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(iv), Aad::empty(), &mut buffer)
            .ok()?;
        Some(format!(
            "{}:{}:{}",
            BASE64.encode(iv),
            BASE64.encode(tag.as_ref()),
            BASE64.encode(&buffer)
        ))
    }

    /// Decrypts, decompresses and parses an authenticated `data`.
    /// `matched` is the index (in [`Self::keys`] order) of the key whose HMAC matched.
    fn decode(
        &self,
        wire: &SignedStateWire,
        matched: usize,
    ) -> Result<Map<String, Value>, SignatureError> {
        let mut bytes: Cow<'_, [u8]> = Cow::Borrowed(wire.data.as_bytes());
        if wire.encrypted == Some(true) {
            bytes = Cow::Owned(self.open(&wire.data, matched)?);
        }
        if wire.compressed == Some(true) {
            let packed = BASE64
                .decode(&bytes)
                .map_err(|_| SignatureError::Malformed("state data is not valid base64"))?;
            bytes = Cow::Owned(gunzip(&packed)?);
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(SignatureError::Malformed("state data is not a JSON object")),
            Err(_) => Err(SignatureError::Malformed("state data is not valid JSON")),
        }
    }

    /// Decrypts `iv:tag:ciphertext`, trying the HMAC-matched key first, then the others.
    fn open(&self, data: &str, matched: usize) -> Result<Vec<u8>, SignatureError> {
        let shape = || SignatureError::Malformed("encrypted state data is malformed");
        let parts: Vec<&str> = data.split(':').collect();
        let [iv, tag, ciphertext] = parts.as_slice() else {
            return Err(shape());
        };
        let iv: [u8; NONCE_LEN] = BASE64
            .decode(iv)
            .ok()
            .and_then(|iv| iv.try_into().ok())
            .ok_or_else(shape)?;
        let tag = BASE64
            .decode(tag)
            .ok()
            .filter(|tag| tag.len() == TAG_LEN)
            .ok_or_else(shape)?;
        let mut sealed = BASE64.decode(ciphertext).map_err(|_| shape())?;
        sealed.extend_from_slice(&tag);

        let keys: Vec<&KeySet> = self.keys().collect();
        let ordered = keys.get(matched).into_iter().chain(
            keys.iter()
                .enumerate()
                .filter(|(index, _)| *index != matched)
                .map(|(_, keys)| keys),
        );
        for key in ordered.filter_map(|keys| keys.aead.as_ref()) {
            let mut buffer = sealed.clone();
            if let Ok(plain) =
                key.open_in_place(Nonce::assume_unique_for_key(iv), Aad::empty(), &mut buffer)
            {
                let len = plain.len();
                buffer.truncate(len);
                return Ok(buffer);
            }
        }
        Err(SignatureError::Malformed("state decryption failed"))
    }
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

/// Serializes `{...state, "__componentName": name}` with JS key-order semantics.
struct Tagged<'a> {
    /// The component state.
    state: &'a Map<String, Value>,
    /// The component's registry name.
    name: &'a str,
}

impl Serialize for Tagged<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let has_name = self.state.contains_key(COMPONENT_NAME_KEY);
        let len = self.state.len() + usize::from(!has_name);
        let mut map = serializer.serialize_map(Some(len))?;
        for (key, value) in self.state {
            if key == COMPONENT_NAME_KEY {
                map.serialize_entry(key, self.name)?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        if !has_name {
            map.serialize_entry(COMPONENT_NAME_KEY, self.name)?;
        }
        map.end()
    }
}

/// §9.3 compression: gzip + padded standard base64, only for JSON longer than 1024 JS
/// chars and only if the result is shorter than 90 % of the JSON.
fn compress(json: &str) -> Option<String> {
    let js_len = json.encode_utf16().count();
    if js_len <= COMPRESS_THRESHOLD {
        return None;
    }
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(json.as_bytes()).ok()?;
    let packed = BASE64.encode(encoder.finish().ok()?);
    // Same float comparison as the TS `base64.length < json.length * 0.9`.
    ((packed.len() as f64) < (js_len as f64) * 0.9).then_some(packed)
}

/// Gunzips at most [`MAX_DECODED_BYTES`].
fn gunzip(packed: &[u8]) -> Result<Vec<u8>, SignatureError> {
    let mut out = Vec::new();
    GzDecoder::new(packed)
        .take(MAX_DECODED_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| SignatureError::Malformed("state decompression failed"))?;
    if out.len() > MAX_DECODED_BYTES {
        return Err(SignatureError::Malformed("state too large"));
    }
    Ok(out)
}

/// `"<componentId>:<version>:<timestamp>:<data>"` plus `":<nonce>"` when present,
/// numbers formatted as JavaScript prints them.
fn signature_input(
    component_id: &str,
    version: f64,
    timestamp: f64,
    data: &str,
    nonce: Option<&str>,
) -> String {
    let mut input = format!(
        "{component_id}:{}:{}:{data}",
        js_number_text(version),
        js_number_text(timestamp)
    );
    if let Some(nonce) = nonce {
        input.push(':');
        input.push_str(nonce);
    }
    input
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Exactly 64 lowercase hex chars → the 32 tag bytes; anything else → `None`.
fn decode_signature(signature: &str) -> Option<[u8; SIGNATURE_LEN]> {
    let text = signature.as_bytes();
    if text.len() != SIGNATURE_LEN * 2 {
        return None;
    }
    let mut tag = [0u8; SIGNATURE_LEN];
    for (slot, pair) in tag.iter_mut().zip(text.chunks_exact(2)) {
        let [high, low] = pair else {
            return None;
        };
        *slot = (nibble(*high)? << 4) | nibble(*low)?;
    }
    Some(tag)
}

/// One lowercase hex digit.
fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
