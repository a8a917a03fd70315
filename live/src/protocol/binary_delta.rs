//! Binary component deltas: frame `0x01` and the BinaryStateCodec payload (protocol
//! reference §8.6–§8.7).
//!
//! ```text
//! frame:   [0x01][idLen u8][componentId utf8][payload]
//! payload: [bitmask: max(1, ceil(fields/8)) bytes, bit i = byte[i>>3] & (1 << (i&7))]
//!          [the present fields' values, in field order]
//! ```
//!
//! Client and server share the field list ([`BinaryField`]s, which `#[live_component(binary_delta)]`
//! derives from the struct); nothing of it travels on the wire. The server encodes only the
//! values the wire type carries exactly (see [`WireType`]); every other key of a delta stays
//! in the JSON `STATE_DELTA`, so a client applying both ends with the same state as one
//! applying the JSON delta alone.

use bytes::Bytes;
use serde_json::{Map, Number, Value};

/// Frame type of a binary component delta.
pub(crate) const BINARY_STATE_DELTA: u8 = 0x01;

/// Largest integer a `float64` carries exactly (2^53).
const MAX_SAFE: u64 = 1 << 53;

/// A BinaryStateCodec wire type (§8.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireType {
    /// 1 byte.
    Uint8,
    /// 2 bytes, little-endian.
    Uint16,
    /// 4 bytes, little-endian.
    Uint32,
    /// 1 byte, two's complement.
    Int8,
    /// 2 bytes, little-endian.
    Int16,
    /// 4 bytes, little-endian.
    Int32,
    /// IEEE-754 single, little-endian.
    Float32,
    /// IEEE-754 double, little-endian.
    Float64,
    /// 1 byte: 1 is true, anything else false.
    Boolean,
    /// u16 little-endian byte length, then UTF-8.
    String,
}

impl WireType {
    /// Every wire type.
    pub const ALL: [Self; 10] = [
        Self::Uint8,
        Self::Uint16,
        Self::Uint32,
        Self::Int8,
        Self::Int16,
        Self::Int32,
        Self::Float32,
        Self::Float64,
        Self::Boolean,
        Self::String,
    ];

    /// The name FluxStack's `BinaryStateCodec` schema uses (`"uint8"`, …, `"string"`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Uint8 => "uint8",
            Self::Uint16 => "uint16",
            Self::Uint32 => "uint32",
            Self::Int8 => "int8",
            Self::Int16 => "int16",
            Self::Int32 => "int32",
            Self::Float32 => "float32",
            Self::Float64 => "float64",
            Self::Boolean => "boolean",
            Self::String => "string",
        }
    }

    /// The wire type called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|wire| wire.name() == name)
    }

    /// The integer range of an integer wire type.
    fn int_range(self) -> Option<(i64, i64)> {
        Some(match self {
            Self::Uint8 => (0, u8::MAX.into()),
            Self::Uint16 => (0, u16::MAX.into()),
            Self::Uint32 => (0, u32::MAX.into()),
            Self::Int8 => (i8::MIN.into(), i8::MAX.into()),
            Self::Int16 => (i16::MIN.into(), i16::MAX.into()),
            Self::Int32 => (i32::MIN.into(), i32::MAX.into()),
            Self::Float32 | Self::Float64 | Self::Boolean | Self::String => return None,
        })
    }
}

/// One field of a component's binary schema: its JSON name and wire type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BinaryField {
    name: &'static str,
    wire: WireType,
    integer: bool,
}

impl BinaryField {
    /// A field sent as `wire`.
    pub const fn new(name: &'static str, wire: WireType) -> Self {
        Self {
            name,
            wire,
            integer: false,
        }
    }

    /// A 64-bit integer field (`i64`, `u64`, `isize`, `usize`): a `float64` on the wire
    /// while its value is within ±2^53, JSON otherwise; decoded back to an integer.
    pub const fn integer(name: &'static str) -> Self {
        Self {
            name,
            wire: WireType::Float64,
            integer: true,
        }
    }

    /// The field's JSON name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Its wire type.
    pub const fn wire(&self) -> WireType {
        self.wire
    }

    /// Whether a `float64` field holds an integer.
    pub const fn is_integer(&self) -> bool {
        self.integer
    }

