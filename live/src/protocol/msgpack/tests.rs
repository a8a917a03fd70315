//! Msgpack tests: byte-exact encodings against the TypeScript codec, decoder limits, round trips.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use proptest::prelude::*;
use serde_json::json;

/// Encodes with [`to_vec`].
fn enc(value: &Value) -> Vec<u8> {
    to_vec(value)
}

/// Big-endian bytes after a marker.
fn with_marker(marker: u8, rest: &[u8]) -> Vec<u8> {
    let mut out = vec![marker];
    out.extend_from_slice(rest);
    out
}

/// A float64 encoding.
fn f64_bytes(value: f64) -> Vec<u8> {
    with_marker(0xcb, &value.to_be_bytes())
}

/// A string of `len` ASCII bytes.
fn text(len: usize) -> String {
    "x".repeat(len)
}

/// An object with `len` distinct keys, all null.
fn object(len: usize) -> Value {
    Value::Object((0..len).map(|i| (format!("k{i}"), Value::Null)).collect())
}

#[test]
fn scalars() {
    assert_eq!(enc(&json!(null)), [0xc0]);
    assert_eq!(enc(&json!(false)), [0xc2]);
    assert_eq!(enc(&json!(true)), [0xc3]);
}

#[test]
fn integer_boundaries() {
    let cases: Vec<(i64, Vec<u8>)> = vec![
        (0, vec![0x00]),
        (127, vec![0x7f]),
        (128, vec![0xcc, 0x80]),
        (200, vec![0xcc, 0xc8]),
        (255, vec![0xcc, 0xff]),
        (256, vec![0xcd, 0x01, 0x00]),
        (65_535, vec![0xcd, 0xff, 0xff]),
        (65_536, vec![0xce, 0x00, 0x01, 0x00, 0x00]),
        (70_000, vec![0xce, 0x00, 0x01, 0x11, 0x70]),
        (4_294_967_295, vec![0xce, 0xff, 0xff, 0xff, 0xff]),
        (4_294_967_296, f64_bytes(4_294_967_296.0)),
        (-1, vec![0xff]),
        (-32, vec![0xe0]),
        (-33, vec![0xd0, 0xdf]),
        (-128, vec![0xd0, 0x80]),
        (-129, vec![0xd1, 0xff, 0x7f]),
        (-32_768, vec![0xd1, 0x80, 0x00]),
        (-32_769, vec![0xd2, 0xff, 0xff, 0x7f, 0xff]),
        (i64::from(i32::MAX), vec![0xce, 0x7f, 0xff, 0xff, 0xff]),
        (i64::from(i32::MIN), vec![0xd2, 0x80, 0x00, 0x00, 0x00]),
        (i64::from(i32::MIN) - 1, f64_bytes(-2_147_483_649.0)),
        (i64::MIN, f64_bytes(i64::MIN as f64)),
        (i64::MAX, f64_bytes(i64::MAX as f64)),
    ];
    for (int, bytes) in cases {
        assert_eq!(enc(&json!(int)), bytes, "{int}");
        // The same number held as a float encodes identically (JS numbers).
        assert_eq!(enc(&json!(int as f64)), bytes, "{int} as f64");
    }
    assert_eq!(enc(&json!(u64::MAX)), f64_bytes(u64::MAX as f64));
}

#[test]
fn floats() {
    assert_eq!(enc(&json!(0.5)), f64_bytes(0.5));
    assert_eq!(enc(&json!(-1.25)), f64_bytes(-1.25));
    assert_eq!(enc(&json!(3.0)), [0x03]);
    assert_eq!(enc(&json!(-0.0)), [0x00]);
    assert_eq!(enc(&json!(1e300)), f64_bytes(1e300));
    assert_eq!(
        enc(&json!(0.1)),
        [0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a]
    );
}

#[test]
fn string_boundaries() {
    let cases: [(usize, &[u8]); 8] = [
        (0, &[0xa0]),
        (31, &[0xbf]),
        (32, &[0xd9, 32]),
        (255, &[0xd9, 0xff]),
        (256, &[0xda, 0x01, 0x00]),
        (65_535, &[0xda, 0xff, 0xff]),
        (65_536, &[0xdb, 0x00, 0x01, 0x00, 0x00]),
        (70_000, &[0xdb, 0x00, 0x01, 0x11, 0x70]),
    ];
    for (len, header) in cases {
        let value = Value::String(text(len));
        let bytes = enc(&value);
        assert_eq!(&bytes[..header.len()], header, "{len}");
        assert_eq!(bytes.len(), header.len() + len);
        assert_eq!(decode(&bytes).unwrap(), value);
    }
    // Lengths are UTF-8 bytes: 11 × "é" is 22 bytes, 16 × "é" is 32.
    assert_eq!(enc(&json!("é".repeat(11)))[0], 0xa0 | 0x16);
    assert_eq!(enc(&json!("é".repeat(16)))[..2], [0xd9, 32]);
}

