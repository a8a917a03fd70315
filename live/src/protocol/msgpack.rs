//! The msgpack subset of typed-room payloads (protocol reference §10.5, §14.5).
//!
//! The encoder writes exactly what the TypeScript `RoomCodec` writes for the same
//! JSON value, so the browser client's built-in decoder (which accepts nothing
//! else) can read every frame: no float32, no uint64/int64, no ext types, and the
//! smallest integer encoding JavaScript's `encodeInt` would choose.
//!
//! The decoder is the server-side one, with the `RoomCodec` limits: nesting depth,
//! a container count checked against the remaining bytes before anything is
//! allocated, and the prototype-pollution keys dropped. It never panics.

use super::js::{MAX_SAFE_INTEGER, is_reserved_key, js_number};
use serde_json::{Map, Number, Value};

/// The default nesting limit of the decoder (`MSGPACK_MAX_DEPTH`).
pub(crate) const MAX_DEPTH: usize = 64;

/// The most items reserved up front for one container. A container's count is
/// only checked against the bytes left, and nested containers can each claim
/// nearly all of them, so larger containers grow as their items are decoded.
const MAX_PREALLOCATED_ITEMS: usize = 1024;

/// Appends the msgpack encoding of `value` to `out`.
///
/// Numbers follow JavaScript, where every number is a double: a value that is
/// integral and within `i32::MIN..=u32::MAX` gets the smallest integer encoding,
/// whether `serde_json` holds it as an integer or as a float (`3.0` encodes as
/// `0x03`, `-0.0` as `0x00`, as `Number.isInteger` sees them); every other number,
/// including `u64`/`i64` values outside that range, becomes float64 (`0xcb`), which
/// rounds integers beyond 2^53 as JavaScript would have. Object keys keep their
/// order (JavaScript would put integer-like keys first; its decoder reorders them
/// anyway).
///
/// Recursion follows the value's nesting; values built from parsed frames are
/// already bounded by the JSON depth limit.
pub(crate) fn encode(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0xc0),
        Value::Bool(false) => out.push(0xc2),
        Value::Bool(true) => out.push(0xc3),
        Value::Number(number) => encode_number(number, out),
        Value::String(text) => encode_str(text, out),
        Value::Array(items) => {
            write_header(out, items.len(), 0x90, 16, 0xdc, 0xdd);
            for item in items {
                encode(item, out);
            }
        }
        Value::Object(map) => {
            write_header(out, map.len(), 0x80, 16, 0xde, 0xdf);
            for (key, item) in map {
                encode_str(key, out);
                encode(item, out);
            }
        }
    }
}

/// The msgpack encoding of `value` (see [`encode`]).
pub(crate) fn to_vec(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode(value, &mut out);
    out
}

/// Writes a number as the TS encoder would (see [`encode`]).
fn encode_number(number: &Number, out: &mut Vec<u8>) {
    if let Some(unsigned) = number.as_u64() {
        match u32::try_from(unsigned) {
            Ok(small) => encode_int(i64::from(small), out),
            Err(_) => encode_f64(unsigned as f64, out),
        }
    } else if let Some(signed) = number.as_i64() {
        match i32::try_from(signed) {
            Ok(small) => encode_int(i64::from(small), out),
            Err(_) => encode_f64(signed as f64, out),
        }
    } else if let Some(float) = number.as_f64() {
        let integral = float.fract() == 0.0;
        if integral && (f64::from(i32::MIN)..=f64::from(u32::MAX)).contains(&float) {
            // Integral and within i32::MIN..=u32::MAX, so the cast is exact.
            encode_int(float as i64, out);
        } else {
            encode_f64(float, out);
        }
    }
}

/// Writes an integer known to lie within `i32::MIN..=u32::MAX` in its smallest
/// encoding: fixint, uint8/16/32 for non-negative values, int8/16/32 for negative.
fn encode_int(value: i64, out: &mut Vec<u8>) {
    if let Ok(small) = u8::try_from(value) {
        if small >= 0x80 {
            out.push(0xcc);
        }
        out.push(small);
    } else if let Ok(small) = u16::try_from(value) {
        out.push(0xcd);
        out.extend_from_slice(&small.to_be_bytes());
    } else if let Ok(small) = u32::try_from(value) {
        out.push(0xce);
        out.extend_from_slice(&small.to_be_bytes());
    } else if let Ok(small) = i8::try_from(value) {
        if small < -32 {
            out.push(0xd0);
        }
        out.extend_from_slice(&small.to_be_bytes());
    } else if let Ok(small) = i16::try_from(value) {
        out.push(0xd1);
        out.extend_from_slice(&small.to_be_bytes());
    } else if let Ok(small) = i32::try_from(value) {
        out.push(0xd2);
        out.extend_from_slice(&small.to_be_bytes());
    } else {
        encode_f64(value as f64, out);
    }
}

