//! The per-type payload checks of §3 step 9, after the envelope checks passed.

use serde_json::{Map, Value};

use super::message::{ClientMessage, FileUploadKind};
use super::reason;
use crate::protocol::kinds::ClientKind;

/// The five client room message types (§10.2). Not the runtime's room kinds: these are
/// requests a client sends about an untyped or typed room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoomRequestKind {
    Join,
    Leave,
    Emit,
    StateSet,
    StateGet,
}

/// Removes `key` and returns it if it was a string.
fn take_string(map: &mut Map<String, Value>, key: &str) -> Option<String> {
    match map.remove(key) {
        Some(Value::String(text)) => Some(text),
        _ => None,
    }
}

/// Removes an optional string field; `Err(why)` when present but not a string.
fn take_optional_string(
    map: &mut Map<String, Value>,
    key: &str,
    why: &'static str,
) -> Result<Option<String>, &'static str> {
    match map.remove(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(why),
    }
}

/// Interprets an optional object: `Err(why)` when present but not an object.
fn optional_object(
    value: Option<Value>,
    why: &'static str,
) -> Result<Option<Map<String, Value>>, &'static str> {
    match value {
        None => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(why),
    }
}

/// Requires an object payload: `Err(why)` when absent or not an object.
fn required_object(
    value: Option<Value>,
    why: &'static str,
) -> Result<Map<String, Value>, &'static str> {
    match value {
        Some(Value::Object(map)) => Ok(map),
        _ => Err(why),
    }
}

/// JavaScript truthiness of a JSON value (`null`, `false`, `0`, `""` are falsy).
fn js_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
        Value::String(text) => !text.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// The per-type checks of §3 step 9, after the envelope checks passed.
///
/// `has_component_id` tells whether the envelope carried a string `componentId`;
/// it is required by UNMOUNT, REHYDRATE, CALL_ACTION and PROPERTY_UPDATE, checked
/// first for those types.
pub(super) fn parse_body(
    kind: ClientKind,
    raw: &mut Map<String, Value>,
    has_component_id: bool,
) -> Result<ClientMessage, &'static str> {
    if kind.needs_component_id() && !has_component_id {
        return Err(reason::COMPONENT_ID_REQUIRED);
    }
    Ok(match kind {
        ClientKind::Ping => ClientMessage::Ping,
        ClientKind::FileUploadStart => file_upload(FileUploadKind::Start, raw),
        ClientKind::FileUploadChunk => file_upload(FileUploadKind::Chunk, raw),
        ClientKind::FileUploadComplete => file_upload(FileUploadKind::Complete, raw),
        ClientKind::RoomJoin => parse_room(RoomRequestKind::Join, raw)?,
        ClientKind::RoomLeave => parse_room(RoomRequestKind::Leave, raw)?,
        ClientKind::RoomEmit => parse_room(RoomRequestKind::Emit, raw)?,
        ClientKind::RoomStateSet => parse_room(RoomRequestKind::StateSet, raw)?,
        ClientKind::RoomStateGet => parse_room(RoomRequestKind::StateGet, raw)?,
        ClientKind::Auth => ClientMessage::Auth {
            payload: optional_object(raw.remove("payload"), reason::AUTH_PAYLOAD)?,
        },
        ClientKind::ComponentMount => {
            let mut payload = required_object(raw.remove("payload"), reason::MOUNT_PAYLOAD)?;
            let component =
                take_string(&mut payload, "component").ok_or(reason::PAYLOAD_COMPONENT)?;
            let props = optional_object(payload.remove("props"), reason::PAYLOAD_PROPS)?;
            let room = take_optional_string(&mut payload, "room", reason::PAYLOAD_ROOM)?;
            take_optional_string(&mut payload, "userId", reason::PAYLOAD_USER_ID)?;
            take_optional_string(&mut payload, "debugLabel", reason::PAYLOAD_DEBUG_LABEL)?;
            ClientMessage::Mount {
                component,
                props,
                room,
            }
        }
        ClientKind::ComponentUnmount => ClientMessage::Unmount,
        ClientKind::ComponentRehydrate => {
            let mut payload = required_object(raw.remove("payload"), reason::REHYDRATE_PAYLOAD)?;
            let component =
                take_string(&mut payload, "component").ok_or(reason::PAYLOAD_COMPONENT)?;
            let signed_state = payload.remove("signedState").unwrap_or(Value::Null);
            // Refused by the runtime, after the shape check of `signedState`.
            let room =
                take_optional_string(&mut payload, "room", reason::PAYLOAD_ROOM).and_then(|room| {
                    take_optional_string(&mut payload, "userId", reason::PAYLOAD_USER_ID)?;
                    Ok(room)
                });
            ClientMessage::Rehydrate {
                component,
                signed_state,
                room,
            }
        }
        ClientKind::CallAction => {
            let payload = raw.remove("payload");
            ClientMessage::CallAction {
                action: take_string(raw, "action").ok_or(reason::ACTION)?,
                payload: payload.unwrap_or(Value::Null),
            }
        }
        ClientKind::PropertyUpdate => {
            let payload = raw.remove("payload");
            let property = take_string(raw, "property").ok_or(reason::PROPERTY)?;
            let mut payload = required_object(payload, reason::PROPERTY_VALUE)?;
            // Upstream accepts `payload: {}` and writes `undefined`; here an absent
            // `value` is refused with the same reason (there is no `undefined`).
            let value = payload.remove("value").ok_or(reason::PROPERTY_VALUE)?;
            ClientMessage::PropertyUpdate { property, value }
        }
    })
}

