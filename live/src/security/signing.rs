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

use crate::protocol::inbound::SignedStateWire;

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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SignatureError {
    /// Older than `max_age`.
    #[error("State expired")]
    Expired,
    /// The HMAC matches no accepted key, the signature is not 64 lowercase hex chars,
    /// or the timestamp is non-finite or more than 60 s in the future.
    #[error("Invalid signature")]
    InvalidSignature,
    /// Authentic, but `data` could not be decrypted, decompressed or parsed into a JSON
    /// object; the message says which step failed.
    #[error("{0}")]
    Malformed(String),
}

impl SignatureError {
    /// A [`SignatureError::Malformed`] with a fixed message.
    fn malformed(message: &str) -> Self {
        Self::Malformed(message.to_owned())
    }
}

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
                .map_err(|_| SignatureError::malformed("state data is not valid base64"))?;
            bytes = Cow::Owned(gunzip(&packed)?);
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(SignatureError::malformed("state data is not a JSON object")),
            Err(_) => Err(SignatureError::malformed("state data is not valid JSON")),
        }
    }

    /// Decrypts `iv:tag:ciphertext`, trying the HMAC-matched key first, then the others.
    fn open(&self, data: &str, matched: usize) -> Result<Vec<u8>, SignatureError> {
        let shape = || SignatureError::malformed("encrypted state data is malformed");
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
        Err(SignatureError::malformed("state decryption failed"))
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
        .map_err(|_| SignatureError::malformed("state decompression failed"))?;
    if out.len() > MAX_DECODED_BYTES {
        return Err(SignatureError::malformed("state too large"));
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
        js_number(version),
        js_number(timestamp)
    );
    if let Some(nonce) = nonce {
        input.push(':');
        input.push_str(nonce);
    }
    input
}