/// Writes a float64 (`0xcb`, big-endian).
fn encode_f64(value: f64, out: &mut Vec<u8>) {
    out.push(0xcb);
    out.extend_from_slice(&value.to_be_bytes());
}

/// Writes a string: fixstr below 32 bytes, then str8/str16/str32.
fn encode_str(text: &str, out: &mut Vec<u8>) {
    let len = text.len();
    if len < 32 {
        out.push(0xa0 | low_byte(len));
    } else if let Ok(short) = u8::try_from(len) {
        out.push(0xd9);
        out.push(short);
    } else if let Ok(medium) = u16::try_from(len) {
        out.push(0xda);
        out.extend_from_slice(&medium.to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&wrapped_u32(len).to_be_bytes());
    }
    out.extend_from_slice(text.as_bytes());
}

/// Writes an array or map header: the fix form below `fix_limit`, then the 16-bit
/// and 32-bit forms.
fn write_header(out: &mut Vec<u8>, len: usize, fix: u8, fix_limit: usize, m16: u8, m32: u8) {
    if len < fix_limit {
        out.push(fix | low_byte(len));
    } else if let Ok(medium) = u16::try_from(len) {
        out.push(m16);
        out.extend_from_slice(&medium.to_be_bytes());
    } else {
        out.push(m32);
        out.extend_from_slice(&wrapped_u32(len).to_be_bytes());
    }
}

/// A length already known to be below 32, as a byte.
fn low_byte(len: usize) -> u8 {
    u8::try_from(len).unwrap_or(0)
}

/// A 32-bit length field. Lengths of 4 GiB and more wrap modulo 2^32 as in the TS
/// encoder; Live's message and state size limits keep them from occurring.
fn wrapped_u32(len: usize) -> u32 {
    (len & 0xffff_ffff) as u32
}

/// Why [`decode`] refused its input. The texts follow the TS `RoomCodec` errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum MsgpackError {
    /// More nested arrays/maps than the limit allows.
    #[error("Nesting too deep (max {max})")]
    TooDeep {
        /// The configured limit.
        max: usize,
    },
    /// The input ends inside a value.
    #[error("Truncated input")]
    Truncated,
    /// An array or map header claims more items than the remaining bytes could
    /// hold (1 byte per array item, 2 per map entry); refused before allocating.
    #[error("count {count} exceeds remaining {remaining} bytes")]
    CountExceedsRemaining {
        /// The item (array) or entry (map) count of the header.
        count: usize,
        /// The bytes left after the header.
        remaining: usize,
    },
    /// A type byte outside the subset: `0xc1`, ext types, uint64 or int64.
    #[error("Unknown type byte 0x{0:02x}")]
    UnsupportedType(u8),
    /// A string that is not valid UTF-8.
    #[error("Invalid UTF-8 in string")]
    InvalidUtf8,
    /// Bytes left over after the top-level value.
    #[error("Trailing bytes after the value")]
    TrailingBytes,
    /// A map key that JavaScript would not turn into a sensible property name: an
    /// array, map, bin, or a float outside the range printed without an exponent.
    #[error("Map key is not a string")]
    NonStringKey,
}

/// The limits of [`decode_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecodeLimits {
    /// Most nested arrays/maps allowed; the top-level container is level 1. The
    /// decoder recurses once per level, so keep this moderate.
    pub(crate) max_depth: usize,
}

impl Default for DecodeLimits {
    /// The `RoomCodec` limits: depth 64.
    fn default() -> Self {
        Self {
            max_depth: MAX_DEPTH,
        }
    }
}

/// Decodes one msgpack value with the default limits (see [`decode_with`]).
pub(crate) fn decode(bytes: &[u8]) -> Result<Value, MsgpackError> {
    decode_with(bytes, DecodeLimits::default())
}

