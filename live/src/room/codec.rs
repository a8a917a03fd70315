//! How a typed room encodes the payloads of its binary frames (`#[live_room(codec = ...)]`).

/// How a typed room encodes its binary frame payloads: `#[live_room(codec = path::To::Codec)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a room codec",
    label = "`codec = ...` takes `json`, `msgpack` or a type implementing `live::room::RoomCodec`"
)]
pub trait RoomCodec {
    /// The payload bytes of `value`.
    fn encode(value: &serde_json::Value) -> Vec<u8>;
}

/// `codec = json`: payloads are JSON text.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonCodec;

impl RoomCodec for JsonCodec {
    fn encode(value: &serde_json::Value) -> Vec<u8> {
        // Serializing a `Value` cannot fail: its map keys are strings.
        serde_json::to_vec(value).unwrap_or_default()
    }
}

/// `codec = msgpack` (the default): payloads are msgpack, as the browser client decodes them.
#[derive(Debug, Clone, Copy, Default)]
pub struct MsgpackCodec;

impl RoomCodec for MsgpackCodec {
    fn encode(value: &serde_json::Value) -> Vec<u8> {
        crate::protocol::msgpack::to_vec(value)
    }
}