#[test]
fn array_boundaries() {
    let cases: [(usize, &[u8]); 6] = [
        (0, &[0x90]),
        (15, &[0x9f]),
        (16, &[0xdc, 0x00, 0x10]),
        (65_535, &[0xdc, 0xff, 0xff]),
        (65_536, &[0xdd, 0x00, 0x01, 0x00, 0x00]),
        (70_000, &[0xdd, 0x00, 0x01, 0x11, 0x70]),
    ];
    for (len, header) in cases {
        let value = Value::Array(vec![Value::Null; len]);
        let bytes = enc(&value);
        assert_eq!(&bytes[..header.len()], header, "{len}");
        assert_eq!(bytes.len(), header.len() + len);
        assert_eq!(decode(&bytes).unwrap(), value);
    }
}

#[test]
fn map_boundaries() {
    let cases: [(usize, &[u8]); 6] = [
        (0, &[0x80]),
        (15, &[0x8f]),
        (16, &[0xde, 0x00, 0x10]),
        (65_535, &[0xde, 0xff, 0xff]),
        (65_536, &[0xdf, 0x00, 0x01, 0x00, 0x00]),
        (70_000, &[0xdf, 0x00, 0x01, 0x11, 0x70]),
    ];
    for (len, header) in cases {
        let value = object(len);
        let bytes = enc(&value);
        assert_eq!(&bytes[..header.len()], header, "{len}");
        assert_eq!(decode(&bytes).unwrap(), value);
    }
}

#[test]
fn reference_example_and_key_order() {
    assert_eq!(
        enc(&json!({"count": 10})),
        [0x81, 0xa5, b'c', b'o', b'u', b'n', b't', 0x0a]
    );
    let value = json!({"b": 1, "a": [true, null, "x"], "2": {}});
    let bytes = enc(&value);
    assert_eq!(
        bytes,
        [
            0x83, 0xa1, b'b', 0x01, 0xa1, b'a', 0x93, 0xc3, 0xc0, 0xa1, b'x', 0xa1, b'2', 0x80
        ]
    );
    let decoded = decode(&bytes).unwrap();
    assert_eq!(decoded, value);
    let keys: Vec<&String> = decoded.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["b", "a", "2"]);
}

#[test]
fn decodes_numbers_as_javascript_holds_them() {
    assert_eq!(decode(&f64_bytes(3.0)).unwrap(), json!(3));
    assert_eq!(decode(&f64_bytes(-0.0)).unwrap(), json!(0));
    assert_eq!(
        decode(&f64_bytes(4_294_967_296.0)).unwrap(),
        json!(4_294_967_296_i64)
    );
    assert_eq!(decode(&f64_bytes(1e300)).unwrap(), json!(1e300));
    assert_eq!(decode(&f64_bytes(0.5)).unwrap(), json!(0.5));
    assert_eq!(decode(&f64_bytes(f64::NAN)).unwrap(), Value::Null);
    assert_eq!(decode(&f64_bytes(f64::INFINITY)).unwrap(), Value::Null);
    // float32 is accepted leniently.
    assert_eq!(
        decode(&with_marker(0xca, &1.5f32.to_be_bytes())).unwrap(),
        json!(1.5)
    );
    assert_eq!(
        decode(&with_marker(0xca, &2.0f32.to_be_bytes())).unwrap(),
        json!(2)
    );
    // Every integer width, including the ones we never write for a value.
    assert_eq!(decode(&[0xcc, 0x05]).unwrap(), json!(5));
    assert_eq!(decode(&[0xd0, 0x05]).unwrap(), json!(5));
    assert_eq!(decode(&[0xd1, 0xff, 0xff]).unwrap(), json!(-1));
    assert_eq!(decode(&[0xd2, 0x80, 0, 0, 0]).unwrap(), json!(i32::MIN));
    assert_eq!(
        decode(&[0xce, 0xff, 0xff, 0xff, 0xff]).unwrap(),
        json!(u32::MAX)
    );
    assert_eq!(decode(&[0xe0]).unwrap(), json!(-32));
}

