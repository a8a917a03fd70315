//! What the server sends, as the client hands it out: [`ServerFrame`] in arrival order,
//! and binary room frames decoded into [`RoomFrame`].

use super::error::ClientError;
use crate::protocol::binary_delta::BinaryField;
use crate::protocol::kinds::ServerKind;
use bytes::Bytes;
use serde_json::Value;

/// One frame from the server, in arrival order.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerFrame {
    /// A JSON object (JSON arrays are split into their objects).
    Json(Value),
    /// A binary frame.
    Binary(Bytes),
    /// The server closed the connection.
    Closed {
        /// Close code (1005 when none was given).
        code: u16,
        /// Close reason.
        reason: String,
    },
}

/// Whether a binary room frame carries an event (`0x02`) or a state delta (`0x03`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomFrameKind {
    /// `0x02`: an event (also `$sub:join` / `$sub:leave`).
    Event,
    /// `0x03`: a state delta, payload `{"state": <diff>}`.
    State,
}

/// A decoded binary room frame.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomFrame {
    /// Event or state.
    pub kind: RoomFrameKind,
    /// The recipient component.
    pub component_id: String,
    /// The room.
    pub room_id: String,
    /// The event name (`$state:update` for state frames).
    pub event: String,
    /// The msgpack payload, decoded.
    pub payload: Value,
}

/// Decodes a binary room frame (`0x02`/`0x03`) and its msgpack payload.
pub fn decode_room_frame(bytes: &[u8]) -> Result<RoomFrame, ClientError> {
    use crate::protocol::{msgpack, room_frame};
    let frame =
        room_frame::decode(bytes).map_err(|error| ClientError::Protocol(error.to_string()))?;
    let kind = if frame.frame_type == room_frame::ROOM_STATE {
        RoomFrameKind::State
    } else {
        RoomFrameKind::Event
    };
    let payload =
        msgpack::decode(frame.payload).map_err(|error| ClientError::Protocol(error.to_string()))?;
    Ok(RoomFrame {
        kind,
        component_id: frame.component_id.to_owned(),
        room_id: frame.room_id.to_owned(),
        event: frame.event.to_owned(),
        payload,
    })
}

/// Decodes a binary component delta (`0x01`) with the component's fields: its component id
/// and the delta object it stands for (applied like a `STATE_DELTA`'s `payload.delta`).
pub fn decode_binary_delta(
    bytes: &[u8],
    fields: &[BinaryField],
) -> Result<(String, Value), ClientError> {
    use crate::protocol::binary_delta::{decode_frame, decode_payload};
    let protocol = |error: crate::protocol::binary_delta::DecodeError| {
        ClientError::Protocol(error.to_string())
    };
    let (id, payload) = decode_frame(bytes).map_err(protocol)?;
    let delta = decode_payload(fields, payload).map_err(protocol)?;
    Ok((id.to_owned(), Value::Object(delta)))
}

/// The frame's `type`, if it is one the server sends.
pub(super) fn frame_kind(frame: &Value) -> Option<ServerKind> {
    frame
        .get("type")
        .and_then(Value::as_str)
        .and_then(ServerKind::parse)
}
