//! Signing tests: round trips, known answers against the TypeScript server, refusals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::error::SignatureError;
use super::signature::hex;
use super::signer::compress;
use super::*;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use flate2::Compression;
use flate2::write::GzEncoder;
use proptest::prelude::*;
use ring::hmac;
use serde_json::json;
use serde_json::{Map, Value};
use std::io::Write as _;
use std::time::Duration;

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
fn forge(signer: &StateSigner, data: &str, compressed: bool, encrypted: bool) -> SignedStateWire {
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
        Err(SignatureError::Malformed(message)) => message.to_owned(),
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
        signature: "2e4f851046affbe931af27736ffc681a1cb44b779efa102b3dd1ace5a73c9e39".to_owned(),
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
        signature: "7de6294701a2fbc91f220ad3a3ac3d57260bc0014caa99ca5c7f8552dbde10d4".to_owned(),
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
        signature: "085c29239442cb73572b88ebdf9119bb367d7c2c88b5ed6dc31397554bbd0cc9".to_owned(),
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
    let check =
        |w: &SignedStateWire| assert_eq!(s.verify(w, NOW), Err(SignatureError::InvalidSignature));

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
        SignatureError::Malformed("state too large").to_string(),
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
            |(data, signature, timestamp, version, component_id, nonce, compressed, encrypted)| {
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