#[test]
fn decodes_bin_as_byte_numbers() {
    assert_eq!(decode(&[0xc4, 0x02, 0x01, 0xff]).unwrap(), json!([1, 255]));
    assert_eq!(decode(&[0xc5, 0x00, 0x01, 0x07]).unwrap(), json!([7]));
    assert_eq!(decode(&[0xc6, 0, 0, 0, 0]).unwrap(), json!([]));
}

#[test]
fn rejects_unsupported_types() {
    for marker in [
        0xc1, 0xc7, 0xc8, 0xc9, 0xcf, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,
    ] {
        let mut bytes = vec![marker];
        bytes.extend_from_slice(&[0; 20]);
        assert_eq!(decode(&bytes), Err(MsgpackError::UnsupportedType(marker)));
    }
    // Also inside a container.
    assert_eq!(
        decode(&[0x91, 0xc1]),
        Err(MsgpackError::UnsupportedType(0xc1))
    );
    assert_eq!(
        MsgpackError::UnsupportedType(0xc1).to_string(),
        "Unknown type byte 0xc1"
    );
}

#[test]
fn depth_limit() {
    let nested = |levels: usize| {
        let mut bytes = vec![0x91; levels - 1];
        bytes.push(0x90);
        bytes
    };
    assert!(decode(&nested(64)).is_ok());
    assert_eq!(decode(&nested(65)), Err(MsgpackError::TooDeep { max: 64 }));
    assert_eq!(decode(&nested(73)), Err(MsgpackError::TooDeep { max: 64 }));
    assert_eq!(
        decode(&nested(73)).unwrap_err().to_string(),
        "Nesting too deep (max 64)"
    );
    // Maps count too: 64 levels of {"a": …} then an empty map.
    let mut maps = [0x81, 0xa1, b'a'].repeat(64);
    maps.push(0x80);
    assert_eq!(decode(&maps), Err(MsgpackError::TooDeep { max: 64 }));
    assert!(decode(&maps[3..]).is_ok());
    // Deep input far beyond the limit stops early instead of recursing.
    assert_eq!(
        decode(&vec![0x91; 1_000_000]),
        Err(MsgpackError::TooDeep { max: 64 })
    );
    // A custom limit.
    let limits = DecodeLimits { max_depth: 2 };
    assert!(decode_with(&nested(2), limits).is_ok());
    assert_eq!(
        decode_with(&nested(3), limits),
        Err(MsgpackError::TooDeep { max: 2 })
    );
    // Scalars and bin are not containers.
    assert!(decode_with(&[0xc4, 0x00], DecodeLimits { max_depth: 0 }).is_ok());
}

#[test]
fn container_counts_are_checked_before_allocating() {
    assert_eq!(
        decode(&[0xdd, 0xff, 0xff, 0xff, 0xff]),
        Err(MsgpackError::CountExceedsRemaining {
            count: 0xffff_ffff,
            remaining: 0
        })
    );
    assert_eq!(
        decode(&[0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0]),
        Err(MsgpackError::CountExceedsRemaining {
            count: 0xffff_ffff,
            remaining: 1
        })
    );
    // Maps need two bytes per entry: 3 entries in 5 bytes is refused.
    assert_eq!(
        decode(&[0x83, 0xa0, 0xc0, 0xa0, 0xc0, 0xa0]),
        Err(MsgpackError::CountExceedsRemaining {
            count: 3,
            remaining: 5
        })
    );
    assert_eq!(
        MsgpackError::CountExceedsRemaining {
            count: 3,
            remaining: 5
        }
        .to_string(),
        "count 3 exceeds remaining 5 bytes"
    );
    // Nested containers each claiming nearly all remaining bytes decode (or
    // fail) without reserving count × depth items.
    let mut bytes = Vec::new();
    for _ in 0..60 {
        bytes.extend_from_slice(&[0xdd, 0x00, 0x10, 0x00, 0x00]);
    }
    bytes.extend(std::iter::repeat_n(0xc0, 1 << 20));
    assert_eq!(decode(&bytes), Err(MsgpackError::Truncated));
}