    /// Appends `value` if the wire type carries it exactly; false (nothing written) if not.
    fn encode(&self, value: &Value, out: &mut Vec<u8>) -> bool {
        match (self.wire, value) {
            (WireType::Boolean, Value::Bool(flag)) => out.push(u8::from(*flag)),
            (WireType::String, Value::String(text)) => {
                let Ok(len) = u16::try_from(text.len()) else {
                    return false;
                };
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(text.as_bytes());
            }
            (WireType::Float64, Value::Number(number)) if self.integer => {
                let Some(float) = exact_integer(number) else {
                    return false;
                };
                out.extend_from_slice(&float.to_le_bytes());
            }
            (WireType::Float64, Value::Number(number)) if number.is_f64() => {
                let Some(float) = number.as_f64() else {
                    return false;
                };
                out.extend_from_slice(&float.to_le_bytes());
            }
            (WireType::Float32, Value::Number(number)) if number.is_f64() => {
                #[allow(clippy::cast_possible_truncation)]
                let Some(single) = number
                    .as_f64()
                    .map(|float| (float, float as f32))
                    .filter(|(float, single)| f64::from(*single) == *float)
                    .map(|(_, single)| single)
                else {
                    return false;
                };
                out.extend_from_slice(&single.to_le_bytes());
            }
            (wire, Value::Number(number)) => {
                let (Some((min, max)), Some(int)) = (wire.int_range(), number.as_i64()) else {
                    return false;
                };
                if int < min || int > max {
                    return false;
                }
                let bytes = int.to_le_bytes();
                let size = match wire {
                    WireType::Uint8 | WireType::Int8 => 1,
                    WireType::Uint16 | WireType::Int16 => 2,
                    _ => 4,
                };
                out.extend(bytes.iter().take(size));
            }
            _ => return false,
        }
        true
    }

    /// Reads one value at the start of `input`, returning it and the bytes it took.
    fn decode(&self, input: &[u8]) -> Result<(Value, usize), DecodeError> {
        fn take<const N: usize>(input: &[u8]) -> Result<[u8; N], DecodeError> {
            input
                .get(..N)
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or(DecodeError::Truncated)
        }
        let value = match self.wire {
            WireType::Uint8 => (Value::from(u8::from_le_bytes(take(input)?)), 1),
            WireType::Int8 => (Value::from(i8::from_le_bytes(take(input)?)), 1),
            WireType::Uint16 => (Value::from(u16::from_le_bytes(take(input)?)), 2),
            WireType::Int16 => (Value::from(i16::from_le_bytes(take(input)?)), 2),
            WireType::Uint32 => (Value::from(u32::from_le_bytes(take(input)?)), 4),
            WireType::Int32 => (Value::from(i32::from_le_bytes(take(input)?)), 4),
            WireType::Float32 => (
                float(f64::from(f32::from_le_bytes(take(input)?)), false)?,
                4,
            ),
            WireType::Float64 => (float(f64::from_le_bytes(take(input)?), self.integer)?, 8),
            WireType::Boolean => (Value::Bool(u8::from_le_bytes(take(input)?) == 1), 1),
            WireType::String => {
                let len = usize::from(u16::from_le_bytes(take(input)?));
                let bytes = input.get(2..2 + len).ok_or(DecodeError::Truncated)?;
                let text = std::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8)?;
                (Value::from(text), 2 + len)
            }
        };
        Ok(value)
    }
}

/// The `f64` a JSON integer is sent as, if it is within ±2^53.
fn exact_integer(number: &Number) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    if let Some(int) = number.as_i64() {
        (int.unsigned_abs() <= MAX_SAFE).then_some(int as f64)
    } else {
        number
            .as_u64()
            .filter(|int| *int <= MAX_SAFE)
            .map(|int| int as f64)
    }
}

/// A decoded float as JSON: an integer for integer fields; non-finite values are refused
/// (JSON has none).
fn float(float: f64, integer: bool) -> Result<Value, DecodeError> {
    if integer {
        let limit = MAX_SAFE as f64;
        if float.fract() != 0.0 || float.abs() > limit {
            return Err(DecodeError::NotAnInteger);
        }
        #[allow(clippy::cast_possible_truncation)]
        return Ok(Value::from(float as i64));
    }
    Number::from_f64(float)
        .map(Value::Number)
        .ok_or(DecodeError::NotFinite)
}

/// Why a binary delta could not be built or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DecodeError {
    /// The frame does not start with `0x01`.
    #[error("not a binary component delta (frame type 0x{0:02x})")]
    NotADelta(u8),
    /// Shorter than its header, bitmask or values claim.
    #[error("truncated binary component delta")]
    Truncated,
    /// Bytes after the last value, or bits set past the last field.
    #[error("binary component delta does not match the component's fields")]
    Mismatch,
    /// A component id or string value that is not UTF-8.
    #[error("invalid UTF-8 in binary component delta")]
    InvalidUtf8,
    /// A `float32`/`float64` NaN or infinity.
    #[error("non-finite number in binary component delta")]
    NotFinite,
    /// A 64-bit integer field holding a fraction or a value past ±2^53.
    #[error("integer field holds a non-integer in binary component delta")]
    NotAnInteger,
}

/// A delta split in two: the binary payload of the keys the fields carry, and the rest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SplitDelta {
    /// The BinaryStateCodec payload, if some key went binary.
    pub(crate) binary: Option<Vec<u8>>,
    /// The keys left for the JSON `STATE_DELTA`, in the delta's order.
    pub(crate) json: Map<String, Value>,
}

