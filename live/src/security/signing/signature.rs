//! The HMAC's text: the signature input, and the 64-char lowercase hex form of the tag.

use crate::protocol::js::js_number_text;

/// Length of a raw HMAC-SHA256 tag; the wire carries it as 64 lowercase hex chars.
pub(super) const SIGNATURE_LEN: usize = 32;

/// `"<componentId>:<version>:<timestamp>:<data>"` plus `":<nonce>"` when present,
/// numbers formatted as JavaScript prints them.
pub(super) fn signature_input(
    component_id: &str,
    version: f64,
    timestamp: f64,
    data: &str,
    nonce: Option<&str>,
) -> String {
    let (version, timestamp) = (js_number_text(version), js_number_text(timestamp));
    let nonce_len = nonce.map_or(0, |nonce| nonce.len() + 1);
    let mut input = String::with_capacity(
        component_id.len() + version.len() + timestamp.len() + data.len() + 3 + nonce_len,
    );
    for (i, part) in [component_id, &version, &timestamp, data]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            input.push(':');
        }
        input.push_str(part);
    }
    if let Some(nonce) = nonce {
        input.push(':');
        input.push_str(nonce);
    }
    input
}

/// Lowercase hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(hex_digit(byte >> 4));
        out.push(hex_digit(byte & 0x0f));
    }
    out
}

/// The lowercase hex digit of `nibble` (0 to 15).
fn hex_digit(nibble: u8) -> char {
    char::from(if nibble < 10 {
        b'0' + nibble
    } else {
        b'a' + nibble - 10
    })
}

/// Exactly 64 lowercase hex chars → the 32 tag bytes; anything else → `None`.
pub(super) fn decode_signature(signature: &str) -> Option<[u8; SIGNATURE_LEN]> {
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