#[test]
fn prototype_keys_are_dropped() {
    let value = json!({
        "__proto__": {"polluted": true},
        "a": 1,
        "constructor": [1, 2],
        "prototype": "x",
        "nested": {"__proto__": 5, "b": 2}
    });
    assert_eq!(
        decode(&enc(&value)).unwrap(),
        json!({"a": 1, "nested": {"b": 2}})
    );
    // The dropped key's value is still checked.
    assert_eq!(
        decode(&[
            0x81, 0xa9, b'_', b'_', b'p', b'r', b'o', b't', b'o', b'_', b'_', 0xc1
        ]),
        Err(MsgpackError::UnsupportedType(0xc1))
    );
}

#[test]
fn non_string_keys() {
    let decoded = decode(&[
        0x86, 0x01, 0xa1, b'a', // 1
        0xc0, 0x02, // nil
        0xc3, 0x03, // true
        0xd0, 0xfb, 0x04, // -5
        0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x05, // 1.5
        0xcb, 0x40, 0x08, 0, 0, 0, 0, 0, 0, 0x06, // 3.0
    ])
    .unwrap();
    assert_eq!(
        decoded,
        json!({"1": "a", "null": 2, "true": 3, "-5": 4, "1.5": 5, "3": 6})
    );
    assert_eq!(decode(&[0x81, 0x90, 0x01]), Err(MsgpackError::NonStringKey));
    assert_eq!(decode(&[0x81, 0x80, 0x01]), Err(MsgpackError::NonStringKey));
    assert_eq!(
        decode(&[0x81, 0xc4, 0x00, 0x01]),
        Err(MsgpackError::NonStringKey)
    );
    assert_eq!(
        decode(&with_marker(0x81, &[f64_bytes(1e21), vec![0x01]].concat())),
        Err(MsgpackError::NonStringKey)
    );
    assert_eq!(float_key(f64::NAN).as_deref(), Some("NaN"));
    assert_eq!(float_key(f64::NEG_INFINITY).as_deref(), Some("-Infinity"));
    assert_eq!(float_key(-0.0).as_deref(), Some("0"));
    assert_eq!(float_key(1e-7).as_deref(), Some("0.0000001"));
    assert_eq!(float_key(1e-8), None);
    // A repeated key keeps its first position and its last value, as in JS.
    assert_eq!(
        decode(&[0x83, 0xa1, b'a', 0x01, 0xa1, b'b', 0x02, 0xa1, b'a', 0x03]).unwrap(),
        json!({"a": 3, "b": 2})
    );
}

#[test]
fn invalid_utf8_and_trailing_bytes() {
    assert_eq!(decode(&[0xa1, 0xff]), Err(MsgpackError::InvalidUtf8));
    assert_eq!(
        decode(&[0x81, 0xa1, 0xff, 0xc0]),
        Err(MsgpackError::InvalidUtf8)
    );
    assert_eq!(decode(&[0xc0, 0xc0]), Err(MsgpackError::TrailingBytes));
    assert_eq!(decode(&[0x90, 0x00]), Err(MsgpackError::TrailingBytes));
}

#[test]
fn truncated_inputs() {
    let cases: [&[u8]; 28] = [
        &[],
        &[0xa3, b'a'],
        &[0xc4],
        &[0xc4, 0x02, 0x01],
        &[0xc5, 0x00],
        &[0xc5, 0x00, 0x02, 0x01],
        &[0xc6, 0x00, 0x00, 0x00],
        &[0xc6, 0x00, 0x00, 0x00, 0x01],
        &[0xca, 0x00, 0x00, 0x00],
        &[0xcb, 0, 0, 0, 0, 0, 0, 0],
        &[0xcc],
        &[0xcd, 0x00],
        &[0xce, 0x00, 0x00, 0x00],
        &[0xd0],
        &[0xd1, 0x00],
        &[0xd2, 0x00, 0x00, 0x00],
        &[0xd9],
        &[0xd9, 0x03, b'a', b'b'],
        &[0xda, 0x00],
        &[0xda, 0x00, 0x01],
        &[0xdb, 0x00, 0x00, 0x00],
        &[0xdb, 0xff, 0xff, 0xff, 0xff, b'a'],
        &[0xdc, 0x00],
        &[0xdd, 0x00, 0x00, 0x00],
        &[0xde, 0x00],
        &[0xdf, 0x00, 0x00, 0x00],
        &[0x92, 0xcd, 0x00, 0x01],
        &[0x81, 0xa1, b'a', 0xcb, 0, 0, 0, 0, 0],
    ];
    for bytes in cases {
        assert_eq!(decode(bytes), Err(MsgpackError::Truncated), "{bytes:02x?}");
    }
    assert_eq!(MsgpackError::Truncated.to_string(), "Truncated input");
}

