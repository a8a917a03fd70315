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
mod tests;