/// Splits a `STATE_DELTA` object: keys named by `fields` whose value the wire type carries
/// exactly go into the binary payload, everything else stays JSON.
pub(crate) fn split(fields: &[BinaryField], delta: &Map<String, Value>) -> SplitDelta {
    let mut encoded: Vec<Option<Vec<u8>>> = vec![None; fields.len()];
    let mut json = Map::new();
    for (key, value) in delta {
        let slot = fields
            .iter()
            .zip(encoded.iter_mut())
            .find(|(field, _)| field.name == key);
        let mut bytes = Vec::new();
        match slot {
            Some((field, slot)) if field.encode(value, &mut bytes) => *slot = Some(bytes),
            _ => {
                json.insert(key.clone(), value.clone());
            }
        }
    }
    let present: Vec<bool> = encoded.iter().map(Option::is_some).collect();
    if !present.contains(&true) {
        return SplitDelta { binary: None, json };
    }
    let mut payload = bitmask(&present);
    payload.extend(encoded.into_iter().flatten().flatten());
    SplitDelta {
        binary: Some(payload),
        json,
    }
}

/// `max(1, ceil(n/8))` bytes, bit i set when `present[i]` (LSB first).
fn bitmask(present: &[bool]) -> Vec<u8> {
    let mut mask = vec![0u8; present.len().div_ceil(8).max(1)];
    for (index, _) in present.iter().enumerate().filter(|(_, set)| **set) {
        if let Some(byte) = mask.get_mut(index >> 3) {
            *byte |= 1 << (index & 7);
        }
    }
    mask
}

/// Decodes a BinaryStateCodec payload into the delta object it stands for.
pub(crate) fn decode_payload(
    fields: &[BinaryField],
    payload: &[u8],
) -> Result<Map<String, Value>, DecodeError> {
    let mask_len = fields.len().div_ceil(8).max(1);
    let mask = payload.get(..mask_len).ok_or(DecodeError::Truncated)?;
    let mut rest = payload.get(mask_len..).ok_or(DecodeError::Truncated)?;
    let mut delta = Map::new();
    for (index, byte) in mask.iter().enumerate() {
        for bit in 0..8 {
            if byte & (1 << bit) == 0 {
                continue;
            }
            let field = fields.get(index * 8 + bit).ok_or(DecodeError::Mismatch)?;
            let (value, used) = field.decode(rest)?;
            rest = rest.get(used..).ok_or(DecodeError::Truncated)?;
            delta.insert(field.name.to_owned(), value);
        }
    }
    if !rest.is_empty() {
        return Err(DecodeError::Mismatch);
    }
    Ok(delta)
}

/// A component id longer than the frame's u8 length prefix allows (bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("component id is {0} bytes, over the 255-byte limit of a binary delta")]
pub(crate) struct IdTooLong(pub(crate) usize);

/// `[0x01][idLen u8][componentId][payload]`.
pub(crate) fn frame(component_id: &str, payload: &[u8]) -> Result<Bytes, IdTooLong> {
    let len = u8::try_from(component_id.len()).map_err(|_| IdTooLong(component_id.len()))?;
    let mut frame = Vec::with_capacity(2 + component_id.len() + payload.len());
    frame.push(BINARY_STATE_DELTA);
    frame.push(len);
    frame.extend_from_slice(component_id.as_bytes());
    frame.extend_from_slice(payload);
    Ok(Bytes::from(frame))
}

/// Reads a `0x01` frame's header: the component id and the still-encoded payload.
pub(crate) fn decode_frame(frame: &[u8]) -> Result<(&str, &[u8]), DecodeError> {
    let (&kind, rest) = frame.split_first().ok_or(DecodeError::Truncated)?;
    if kind != BINARY_STATE_DELTA {
        return Err(DecodeError::NotADelta(kind));
    }
    let (&len, rest) = rest.split_first().ok_or(DecodeError::Truncated)?;
    let id = rest.get(..usize::from(len)).ok_or(DecodeError::Truncated)?;
    let payload = rest.get(usize::from(len)..).ok_or(DecodeError::Truncated)?;
    let id = std::str::from_utf8(id).map_err(|_| DecodeError::InvalidUtf8)?;
    Ok((id, payload))
}

/// One field of every wire type (and a 64-bit integer), for the tests and the fuzz target.
#[cfg(any(test, fuzzing))]
pub(crate) const EVERY_WIRE_TYPE: &[BinaryField] = &[
    BinaryField::new("u8", WireType::Uint8),
    BinaryField::new("u16", WireType::Uint16),
    BinaryField::new("u32", WireType::Uint32),
    BinaryField::new("i8", WireType::Int8),
    BinaryField::new("i16", WireType::Int16),
    BinaryField::new("i32", WireType::Int32),
    BinaryField::new("f32", WireType::Float32),
    BinaryField::new("f64", WireType::Float64),
    BinaryField::new("on", WireType::Boolean),
    BinaryField::new("text", WireType::String),
    BinaryField::integer("big"),
];

#[cfg(test)]
#[path = "binary_delta_tests.rs"]
mod tests;