#[test]
fn every_prefix_of_a_valid_encoding_is_refused() {
    let value = json!({
        "s": "hello", "long": text(300), "n": [0, 200, 70_000, -33, -129, -70_000, 0.5, 1e20],
        "m": {"deep": [[{"x": null, "y": true, "z": false}]]}, "big": text(70_000)
    });
    let bytes = enc(&value);
    assert_eq!(decode(&bytes).unwrap(), value);
    for cut in 0..bytes.len() {
        match decode(&bytes[..cut]) {
            Err(MsgpackError::Truncated | MsgpackError::CountExceedsRemaining { .. }) => {}
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
}

/// A JSON value for the property tests: nested up to 5 levels, numbers as
/// `i64`, `u64` and `f64`, strings now and then long enough for str8/str16.
fn json_value() -> impl Strategy<Value = Value> {
    let number = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-70_000i64..70_000).prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        (-300i32..300).prop_map(|i| Value::from(f64::from(i) / 4.0)),
    ];
    let string = prop_oneof![
        8 => ".{0,40}",
        1 => (200usize..70_000).prop_map(|len| "é".repeat(len / 2)),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number,
        string.prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 128, 20, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..20).prop_map(Value::Array),
            prop::collection::vec((".{0,12}", inner), 0..20)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// What rmpv should hold for `value` under the §10.5 rules: integers within
/// `i32::MIN..=u32::MAX` (including integral floats) as integers, every other
/// number as F64.
fn expected_rmpv(value: &Value) -> rmpv::Value {
    match value {
        Value::Null => rmpv::Value::Nil,
        Value::Bool(flag) => rmpv::Value::Boolean(*flag),
        Value::Number(number) => {
            let float = number.as_f64().unwrap();
            let in_range = (f64::from(i32::MIN)..=f64::from(u32::MAX)).contains(&float);
            if float.fract() == 0.0 && in_range {
                rmpv::Value::from(float as i64)
            } else {
                rmpv::Value::F64(float)
            }
        }
        Value::String(text) => rmpv::Value::from(text.as_str()),
        Value::Array(items) => rmpv::Value::Array(items.iter().map(expected_rmpv).collect()),
        Value::Object(map) => rmpv::Value::Map(
            map.iter()
                .map(|(key, item)| (rmpv::Value::from(key.as_str()), expected_rmpv(item)))
                .collect(),
        ),
    }
}

/// Equality with numbers compared as `f64` (the only thing JS can tell apart).
fn same_modulo_numbers(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(xs), Value::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same_modulo_numbers(x, y))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .zip(ys)
                    .all(|((kx, x), (ky, y))| kx == ky && same_modulo_numbers(x, y))
        }
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn rmpv_reads_what_we_write(value in json_value()) {
        let bytes = enc(&value);
        let mut reader = bytes.as_slice();
        let read = rmpv::decode::read_value(&mut reader).unwrap();
        prop_assert!(reader.is_empty());
        prop_assert_eq!(&read, &expected_rmpv(&value));
    }

    #[test]
    fn bytes_match_rmpv_smallest_encoding(value in json_value()) {
        // rmp picks the smallest encoding with the same boundaries as the TS
        // encoder, so the bytes must be identical.
        let mut theirs = Vec::new();
        rmpv::encode::write_value(&mut theirs, &expected_rmpv(&value)).unwrap();
        prop_assert_eq!(enc(&value), theirs);
    }

    #[test]
    fn decode_inverts_encode(value in json_value()) {
        let decoded = decode(&enc(&value)).unwrap();
        prop_assert!(same_modulo_numbers(&decoded, &value), "{decoded} vs {value}");
    }

    #[test]
    fn integers_match_rmp_write_sint(int in (i64::from(i32::MIN))..=i64::from(u32::MAX)) {
        let mut theirs = Vec::new();
        rmpv::encode::write_value(&mut theirs, &rmpv::Value::from(int)).unwrap();
        prop_assert_eq!(enc(&json!(int)), theirs);
    }

    #[test]
    fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn decode_never_panics_on_mutated_encodings(
        value in json_value(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = enc(&value);
        for (index, byte) in edits {
            let at = index.index(bytes.len());
            bytes[at] = byte;
        }
        let _ = decode(&bytes);
        let _ = decode(&bytes[..cut.index(bytes.len() + 1)]);
    }
}