/// A file-upload message: every top-level field but the envelope's, in frame order.
fn file_upload(kind: FileUploadKind, raw: &mut Map<String, Value>) -> ClientMessage {
    let mut fields = std::mem::take(raw);
    fields.retain(|key, _| {
        !matches!(
            key.as_str(),
            "type" | "componentId" | "requestId" | "expectResponse"
        )
    });
    ClientMessage::FileUpload { kind, fields }
}

/// The ROOM_* checks (§10.2). `componentId` is not required here: the room handler
/// answers "Component not found" for a missing or foreign one (§10.2). Upstream's
/// 0.11 validator refuses it earlier with "Invalid message: componentId is
/// required"; Live deliberately leaves it to the handler.
///
/// The room id is the top-level `roomId` when it is JS-truthy, else `payload.roomId`
/// (upstream's `raw.roomId || payload?.roomId`, so `"roomId": ""` falls back to the
/// payload). The chosen value must be a non-empty string; only then is a non-string
/// `payload.roomId` refused, as upstream orders it.
fn parse_room(
    kind: RoomRequestKind,
    raw: &mut Map<String, Value>,
) -> Result<ClientMessage, &'static str> {
    let mut payload = optional_object(raw.remove("payload"), reason::ROOM_PAYLOAD)?;
    let payload_room_id = payload
        .as_mut()
        .and_then(|payload| payload.remove("roomId"));
    let room_id = match raw
        .get("roomId")
        .filter(|value| js_truthy(value))
        .or(payload_room_id.as_ref())
    {
        Some(Value::String(room_id)) if !room_id.is_empty() => room_id.clone(),
        _ => return Err(reason::ROOM_ID),
    };
    if payload_room_id
        .as_ref()
        .is_some_and(|value| !value.is_string())
    {
        return Err(reason::PAYLOAD_ROOM_ID);
    }
    Ok(match kind {
        RoomRequestKind::Join => ClientMessage::RoomJoin {
            room_id,
            initial_state: payload.and_then(|mut payload| payload.remove("initialState")),
        },
        RoomRequestKind::Leave => ClientMessage::RoomLeave { room_id },
        RoomRequestKind::StateGet => ClientMessage::RoomStateGet { room_id },
        RoomRequestKind::Emit => {
            let mut payload = payload.ok_or(reason::PAYLOAD_EVENT)?;
            let event = take_string(&mut payload, "event").ok_or(reason::PAYLOAD_EVENT)?;
            let data = payload.remove("data").unwrap_or(Value::Null);
            ClientMessage::RoomEmit {
                room_id,
                event,
                data,
            }
        }
        RoomRequestKind::StateSet => {
            let mut payload = payload.ok_or(reason::PAYLOAD_STATE)?;
            let state = required_object(payload.remove("state"), reason::PAYLOAD_STATE)?;
            ClientMessage::RoomStateSet { room_id, state }
        }
    })
}
