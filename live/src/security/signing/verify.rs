//! Verifying a signed state coming back: age, HMAC against every accepted key, then
//! decrypting, decompressing and parsing the authenticated `data`.

use std::borrow::Cow;
use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use flate2::read::GzDecoder;
use ring::aead::{Aad, NONCE_LEN, Nonce};
use ring::hmac;
use serde_json::{Map, Value};

use super::error::SignatureError;
use super::keys::KeySet;
use super::signature::{decode_signature, signature_input};
use super::signer::StateSigner;
use super::wire::SignedStateWire;

/// Largest decompressed state accepted (a forged gzip bomb stops here).
pub(crate) const MAX_DECODED_BYTES: usize = 16 * 1024 * 1024;

/// A timestamp further than this in the future is refused as `Invalid signature`.
const MAX_CLOCK_SKEW_MS: f64 = 60_000.0;

/// Length of the AES-GCM tag in the `iv:tag:ciphertext` layout.
const TAG_LEN: usize = 16;

impl StateSigner {
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
