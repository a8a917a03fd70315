//! [`StateSigner`]: building it from a [`SigningConfig`], and signing (serialize, maybe
//! gzip, maybe encrypt, HMAC).

use std::fmt;
use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use flate2::Compression;
use flate2::write::GzEncoder;
use ring::aead::{Aad, NONCE_LEN, Nonce};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::config::{MAX_PREVIOUS_SECRETS, SigningConfig};
use super::keys::KeySet;
use super::signature::{hex, signature_input};
use super::wire::SignedStateWire;

/// Key the signer appends to the state object; the decoded state keeps it.
pub(crate) const COMPONENT_NAME_KEY: &str = "__componentName";

/// States whose JSON is longer than this (in UTF-16 units, like JS) are gzip candidates.
const COMPRESS_THRESHOLD: usize = 1024;

/// Signs and verifies component states with precomputed keys.
#[derive(Clone)]
pub(crate) struct StateSigner {
    /// Keys of the current secret (used to sign, tried first to verify).
    pub(super) current: KeySet,
    /// Keys of up to [`MAX_PREVIOUS_SECRETS`] earlier secrets, newest first.
    pub(super) previous: Vec<KeySet>,
    /// `max_age` in milliseconds.
    pub(super) max_age_ms: f64,
    /// Whether `sign` encrypts.
    pub(super) encrypt: bool,
    /// Whether `sign` may compress.
    pub(super) compress: bool,
    /// Source of encryption IVs.
    pub(super) rng: SystemRandom,
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

    /// Lowercase hex HMAC-SHA256 of the signature input, with the current key.
    pub(super) fn signature_hex(
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
pub(super) fn compress(json: &str) -> Option<String> {
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