/// ECMAScript `Number::toString(x)` (radix 10): `4`, `1760000123456`, `1.5`, `1e+21`,
/// `1e-7`, `18446744073709552000`.
fn js_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    // Rust's `{:e}` gives the shortest round-trip digits, as JS uses: "1.2345e-7".
    let scientific = format!("{:e}", x.abs());
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return x.to_string();
    };
    let Ok(exponent) = exponent.parse::<i32>() else {
        return x.to_string();
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    // ECMA-262 names: k = digit count, n = decimal point position.
    let k = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let n = exponent + 1;
    let zeros = |count: i32| "0".repeat(usize::try_from(count).unwrap_or(0));
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", zeros(n - k))
    } else if 0 < n && n <= 21 {
        match digits.split_at_checked(usize::try_from(n).unwrap_or(0)) {
            Some((int, frac)) => format!("{int}.{frac}"),
            None => return x.to_string(),
        }
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", zeros(-n))
    } else {
        let e = n - 1;
        let e = if e >= 0 {
            format!("+{e}")
        } else {
            e.to_string()
        };
        match digits.split_at_checked(1) {
            Some((first, rest)) if !rest.is_empty() => format!("{first}.{rest}e{e}"),
            _ => format!("{digits}e{e}"),
        }
    };
    format!("{sign}{body}")
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
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const NOW: u64 = 1_760_000_000_000;

    fn signer(secret: &str) -> StateSigner {
        StateSigner::new(SigningConfig::with_secret(secret))
    }

    fn signer_with(secret: &str, compress: bool, encrypt: bool) -> StateSigner {
        StateSigner::new(SigningConfig {
            compress,
            encrypt,
            ..SigningConfig::with_secret(secret)
        })
    }

    fn obj(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    fn with_name(state: &Map<String, Value>, name: &str) -> Map<String, Value> {
        let mut expected = state.clone();
        expected.insert(COMPONENT_NAME_KEY.to_owned(), json!(name));
        expected
    }

    /// A large state gzip shrinks well.
    fn big_state() -> Map<String, Value> {
        let items: Vec<Value> = (0..200)
            .map(|i| json!({"id": i, "label": format!("item number {i}"), "done": i % 3 == 0}))
            .collect();
        obj(json!({"title": "todo list", "items": items}))
    }

    /// A large state whose gzip+base64 is not below 90 % of the JSON.
    fn incompressible_state() -> Map<String, Value> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let noise: String = (0..3000)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                ALPHABET[(seed >> 58) as usize] as char
            })
            .collect();
        obj(json!({ "noise": noise }))
    }

    /// A wire with a valid current-key signature over arbitrary `data`.
    fn forge(
        signer: &StateSigner,
        data: &str,
        compressed: bool,
        encrypted: bool,
    ) -> SignedStateWire {
        let (timestamp, version) = (NOW as f64, 1.0);
        SignedStateWire {
            data: data.to_owned(),
            signature: signer.signature_hex("c1", version, timestamp, data, None),
            timestamp,
            version,
            component_id: "c1".to_owned(),
            nonce: None,
            compressed: Some(compressed),
            encrypted: Some(encrypted),
        }
    }

    fn malformed(result: Result<Map<String, Value>, SignatureError>) -> String {
        match result {
            Err(SignatureError::Malformed(message)) => message,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    // ---- round trips ----

    #[test]
    fn round_trip_plain() {
        let s = signer("secret");
        let state = obj(json!({"count": 3, "name": "x", "nested": {"b": 1, "a": [1, 2]}}));
        let wire = s.sign("c1", "Counter", 1, &state, NOW);
        assert_eq!(
            wire.data,
            r#"{"count":3,"name":"x","nested":{"b":1,"a":[1,2]},"__componentName":"Counter"}"#
        );
        assert_eq!(wire.compressed, Some(false));
        assert_eq!(wire.encrypted, Some(false));
        assert_eq!(wire.nonce, None);
        assert_eq!(wire.timestamp, NOW as f64);
        assert_eq!(wire.version, 1.0);
        assert_eq!(wire.component_id, "c1");
        let decoded = s.verify(&wire, NOW + 1000).unwrap();
        assert_eq!(decoded, with_name(&state, "Counter"));
        assert_eq!(decoded.keys().next_back().unwrap(), COMPONENT_NAME_KEY);
    }

    #[test]
    fn round_trip_compressed() {
        let s = signer("secret");
        let state = big_state();
        let wire = s.sign("c1", "Todos", 9, &state, NOW);
        assert_eq!(wire.compressed, Some(true));
        assert!(BASE64.decode(&wire.data).is_ok());
        assert!(wire.data.len() < serde_json::to_string(&state).unwrap().len() / 2);
        assert_eq!(s.verify(&wire, NOW).unwrap(), with_name(&state, "Todos"));
    }

    #[test]
    fn compression_only_when_it_pays() {
        let s = signer("secret");
        let noisy = s.sign("c1", "N", 1, &incompressible_state(), NOW);
        assert_eq!(noisy.compressed, Some(false));
        assert!(noisy.data.starts_with(r#"{"noise":"#));
        assert_eq!(
            s.verify(&noisy, NOW).unwrap(),
            with_name(&incompressible_state(), "N")
        );

        // Exactly 1024 chars is not compressed, 1025 is.
        let pad = |len: usize| {
            let base = r#"{"p":"","__componentName":"X"}"#.len();
            obj(json!({"p": "a".repeat(len - base)}))
        };
        assert_eq!(
            s.sign("c1", "X", 1, &pad(1024), NOW).compressed,
            Some(false)
        );
        assert_eq!(s.sign("c1", "X", 1, &pad(1025), NOW).compressed, Some(true));

        let off = signer_with("secret", false, false);
        let wire = off.sign("c1", "Todos", 1, &big_state(), NOW);
        assert_eq!(wire.compressed, Some(false));
        assert_eq!(
            off.verify(&wire, NOW).unwrap(),
            with_name(&big_state(), "Todos")
        );
    }

    #[test]
    fn round_trip_encrypted() {
        let s = signer_with("secret", true, true);
        let state = obj(json!({"count": 3}));
        let wire = s.sign("c1", "Counter", 2, &state, NOW);
        assert_eq!(wire.encrypted, Some(true));
        assert_eq!(wire.compressed, Some(false));
        let parts: Vec<&str> = wire.data.split(':').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(BASE64.decode(parts[0]).unwrap().len(), 12);
        assert_eq!(BASE64.decode(parts[1]).unwrap().len(), 16);
        assert!(!wire.data.contains("Counter"));
        assert_eq!(s.verify(&wire, NOW).unwrap(), with_name(&state, "Counter"));
        // Fresh IV each time.
        assert_ne!(wire.data, s.sign("c1", "Counter", 2, &state, NOW).data);
    }

    #[test]
    fn round_trip_encrypted_and_compressed() {
        let s = signer_with("secret", true, true);
        let wire = s.sign("c1", "Todos", 3, &big_state(), NOW);
        assert_eq!(wire.encrypted, Some(true));
        assert_eq!(wire.compressed, Some(true));
        assert_eq!(
            s.verify(&wire, NOW).unwrap(),
            with_name(&big_state(), "Todos")
        );
    }

    #[test]
    fn existing_component_name_key_keeps_its_place() {
        let s = signer("secret");
        let state = obj(json!({"a": 1, "__componentName": "Old", "b": 2}));
        let wire = s.sign("c1", "New", 1, &state, NOW);
        assert_eq!(wire.data, r#"{"a":1,"__componentName":"New","b":2}"#);
        let decoded = s.verify(&wire, NOW).unwrap();
        assert_eq!(decoded[COMPONENT_NAME_KEY], json!("New"));
    }

    #[test]
    fn empty_state() {
        let s = signer("secret");
        let wire = s.sign("c1", "E", 1, &Map::new(), NOW);
        assert_eq!(wire.data, r#"{"__componentName":"E"}"#);
        assert_eq!(
            s.verify(&wire, NOW).unwrap(),
            obj(json!({"__componentName": "E"}))
        );
    }

    // ---- signature format ----

    #[test]
    fn signature_is_64_lowercase_hex() {
        let wire = signer("secret").sign("c1", "Counter", 1, &big_state(), NOW);
        assert_eq!(wire.signature.len(), 64);
        assert!(
            wire.signature
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
    }

    #[test]
    fn known_answer_plain() {
        // python3: hmac.new(b"secret", b'c1:1:1760000000000:{"count":3,"__componentName":"Counter"}', sha256)
        let wire = signer("secret").sign("c1", "Counter", 1, &obj(json!({"count": 3})), NOW);
        assert_eq!(wire.data, r#"{"count":3,"__componentName":"Counter"}"#);
        assert_eq!(
            wire.signature,
            "403a21d800199e9748786cb3881148184f8532059345464f9b4eacf083a5cd7a"
        );
    }

    #[test]
    fn known_answer_with_nonce() {
        // python3: hmac.new(b"secret", b'c1:4:1760000123456:{"count":3,"__componentName":"Counter"}:n0nce', sha256)
        let wire = SignedStateWire {
            data: r#"{"count":3,"__componentName":"Counter"}"#.to_owned(),
            signature: "2e4f851046affbe931af27736ffc681a1cb44b779efa102b3dd1ace5a73c9e39"
                .to_owned(),
            timestamp: 1_760_000_123_456.0,
            version: 4.0,
            component_id: "c1".to_owned(),
            nonce: Some("n0nce".to_owned()),
            compressed: Some(false),
            encrypted: Some(false),
        };
        let s = signer("secret");
        assert_eq!(
            s.verify(&wire, 1_760_000_123_456).unwrap()["count"],
            json!(3)
        );
        let without_nonce = SignedStateWire {
            nonce: None,
            ..wire
        };
        assert_eq!(
            s.verify(&without_nonce, 1_760_000_123_456),
            Err(SignatureError::InvalidSignature)
        );
    }

    #[test]
    fn accepts_state_compressed_by_the_ts_server() {
        // node: zlib.gzipSync(JSON.stringify({items:'x'.repeat(2000), n:[1,2,3], __componentName:'Big'}))
        // .toString('base64'); HMAC key "kat-secret", input "Zp0x7_Lm:7:1760000123456:<data>".
        let wire = SignedStateWire {
            data: "H4sIAAAAAAAAA6tWyixJzS1WslKqGAWjYBSMglEwCkbBkAdKOkp5SlbRhjpGOsaxOkrx8cn5uQX5\
                   eal5JX6JualKVkpOmelKtQA0ZwsZAAgAAA=="
                .to_owned(),
            signature: "7de6294701a2fbc91f220ad3a3ac3d57260bc0014caa99ca5c7f8552dbde10d4"
                .to_owned(),
            timestamp: 1_760_000_123_456.0,
            version: 7.0,
            component_id: "Zp0x7_Lm".to_owned(),
            nonce: None,
            compressed: Some(true),
            encrypted: Some(false),
        };
        let decoded = signer("kat-secret")
            .verify(&wire, 1_760_000_123_456)
            .unwrap();
        assert_eq!(
            decoded,
            obj(json!({"items": "x".repeat(2000), "n": [1, 2, 3], "__componentName": "Big"}))
        );
    }

    #[test]
    fn known_answer_encryption_key_derivation() {
        // node: key = hkdfSync('sha256', "kat-secret", "live state encryption v1 salt",
        // "live state encryption v1", 32); AES-256-GCM, IV 000102…0b, no AAD.
        // Pins the derivation: changing it would orphan every encrypted state.
        let data = "AAECAwQFBgcICQoL:4NUXqPp+AkQKIWuf8qY0uw==:\
                    i2wr2B6Ce4RrJJ+nCIl9M5NnJuTN6m0DO5vghREhwDIaftU4p+9Z";
        let wire = SignedStateWire {
            data: data.to_owned(),
            signature: "085c29239442cb73572b88ebdf9119bb367d7c2c88b5ed6dc31397554bbd0cc9"
                .to_owned(),
            timestamp: NOW as f64,
            version: 2.0,
            component_id: "c1".to_owned(),
            nonce: None,
            compressed: Some(false),
            encrypted: Some(true),
        };
        let decoded = signer("kat-secret").verify(&wire, NOW).unwrap();
        assert_eq!(
            decoded,
            obj(json!({"count": 3, "__componentName": "Counter"}))
        );
    }

    #[test]
    fn js_number_formatting() {
        let cases: [(f64, &str); 22] = [
            (4.0, "4"),
            (1_760_000_123_456.0, "1760000123456"),
            (18_446_744_073_709_551_616.0, "18446744073709552000"),
            (1_152_921_504_606_846_976.0, "1152921504606847000"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5, "1.5"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (-0.0, "0"),
            (1.2345e-10, "1.2345e-10"),
            (1.5e300, "1.5e+300"),
            (0.1, "0.1"),
            (100.0, "100"),
            (-42.25, "-42.25"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (123.456, "123.456"),
            (9_007_199_254_740_993.0, "9007199254740992"),
            (0.000123, "0.000123"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (x, expected) in cases {
            assert_eq!(js_number(x), expected, "{x:e}");
        }
    }

    #[test]
    fn version_and_timestamp_printed_as_js_integers() {
        let s = signer("secret");
        let wire = s.sign(
            "c1",
            "Counter",
            4,
            &obj(json!({"count": 3})),
            1_760_000_123_456,
        );
        let expected = hex(hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, b"secret"),
            format!("c1:4:1760000123456:{}", wire.data).as_bytes(),
        )
        .as_ref());
        assert_eq!(wire.signature, expected);
    }

    // ---- refusals ----

    #[test]
    fn tampering_is_an_invalid_signature() {
        let s = signer("secret");
        let wire = s.sign("c1", "Counter", 1, &obj(json!({"count": 3})), NOW);
        let check = |w: &SignedStateWire| {
            assert_eq!(s.verify(w, NOW), Err(SignatureError::InvalidSignature))
        };

        let mut w = wire.clone();
        w.data = w.data.replace('3', "4");
        check(&w);

        let mut w = wire.clone();
        let flipped = if w.signature.starts_with('0') {
            "1"
        } else {
            "0"
        };
        w.signature.replace_range(0..1, flipped);
        check(&w);

        let mut w = wire.clone();
        w.signature.pop();
        check(&w);

        let mut w = wire.clone();
        w.signature.push('0');
        check(&w);

        let mut w = wire.clone();
        w.signature = String::new();
        check(&w);

        let mut w = wire.clone();
        w.signature = w.signature.to_uppercase();
        assert_ne!(w.signature, wire.signature);
        check(&w);

        let mut w = wire.clone();
        w.signature = format!("{}zz", &w.signature[..62]);
        check(&w);

        let mut w = wire.clone();
        w.signature = "é".repeat(32);
        check(&w);

        let mut w = wire.clone();
        w.version = 2.0;
        check(&w);

        let mut w = wire.clone();
        w.timestamp += 1.0;
        check(&w);

        let mut w = wire.clone();
        w.component_id = "c2".to_owned();
        check(&w);

        let mut w = wire.clone();
        w.nonce = Some("n".to_owned());
        check(&w);

        let other = signer("other secret").sign("c1", "Counter", 1, &obj(json!({"count": 3})), NOW);
        check(&other);

        // The flags are not signed; flipping them on plain JSON gives Malformed, not a state.
        let mut w = wire.clone();
        w.compressed = Some(true);
        malformed(s.verify(&w, NOW));
        let mut w = wire;
        w.encrypted = Some(true);
        malformed(s.verify(&w, NOW));
    }

    #[test]
    fn age_limits() {
        let s = signer("secret");
        let wire = s.sign("c1", "Counter", 1, &obj(json!({"count": 3})), NOW);
        let max = DEFAULT_MAX_AGE.as_millis() as u64;
        assert!(s.verify(&wire, NOW + max).is_ok());
        assert_eq!(s.verify(&wire, NOW + max + 1), Err(SignatureError::Expired));
        assert_eq!(s.verify(&wire, u64::MAX), Err(SignatureError::Expired));
        // Clock skew: up to 60 s ahead is fine, more is refused.
        assert!(s.verify(&wire, NOW - 60_000).is_ok());
        assert_eq!(
            s.verify(&wire, NOW - 60_001),
            Err(SignatureError::InvalidSignature)
        );
        assert_eq!(s.verify(&wire, 0), Err(SignatureError::InvalidSignature));

        let short = StateSigner::new(SigningConfig {
            max_age: Duration::from_secs(5),
            ..SigningConfig::with_secret("secret")
        });
        assert!(short.verify(&wire, NOW + 5_000).is_ok());
        assert_eq!(
            short.verify(&wire, NOW + 5_001),
            Err(SignatureError::Expired)
        );

        // Expiry is checked before the signature, like TS.
        let mut forged = wire;
        forged.signature = "nonsense".to_owned();
        assert_eq!(
            s.verify(&forged, NOW + max + 1),
            Err(SignatureError::Expired)
        );
    }

    #[test]
    fn non_finite_numbers_are_refused() {
        let s = signer("secret");
        let wire = s.sign("c1", "Counter", 1, &obj(json!({"count": 3})), NOW);
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let w = SignedStateWire {
                timestamp: bad,
                ..wire.clone()
            };
            assert_eq!(s.verify(&w, NOW), Err(SignatureError::InvalidSignature));
            let w = SignedStateWire {
                version: bad,
                ..wire.clone()
            };
            assert_eq!(s.verify(&w, NOW), Err(SignatureError::InvalidSignature));
        }
    }

    #[test]
    fn error_texts() {
        assert_eq!(SignatureError::Expired.to_string(), "State expired");
        assert_eq!(
            SignatureError::InvalidSignature.to_string(),
            "Invalid signature"
        );
        assert_eq!(
            SignatureError::malformed("state too large").to_string(),
            "state too large"
        );
    }

    // ---- rotation and shared secrets ----

    fn rotated(current: &str, previous: &[&str], encrypt: bool) -> StateSigner {
        StateSigner::new(SigningConfig {
            previous_secrets: previous.iter().map(|s| s.as_bytes().to_vec()).collect(),
            encrypt,
            ..SigningConfig::with_secret(current)
        })
    }

    #[test]
    fn previous_secrets_verify_until_dropped() {
        let state = obj(json!({"count": 3}));
        for encrypt in [false, true] {
            let old = signer_with("s0", true, encrypt).sign("c1", "Counter", 1, &state, NOW);
            for previous in [&["s0"][..], &["s2", "s1", "s0"]] {
                let s = rotated("s9", previous, encrypt);
                assert_eq!(s.verify(&old, NOW).unwrap(), with_name(&state, "Counter"));
            }
            // s0 is the fourth previous secret: ignored.
            let s = rotated("s9", &["s3", "s2", "s1", "s0"], encrypt);
            assert_eq!(s.verify(&old, NOW), Err(SignatureError::InvalidSignature));
            // New states use the current secret only.
            let fresh = s.sign("c1", "Counter", 2, &state, NOW);
            assert_eq!(
                signer_with("s3", true, encrypt).verify(&fresh, NOW),
                Err(SignatureError::InvalidSignature)
            );
            assert!(signer_with("s9", true, encrypt).verify(&fresh, NOW).is_ok());
        }
    }

    #[test]
    fn servers_sharing_a_secret_read_each_others_encrypted_states() {
        let a = signer_with("shared", true, true);
        let b = signer_with("shared", true, true);
        for state in [obj(json!({"count": 3})), big_state()] {
            let from_a = a.sign("c1", "C", 1, &state, NOW);
            let from_b = b.sign("c1", "C", 1, &state, NOW);
            assert_eq!(b.verify(&from_a, NOW).unwrap(), with_name(&state, "C"));
            assert_eq!(a.verify(&from_b, NOW).unwrap(), with_name(&state, "C"));
            // Even with encryption switched off, the reader still decrypts.
            assert!(signer("shared").verify(&from_a, NOW).is_ok());
            assert_eq!(
                signer_with("different", true, true).verify(&from_a, NOW),
                Err(SignatureError::InvalidSignature)
            );
        }
    }

    // ---- authentic but undecodable data ----

    #[test]
    fn corrupted_ciphertext_with_valid_hmac_is_malformed() {
        let s = signer_with("secret", true, true);
        let good = s.sign("c1", "C", 1, &obj(json!({"count": 3})), NOW);
        let parts: Vec<&str> = good.data.split(':').collect();
        let mut ciphertext = BASE64.decode(parts[2]).unwrap();
        ciphertext[0] ^= 1;
        let flipped = format!("{}:{}:{}", parts[0], parts[1], BASE64.encode(&ciphertext));
        assert_eq!(
            malformed(s.verify(&forge(&s, &flipped, false, true), NOW)),
            "state decryption failed"
        );

        let shape = "encrypted state data is malformed";
        for data in [
            "garbage",
            "",
            "::",
            "a:b:c",
            "AAAA:BBBB:CCCC",
            "AAECAwQFBgcICQoL:AAAA:AAAA",
            "AAECAwQF:4NUXqPp+AkQKIWuf8qY0uw==:AAAA",
            "AAECAwQFBgcICQoL:4NUXqPp+AkQKIWuf8qY0uw==:AAAA:extra",
        ] {
            assert_eq!(
                malformed(s.verify(&forge(&s, data, false, true), NOW)),
                shape,
                "{data}"
            );
        }
        // Well-formed pieces, wrong key material.
        let data = "AAECAwQFBgcICQoL:4NUXqPp+AkQKIWuf8qY0uw==:AAAA";
        assert_eq!(
            malformed(s.verify(&forge(&s, data, false, true), NOW)),
            "state decryption failed"
        );
    }

    #[test]
    fn undecodable_plain_or_compressed_data_is_malformed() {
        let s = signer("secret");
        assert_eq!(
            malformed(s.verify(&forge(&s, "{not json", false, false), NOW)),
            "state data is not valid JSON"
        );
        assert_eq!(
            malformed(s.verify(&forge(&s, "[1,2]", false, false), NOW)),
            "state data is not a JSON object"
        );
        assert_eq!(
            malformed(s.verify(&forge(&s, "%%%", true, false), NOW)),
            "state data is not valid base64"
        );
        let not_gzip = BASE64.encode(b"plain text, not gzip");
        assert_eq!(
            malformed(s.verify(&forge(&s, &not_gzip, true, false), NOW)),
            "state decompression failed"
        );
        let gz = compress(&format!("[{}]", "1,".repeat(1000) + "1")).unwrap();
        assert_eq!(
            malformed(s.verify(&forge(&s, &gz, true, false), NOW)),
            "state data is not a JSON object"
        );
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(500), "]".repeat(500));
        assert_eq!(
            malformed(s.verify(&forge(&s, &deep, false, false), NOW)),
            "state data is not valid JSON"
        );
    }

    #[test]
    fn gzip_bomb_is_bounded() {
        let s = signer("secret");
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..17 {
            encoder.write_all(&zeros).unwrap();
        }
        let bomb = BASE64.encode(encoder.finish().unwrap());
        assert!(bomb.len() < 100_000);
        assert_eq!(
            malformed(s.verify(&forge(&s, &bomb, true, false), NOW)),
            "state too large"
        );
    }

    #[test]
    fn random_secret_is_64_hex_chars() {
        let a = random_secret();
        assert_eq!(a.len(), 64);
        assert!(
            a.iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        );
        assert_ne!(a, random_secret());
        let s = StateSigner::new(SigningConfig::default());
        let wire = s.sign("c1", "C", 1, &Map::new(), NOW);
        assert!(s.verify(&wire, NOW).is_ok());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = SigningConfig {
            previous_secrets: vec![b"old-secret".to_vec()],
            ..SigningConfig::with_secret("top-secret")
        };
        let text = format!("{config:?} {:?}", StateSigner::new(config.clone()));
        assert!(
            !text.contains("top-secret") && !text.contains("old-secret"),
            "{text}"
        );
    }

    // ---- properties ----

    fn json_leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            // Short binary fractions: exact through any float formatter.
            (-1_000_000i32..1_000_000).prop_map(|n| Value::from(f64::from(n) / 8.0)),
            ".{0,40}".prop_map(Value::String),
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        json_leaf().prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec((".{0,12}", inner), 0..8)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    fn json_object() -> impl Strategy<Value = Map<String, Value>> {
        prop::collection::vec(("[a-zA-Z_$][a-zA-Z0-9_]{0,10}|.{0,8}", json_value()), 0..24)
            .prop_map(|entries| entries.into_iter().collect())
    }

    fn arbitrary_wire() -> impl Strategy<Value = SignedStateWire> {
        (
            prop_oneof![
                ".{0,64}",
                "[A-Za-z0-9+/=:]{0,120}",
                "[0-9a-f]{0,3}:[0-9a-f]{0,3}:.{0,8}"
            ],
            prop_oneof![".{0,70}", "[0-9a-f]{64}", "[0-9A-Fa-f]{63,65}"],
            prop_oneof![any::<f64>(), Just(NOW as f64), (0.0..2e12f64)],
            prop_oneof![any::<f64>(), (0u32..100).prop_map(f64::from)],
            ".{0,12}",
            proptest::option::of(".{0,12}"),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
        )
            .prop_map(
                |(
                    data,
                    signature,
                    timestamp,
                    version,
                    component_id,
                    nonce,
                    compressed,
                    encrypted,
                )| {
                    SignedStateWire {
                        data,
                        signature,
                        timestamp,
                        version,
                        component_id,
                        nonce,
                        compressed,
                        encrypted,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn random_objects_round_trip(
            state in json_object(),
            name in "[A-Za-z]{1,12}",
            version in 1u64..1_000_000,
            compress in any::<bool>(),
            encrypt in any::<bool>(),
        ) {
            let s = signer_with("prop secret", compress, encrypt);
            let wire = s.sign("cid", &name, version, &state, NOW);
            prop_assert_eq!(wire.signature.len(), 64);
            prop_assert_eq!(s.verify(&wire, NOW + 1).unwrap(), with_name(&state, &name));
            prop_assert_eq!(
                signer_with("other", compress, encrypt).verify(&wire, NOW),
                Err(SignatureError::InvalidSignature)
            );
        }

        #[test]
        fn verify_never_panics_on_arbitrary_wires(wire in arbitrary_wire(), now in any::<u64>()) {
            let s = signer_with("secret", true, true);
            let _ = s.verify(&wire, now);
            let _ = s.verify(&wire, NOW);
        }

        #[test]
        fn authentic_garbage_is_ok_or_malformed(
            data in prop_oneof![".{0,64}", "[A-Za-z0-9+/=]{0,120}", "[A-Za-z0-9+/=]{0,24}:[A-Za-z0-9+/=]{0,24}:[A-Za-z0-9+/=]{0,40}"],
            compressed in any::<bool>(),
            encrypted in any::<bool>(),
        ) {
            let s = signer_with("secret", true, true);
            match s.verify(&forge(&s, &data, compressed, encrypted), NOW) {
                Ok(_) | Err(SignatureError::Malformed(_)) => {}
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }
    }
}
