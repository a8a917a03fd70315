#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use proptest::prelude::*;
use serde_json::json;

const FIELDS: &[BinaryField] = EVERY_WIRE_TYPE;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => panic!("not an object"),
    }
}

/// The delta a client ends up applying: the decoded binary keys, then the JSON ones.
fn rejoined(fields: &[BinaryField], split: &SplitDelta) -> Map<String, Value> {
    let mut delta = match &split.binary {
        Some(payload) => decode_payload(fields, payload).unwrap(),
        None => Map::new(),
    };
    delta.extend(split.json.clone());
    delta
}

#[test]
fn matches_the_reference_example() {
    // §8.7: defaultState {count: 0}, delta {count: 42} → 01 | 00 00 00 00 00 00 45 40.
    let fields = [BinaryField::new("count", WireType::Float64)];
    let split = split(&fields, &object(json!({"count": 42.0})));
    assert_eq!(
        split.binary.as_deref(),
        Some(&[0x01, 0, 0, 0, 0, 0, 0, 0x45, 0x40][..])
    );
    assert!(split.json.is_empty());
    let frame = frame("Zp0x7_Lm", split.binary.as_deref().unwrap()).unwrap();
    assert_eq!(&frame[..10], b"\x01\x08Zp0x7_Lm");
    let (id, payload) = decode_frame(&frame).unwrap();
    assert_eq!(id, "Zp0x7_Lm");
    assert_eq!(
        decode_payload(&fields, payload).unwrap(),
        object(json!({"count": 42.0}))
    );
}

#[test]
fn every_wire_type_round_trips() {
    let delta = object(json!({
        "u8": 255, "u16": 65535, "u32": 4_294_967_295_u64, "i8": -128, "i16": -32768,
        "i32": -2_147_483_648_i64, "f32": 0.5, "f64": -1.25e300, "on": true,
        "text": "héllo", "big": -9_007_199_254_740_992_i64,
    }));
    let split = split(FIELDS, &delta);
    assert!(split.json.is_empty(), "{:?}", split.json);
    let payload = split.binary.as_deref().unwrap();
    // Two mask bytes (11 fields), all bits set.
    assert_eq!(&payload[..2], &[0xff, 0x07]);
    assert_eq!(
        payload.len(),
        2 + 1 + 2 + 4 + 1 + 2 + 4 + 4 + 8 + 1 + (2 + 6) + 8
    );
    assert_eq!(decode_payload(FIELDS, payload).unwrap(), delta);
}

#[test]
fn values_the_wire_type_cannot_carry_stay_json() {
    let delta = object(json!({
        "u8": 256, "i8": -129, "u32": -1, "f32": 0.1, "f64": 3, "on": null,
        "text": "x".repeat(65_536), "big": 9_007_199_254_740_993_u64, "other": [1],
        "i16": 7,
    }));
    let split = split(FIELDS, &delta);
    let mut expected = delta.clone();
    expected.shift_remove("i16");
    assert_eq!(split.json, expected);
    assert_eq!(
        decode_payload(FIELDS, split.binary.as_deref().unwrap()).unwrap(),
        object(json!({"i16": 7}))
    );
    assert_eq!(split.binary.as_deref().unwrap()[..2], [0b1_0000, 0]);
}

#[test]
fn nothing_binary_gives_no_payload() {
    let split = split(FIELDS, &object(json!({"other": 1})));
    assert_eq!(split.binary, None);
    assert_eq!(split.json, object(json!({"other": 1})));
}

#[test]
fn refuses_malformed_input() {
    let fields = &FIELDS[..2];
    assert_eq!(decode_payload(fields, &[]), Err(DecodeError::Truncated));
    assert_eq!(decode_payload(fields, &[0b01]), Err(DecodeError::Truncated));
    assert_eq!(decode_payload(fields, &[0b100]), Err(DecodeError::Mismatch));
    assert_eq!(
        decode_payload(fields, &[0b01, 1, 2]),
        Err(DecodeError::Mismatch)
    );
    assert_eq!(decode_payload(fields, &[0]), Ok(Map::new()));
    let text = [BinaryField::new("t", WireType::String)];
    assert_eq!(
        decode_payload(&text, &[1, 3, 0, b'a']),
        Err(DecodeError::Truncated)
    );
    assert_eq!(
        decode_payload(&text, &[1, 1, 0, 0xff]),
        Err(DecodeError::InvalidUtf8)
    );
    let float = [BinaryField::new("f", WireType::Float64)];
    let nan = f64::NAN.to_le_bytes();
    assert_eq!(
        decode_payload(&float, &[[1].as_slice(), &nan].concat()),
        Err(DecodeError::NotFinite)
    );
    let int = [BinaryField::integer("n")];
    let half = 0.5f64.to_le_bytes();
    assert_eq!(
        decode_payload(&int, &[[1].as_slice(), &half].concat()),
        Err(DecodeError::NotAnInteger)
    );
    assert_eq!(decode_frame(&[0x02, 0]), Err(DecodeError::NotADelta(2)));
    assert_eq!(decode_frame(&[0x01, 3, b'a']), Err(DecodeError::Truncated));
    assert_eq!(decode_frame(&[0x01]), Err(DecodeError::Truncated));
    assert_eq!(frame(&"x".repeat(256), &[0]), Err(IdTooLong(256)));
}

/// A value of any JSON kind a field of `FIELDS` might hold, in and out of range.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-300i64..300).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        any::<f32>().prop_filter_map("finite", |f| Number::from_f64(f.into()).map(Value::Number)),
        any::<bool>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        Just(Value::Null),
        Just(json!([1, {"a": null}])),
    ]
}

fn delta() -> impl Strategy<Value = Map<String, Value>> {
    let names: Vec<&str> = FIELDS
        .iter()
        .map(|field| field.name)
        .chain(["x", "y"])
        .collect();
    proptest::collection::vec((proptest::sample::select(names), value()), 0..14)
        .prop_map(|pairs| pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever a delta holds, the binary keys decoded plus the JSON keys are the delta.
    #[test]
    fn split_then_decode_is_the_delta(delta in delta()) {
        let split = split(FIELDS, &delta);
        let mut rejoined = rejoined(FIELDS, &split);
        rejoined.sort_keys();
        let mut expected = delta.clone();
        expected.sort_keys();
        prop_assert_eq!(rejoined, expected);
        if let Some(payload) = &split.binary {
            let frame = frame("id", payload).unwrap();
            prop_assert_eq!(decode_frame(&frame).unwrap(), ("id", payload.as_slice()));
        }
    }

    /// Arbitrary bytes never panic the decoder, and what decodes re-encodes to itself.
    #[test]
    fn decoding_arbitrary_bytes_is_safe(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(delta) = decode_payload(FIELDS, &bytes) {
            let again = split(FIELDS, &delta);
            prop_assert!(again.json.is_empty() || delta.is_empty());
            if let Some(payload) = again.binary {
                prop_assert_eq!(decode_payload(FIELDS, &payload).unwrap(), delta);
            }
        }
    }
}