/// Decodes exactly one msgpack value that fills `bytes`.
///
/// Accepts what [`encode`] writes plus three lenient extras: float32 (`0xca`), and
/// bin8/16/32, which become an array of byte numbers (`serde_json` has no binary
/// type; `Vec<u8>` serializes the same way). Refuses `0xc1`, ext types and 64-bit
/// integers as the TS `RoomCodec` does.
///
/// Numbers come back as JavaScript would see them: an integral float within
/// ±(2^53 − 1) becomes an integer (`0xcb 3.0` → `3`), other floats stay floats,
/// and NaN/±Infinity (which JSON cannot hold) become `null`, as `JSON.stringify`
/// writes them.
///
/// Map keys `__proto__`, `constructor` and `prototype` are dropped after their
/// value is decoded. Non-string keys are stringified as JavaScript's `String()`
/// would: nil → `"null"`, booleans, integers, and floats that print without an
/// exponent (`1.5` → `"1.5"`, NaN → `"NaN"`); array, map, bin and other float keys
/// are refused. A repeated key keeps its first position and its last value.
pub(crate) fn decode_with(bytes: &[u8], limits: DecodeLimits) -> Result<Value, MsgpackError> {
    let mut decoder = Decoder {
        bytes,
        pos: 0,
        max_depth: limits.max_depth,
    };
    let value = decoder.value(0)?;
    if decoder.pos == bytes.len() {
        Ok(value)
    } else {
        Err(MsgpackError::TrailingBytes)
    }
}

/// One decoded header or scalar.
enum Item<'a> {
    /// `nil`.
    Nil,
    /// `false` / `true`.
    Bool(bool),
    /// Any integer encoding.
    Int(i64),
    /// float32 or float64.
    Float(f64),
    /// A string of any width.
    Str(&'a str),
    /// A bin of any width.
    Bin(&'a [u8]),
    /// An array header with its item count.
    Array(usize),
    /// A map header with its entry count.
    Map(usize),
}

/// A cursor over the input.
struct Decoder<'a> {
    /// The whole input.
    bytes: &'a [u8],
    /// The next byte to read.
    pos: usize,
    /// The nesting limit.
    max_depth: usize,
}

impl<'a> Decoder<'a> {
    /// Decodes the value at the cursor; `depth` is the number of enclosing containers.
    fn value(&mut self, depth: usize) -> Result<Value, MsgpackError> {
        Ok(match self.item()? {
            Item::Nil => Value::Null,
            Item::Bool(flag) => Value::Bool(flag),
            Item::Int(int) => Value::from(int),
            Item::Float(float) => js_number(float),
            Item::Str(text) => Value::String(text.to_owned()),
            Item::Bin(data) => Value::Array(data.iter().map(|&byte| Value::from(byte)).collect()),
            Item::Array(count) => {
                let depth = self.enter(depth, count, 1)?;
                let mut items = Vec::with_capacity(count.min(MAX_PREALLOCATED_ITEMS));
                for _ in 0..count {
                    items.push(self.value(depth)?);
                }
                Value::Array(items)
            }
            Item::Map(count) => {
                let depth = self.enter(depth, count, 2)?;
                let mut map = Map::with_capacity(count.min(MAX_PREALLOCATED_ITEMS));
                for _ in 0..count {
                    let key = self.key()?;
                    let item = self.value(depth)?;
                    if !is_reserved_key(&key) {
                        map.insert(key, item);
                    }
                }
                Value::Object(map)
            }
        })
    }

    /// Checks the depth and the count of a container about to be read, and gives
    /// the depth of its items' level.
    fn enter(
        &self,
        depth: usize,
        count: usize,
        min_item_size: usize,
    ) -> Result<usize, MsgpackError> {
        let depth = depth.saturating_add(1);
        if depth > self.max_depth {
            return Err(MsgpackError::TooDeep {
                max: self.max_depth,
            });
        }
        let remaining = self.bytes.len().saturating_sub(self.pos);
        if count.saturating_mul(min_item_size) > remaining {
            return Err(MsgpackError::CountExceedsRemaining { count, remaining });
        }
        Ok(depth)
    }

    /// Decodes a map key as a property name (see [`decode_with`]).
    fn key(&mut self) -> Result<String, MsgpackError> {
        Ok(match self.item()? {
            Item::Str(text) => text.to_owned(),
            Item::Nil => "null".to_owned(),
            Item::Bool(flag) => flag.to_string(),
            Item::Int(int) => int.to_string(),
            Item::Float(float) => float_key(float).ok_or(MsgpackError::NonStringKey)?,
            Item::Bin(_) | Item::Array(_) | Item::Map(_) => return Err(MsgpackError::NonStringKey),
        })
    }

    /// Reads one scalar, or the header of a container.
    fn item(&mut self) -> Result<Item<'a>, MsgpackError> {
        let marker = self.u8()?;
        Ok(match marker {
            0x00..=0x7f => Item::Int(i64::from(marker)),
            0x80..=0x8f => Item::Map(usize::from(marker & 0x0f)),
            0x90..=0x9f => Item::Array(usize::from(marker & 0x0f)),
            0xa0..=0xbf => Item::Str(self.str(usize::from(marker & 0x1f))?),
            0xc0 => Item::Nil,
            0xc2 => Item::Bool(false),
            0xc3 => Item::Bool(true),
            0xc4 => {
                let len = usize::from(self.u8()?);
                Item::Bin(self.take(len)?)
            }
            0xc5 => {
                let len = usize::from(u16::from_be_bytes(self.array()?));
                Item::Bin(self.take(len)?)
            }
            0xc6 => {
                let len = self.len32()?;
                Item::Bin(self.take(len)?)
            }
            0xca => Item::Float(f64::from(f32::from_be_bytes(self.array()?))),
            0xcb => Item::Float(f64::from_be_bytes(self.array()?)),
            0xcc => Item::Int(i64::from(self.u8()?)),
            0xcd => Item::Int(i64::from(u16::from_be_bytes(self.array()?))),
            0xce => Item::Int(i64::from(u32::from_be_bytes(self.array()?))),
            0xd0 => Item::Int(i64::from(i8::from_be_bytes(self.array()?))),
            0xd1 => Item::Int(i64::from(i16::from_be_bytes(self.array()?))),
            0xd2 => Item::Int(i64::from(i32::from_be_bytes(self.array()?))),
            0xd9 => {
                let len = usize::from(self.u8()?);
                Item::Str(self.str(len)?)
            }
            0xda => {
                let len = usize::from(u16::from_be_bytes(self.array()?));
                Item::Str(self.str(len)?)
            }
            0xdb => {
                let len = self.len32()?;
                Item::Str(self.str(len)?)
            }
            0xdc => Item::Array(usize::from(u16::from_be_bytes(self.array()?))),
            0xdd => Item::Array(self.len32()?),
            0xde => Item::Map(usize::from(u16::from_be_bytes(self.array()?))),
            0xdf => Item::Map(self.len32()?),
            0xe0..=0xff => Item::Int(i64::from(i8::from_be_bytes([marker]))),
            0xc1 | 0xc7..=0xc9 | 0xcf | 0xd3..=0xd8 => {
                return Err(MsgpackError::UnsupportedType(marker));
            }
        })
    }

    /// Takes the next `len` bytes.
    fn take(&mut self, len: usize) -> Result<&'a [u8], MsgpackError> {
        let end = self.pos.checked_add(len).ok_or(MsgpackError::Truncated)?;
        let taken = self
            .bytes
            .get(self.pos..end)
            .ok_or(MsgpackError::Truncated)?;
        self.pos = end;
        Ok(taken)
    }

    /// Takes the next `N` bytes as an array.
    fn array<const N: usize>(&mut self) -> Result<[u8; N], MsgpackError> {
        self.take(N)?
            .try_into()
            .map_err(|_| MsgpackError::Truncated)
    }

    /// Takes one byte.
    fn u8(&mut self) -> Result<u8, MsgpackError> {
        let [byte] = self.array()?;
        Ok(byte)
    }

    /// Takes a big-endian u32 length.
    fn len32(&mut self) -> Result<usize, MsgpackError> {
        let len = u32::from_be_bytes(self.array()?);
        Ok(usize::try_from(len).unwrap_or(usize::MAX))
    }

    /// Takes `len` bytes of UTF-8.
    fn str(&mut self, len: usize) -> Result<&'a str, MsgpackError> {
        std::str::from_utf8(self.take(len)?).map_err(|_| MsgpackError::InvalidUtf8)
    }
}

/// A float map key as JavaScript's `String()` prints it, where Rust prints the same
/// text: integers within ±2^53, NaN, ±Infinity, and magnitudes in `[1e-7, 1e21)`
/// (both print the shortest round-trip digits without an exponent there).
fn float_key(float: f64) -> Option<String> {
    if float.is_nan() {
        Some("NaN".to_owned())
    } else if float.is_infinite() {
        Some(if float > 0.0 { "Infinity" } else { "-Infinity" }.to_owned())
    } else if float.fract() == 0.0 && float.abs() <= MAX_SAFE_INTEGER {
        // Integral and within ±2^53, so the cast is exact; -0 prints as "0".
        Some((float as i64).to_string())
    } else if (1e-7..1e21).contains(&float.abs()) {
        Some(float.to_string())
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
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
}
