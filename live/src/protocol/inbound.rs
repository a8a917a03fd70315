//! Parsing and validation of one client TEXT frame (protocol reference §3, steps 3–9).
//!
//! The rate limiter (step 1) and binary frames (step 2) live elsewhere. The result is
//! either a typed [`Envelope`] or an [`InboundError`] whose [`reply`](InboundError::reply)
//! is the exact frame the TypeScript server would send back.
//!
//! `&str` is always valid UTF-8, so "invalid UTF-8" cannot reach this module: the
//! WebSocket layer refuses (closes on) a text frame that is not UTF-8 before we see it.

use std::fmt;

use serde_json::{Map, Value};

use super::depth::nesting_exceeds;
use super::js::is_reserved_key;
use super::kinds::{ClientKind, ServerKind};
use super::refusal::Refusal;
use crate::security::signing::SignedStateWire;

/// Default `maxMessageSize` (§14.1): 4 MiB.
pub(crate) const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// Default `maxJsonDepth` (§14.1).
pub(crate) const DEFAULT_MAX_JSON_DEPTH: usize = 32;

/// Deepest level of `payload` whose object keys are sanitized (§14.3); the payload
/// itself is level 0. Fixed, like upstream: it does not follow `max_json_depth`.
const SANITIZE_MAX_DEPTH: usize = 32;

/// Validation reasons (the text after `Invalid message: `), exactly as in §3.
mod reason {
    /// The `type` field is absent or not a string.
    pub(super) const MISSING_TYPE: &str = "missing type";
    /// Envelope `componentId` present but not a string.
    pub(super) const COMPONENT_ID_TYPE: &str = "componentId must be a string";
    /// Envelope `requestId` present but not a string.
    pub(super) const REQUEST_ID_TYPE: &str = "requestId must be a string";
    /// Envelope `responseId` present but not a string.
    pub(super) const RESPONSE_ID_TYPE: &str = "responseId must be a string";
    /// Envelope `expectResponse` present but not a boolean.
    pub(super) const EXPECT_RESPONSE_TYPE: &str = "expectResponse must be a boolean";
    /// Envelope `timestamp` present but not a number.
    pub(super) const TIMESTAMP_TYPE: &str = "timestamp must be a number";
    /// Envelope `userId` present but not a string.
    pub(super) const USER_ID_TYPE: &str = "userId must be a string";
    /// Envelope `room` present but not a string.
    pub(super) const ROOM_TYPE: &str = "room must be a string";
    /// COMPONENT_MOUNT without an object payload.
    pub(super) const MOUNT_PAYLOAD: &str = "COMPONENT_MOUNT requires payload";
    /// `payload.component` absent or not a string (MOUNT and REHYDRATE).
    pub(super) const PAYLOAD_COMPONENT: &str = "payload.component must be a string";
    /// `payload.props` present but not an object.
    pub(super) const PAYLOAD_PROPS: &str = "payload.props must be an object";
    /// `payload.room` present but not a string.
    pub(super) const PAYLOAD_ROOM: &str = "payload.room must be a string";
    /// `payload.userId` present but not a string.
    pub(super) const PAYLOAD_USER_ID: &str = "payload.userId must be a string";
    /// `payload.debugLabel` present but not a string.
    pub(super) const PAYLOAD_DEBUG_LABEL: &str = "payload.debugLabel must be a string";
    /// A type that targets a component was sent without a string `componentId`.
    pub(super) const COMPONENT_ID_REQUIRED: &str = "componentId is required";
    /// COMPONENT_REHYDRATE without an object payload.
    pub(super) const REHYDRATE_PAYLOAD: &str = "COMPONENT_REHYDRATE requires payload";
    /// `payload.signedState` fails the §9.2 shape check.
    pub(super) const SIGNED_STATE: &str = "payload.signedState is malformed";
    /// CALL_ACTION `action` absent or not a string.
    pub(super) const ACTION: &str = "action must be a string";
    /// PROPERTY_UPDATE `property` absent or not a string.
    pub(super) const PROPERTY: &str = "property must be a string";
    /// PROPERTY_UPDATE without an object payload carrying `value`.
    pub(super) const PROPERTY_VALUE: &str = "PROPERTY_UPDATE requires payload.value";
    /// AUTH payload present but not an object.
    pub(super) const AUTH_PAYLOAD: &str = "AUTH payload must be an object";
    /// ROOM_* payload present but not an object.
    pub(super) const ROOM_PAYLOAD: &str = "room payload must be an object";
    /// ROOM_* without a usable room id.
    pub(super) const ROOM_ID: &str = "roomId must be a non-empty string";
    /// ROOM_* `payload.roomId` present but not a string.
    pub(super) const PAYLOAD_ROOM_ID: &str = "payload.roomId must be a string";
    /// ROOM_EMIT `payload.event` absent or not a string.
    pub(super) const PAYLOAD_EVENT: &str = "payload.event must be a string";
    /// ROOM_STATE_SET `payload.state` absent or not an object (arrays included).
    pub(super) const PAYLOAD_STATE: &str = "payload.state must be an object";
}

/// Limits applied to every inbound text frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InboundLimits {
    /// Largest accepted frame, in UTF-8 bytes (`maxMessageSize`).
    pub(crate) max_message_bytes: usize,
    /// Deepest accepted bracket nesting (`maxJsonDepth`); `None` disables the check
    /// (serde_json's own recursion limit of 128 still refuses deeper text as
    /// "Invalid JSON", so the parser cannot overflow the stack).
    pub(crate) max_json_depth: Option<usize>,
}

impl Default for InboundLimits {
    /// 4 MiB and depth 32, the upstream defaults.
    fn default() -> Self {
        Self {
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_json_depth: Some(DEFAULT_MAX_JSON_DEPTH),
        }
    }
}

/// One validated client message with the envelope fields the server uses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Envelope {
    /// Envelope `componentId` (a string when present; for PING only kept if it is one).
    pub(crate) component_id: Option<String>,
    /// Envelope `requestId` (a string when present; for PING only kept if it is one).
    pub(crate) request_id: Option<String>,
    /// Envelope `expectResponse`; `false` when absent.
    pub(crate) expect_response: bool,
    /// The typed message body.
    pub(crate) message: ClientMessage,
}

/// The accepted client message types (§3 step 9, §4.2) and their validated fields.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ClientMessage {
    /// `PING` heartbeat: no reply, nothing validated.
    Ping,
    /// `AUTH` with its optional credentials object.
    Auth {
        /// The credentials (`token`, `provider`, …), sanitized.
        payload: Option<Map<String, Value>>,
    },
    /// `COMPONENT_MOUNT`. `payload.userId`/`payload.debugLabel` are checked but dropped.
    Mount {
        /// Registry name (`payload.component`).
        component: String,
        /// Initial props (`payload.props`), sanitized.
        props: Option<Map<String, Value>>,
        /// Default room (`payload.room`).
        room: Option<String>,
    },
    /// `COMPONENT_UNMOUNT`; the envelope's `component_id` is guaranteed `Some`.
    Unmount,
    /// `COMPONENT_REHYDRATE`; the envelope's `component_id` (the old id) is `Some`.
    Rehydrate {
        /// Registry name (`payload.component`).
        component: String,
        /// The client-held signed state, shape-checked (§9.2), not yet verified.
        signed_state: SignedStateWire,
        /// Default room (`payload.room`).
        room: Option<String>,
    },
    /// `CALL_ACTION`; the envelope's `component_id` is guaranteed `Some`.
    CallAction {
        /// Action name (may be empty; the action security checks refuse it).
        action: String,
        /// Any JSON, sanitized; `Null` when absent.
        payload: Value,
    },
    /// `PROPERTY_UPDATE`; the envelope's `component_id` is guaranteed `Some`.
    PropertyUpdate {
        /// The top-level state key to write.
        property: String,
        /// The new value (`payload.value`), sanitized.
        value: Value,
    },
    /// `ROOM_JOIN` (the envelope's `component_id` may be `None`: "Component not found" later).
    RoomJoin {
        /// The non-empty room id (format not checked here).
        room_id: String,
        /// `payload.initialState` as sent; used only if it is an object.
        initial_state: Option<Value>,
    },
    /// `ROOM_LEAVE`.
    RoomLeave {
        /// The non-empty room id.
        room_id: String,
    },
    /// `ROOM_EMIT`.
    RoomEmit {
        /// The non-empty room id.
        room_id: String,
        /// Event name (`payload.event`).
        event: String,
        /// Event data (`payload.data`); `Null` when absent.
        data: Value,
    },
    /// `ROOM_STATE_SET`.
    RoomStateSet {
        /// The non-empty room id.
        room_id: String,
        /// The partial room state (`payload.state`), sanitized.
        state: Map<String, Value>,
    },
    /// `ROOM_STATE_GET`.
    RoomStateGet {
        /// The non-empty room id.
        room_id: String,
    },
    /// `FILE_UPLOAD_START` / `_CHUNK` / `_COMPLETE`: only the envelope is checked here.
    FileUpload {
        /// Which upload message it is.
        kind: FileUploadKind,
        /// Every top-level field except `type`, `componentId`, `requestId` and
        /// `expectResponse` (those are in the [`Envelope`]), in frame order;
        /// `payload`, if any, sanitized.
        fields: Map<String, Value>,
    },
}

/// The three JSON file-upload message types (§15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileUploadKind {
    /// `FILE_UPLOAD_START`.
    Start,
    /// `FILE_UPLOAD_CHUNK` (JSON variant, base64 data).
    Chunk,
    /// `FILE_UPLOAD_COMPLETE`.
    Complete,
}

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

/// Why a text frame was refused; [`reply`](Self::reply) gives the frame to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InboundError {
    /// "Message too large". We measure UTF-8 **bytes**; the TS server measures UTF-16
    /// code units, which are never more than the bytes, so a frame with non-ASCII text
    /// can be refused here a little below the point where TS would refuse it.
    TooLarge,
    /// "JSON nesting too deep (max N)" from the pre-parse bracket scan.
    TooDeep {
        /// The configured limit, printed in the message.
        max: usize,
    },
    /// "Invalid JSON". serde_json is stricter than `JSON.parse` in two corners:
    /// lone UTF-16 surrogate escapes (`"\ud800"`) and numbers beyond f64 range
    /// (`1e400`, which JS reads as `Infinity`) are refused here.
    InvalidJson,
    /// "Invalid message: expected object" — the frame is JSON but not an object.
    /// Separate from [`Invalid`](Self::Invalid) because upstream sends this one
    /// without `success` and without echoes (§3 step 6).
    NotObject,
    /// `Invalid message: <reason>` from the shape validation.
    Invalid {
        /// One of the §3 reasons.
        reason: String,
        /// The frame's `componentId`, only if it was a string.
        component_id: Option<String>,
        /// The frame's `requestId`, only if it was a string.
        request_id: Option<String>,
    },
    /// A string `type` that is not an accepted client type.
    UnknownType {
        /// The frame's `componentId` (a string when present).
        component_id: Option<String>,
        /// The frame's `requestId` (a string when present).
        request_id: Option<String>,
    },
}

impl InboundError {
    /// The exact reply frame of §3; fields that do not apply are absent (not `null`).
    pub(crate) fn reply(&self) -> Value {
        let mut map = Map::new();
        match self {
            Self::TooLarge | Self::TooDeep { .. } | Self::InvalidJson | Self::NotObject => {
                map.insert("type".to_owned(), Value::from(ServerKind::Error.as_str()));
                map.insert("error".to_owned(), Value::String(self.to_string()));
            }
            Self::Invalid {
                component_id,
                request_id,
                ..
            }
            | Self::UnknownType {
                component_id,
                request_id,
            } => {
                let kind = match self {
                    Self::UnknownType { .. } => ServerKind::MessageResponse,
                    _ => ServerKind::Error,
                };
                map.insert("type".to_owned(), Value::from(kind.as_str()));
                if let Some(id) = component_id {
                    map.insert("componentId".to_owned(), Value::String(id.clone()));
                }
                map.insert("success".to_owned(), Value::Bool(false));
                map.insert("error".to_owned(), Value::String(self.to_string()));
                if let Some(id) = request_id {
                    map.insert("requestId".to_owned(), Value::String(id.clone()));
                }
            }
        }
        Value::Object(map)
    }
}

impl fmt::Display for InboundError {
    /// The reply's `error` text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => Refusal::MessageTooLarge.fmt(f),
            Self::TooDeep { max } => write!(f, "JSON nesting too deep (max {max})"),
            Self::InvalidJson => f.write_str("Invalid JSON"),
            Self::NotObject => f.write_str("Invalid message: expected object"),
            Self::Invalid { reason, .. } => write!(f, "Invalid message: {reason}"),
            Self::UnknownType { .. } => f.write_str("Unknown message type"),
        }
    }
}

impl std::error::Error for InboundError {}

/// Parses and validates one client text frame (§3 steps 3–9) in upstream order:
/// size → bracket depth → JSON → object → sanitize `payload` → `PING` → envelope
/// types → known type → per-type shape.
pub(crate) fn parse_text_frame(
    text: &str,
    limits: &InboundLimits,
) -> Result<Envelope, InboundError> {
    if text.len() > limits.max_message_bytes {
        return Err(InboundError::TooLarge);
    }
    if let Some(max) = limits.max_json_depth
        && nesting_exceeds(text, max)
    {
        return Err(InboundError::TooDeep { max });
    }
    let parsed: Value = serde_json::from_str(text).map_err(|_| InboundError::InvalidJson)?;
    let Value::Object(mut raw) = parsed else {
        return Err(InboundError::NotObject);
    };
    if let Some(payload) = raw.get_mut("payload") {
        sanitize(payload, 0);
    }

    // Only string ids are ever echoed or kept.
    let component_id = string_field(&raw, "componentId");
    let request_id = string_field(&raw, "requestId");
    let expect_response = raw
        .get("expectResponse")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let envelope = |message| Envelope {
        component_id: component_id.clone(),
        request_id: request_id.clone(),
        expect_response,
        message,
    };
    let invalid = |reason: &str| InboundError::Invalid {
        reason: reason.to_owned(),
        component_id: component_id.clone(),
        request_id: request_id.clone(),
    };

    let kind = match raw.get("type") {
        Some(Value::String(kind)) => ClientKind::parse(kind),
        _ => return Err(invalid(reason::MISSING_TYPE)),
    };
    if kind == Some(ClientKind::Ping) {
        return Ok(envelope(ClientMessage::Ping));
    }
    check_envelope(&raw).map_err(invalid)?;
    let Some(kind) = kind else {
        return Err(InboundError::UnknownType {
            component_id,
            request_id,
        });
    };
    match parse_body(kind, &mut raw, component_id.is_some()) {
        Ok(message) => Ok(envelope(message)),
        Err(why) => Err(invalid(why)),
    }
}

/// The value of `key` if it is a string.
fn string_field(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Recursively drops [`RESERVED_KEYS`](super::js::RESERVED_KEYS) from objects, including objects inside
/// arrays, down to [`SANITIZE_MAX_DEPTH`] (deeper values are left as they are).
fn sanitize(value: &mut Value, depth: usize) {
    if depth > SANITIZE_MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            map.retain(|key, _| !is_reserved_key(key));
            for child in map.values_mut() {
                sanitize(child, depth + 1);
            }
        }
        Value::Array(items) => {
            for item in items {
                sanitize(item, depth + 1);
            }
        }
        _ => {}
    }
}

/// One envelope check: field name, type test, reason when the test fails.
type EnvelopeCheck = (&'static str, fn(&Value) -> bool, &'static str);

/// The optional envelope fields' JS types, checked in upstream order. A JSON `null`
/// counts as present (it is not `undefined`), so `"componentId": null` is refused.
fn check_envelope(raw: &Map<String, Value>) -> Result<(), &'static str> {
    let checks: [EnvelopeCheck; 7] = [
        ("componentId", Value::is_string, reason::COMPONENT_ID_TYPE),
        ("requestId", Value::is_string, reason::REQUEST_ID_TYPE),
        ("responseId", Value::is_string, reason::RESPONSE_ID_TYPE),
        (
            "expectResponse",
            Value::is_boolean,
            reason::EXPECT_RESPONSE_TYPE,
        ),
        ("timestamp", Value::is_number, reason::TIMESTAMP_TYPE),
        ("userId", Value::is_string, reason::USER_ID_TYPE),
        ("room", Value::is_string, reason::ROOM_TYPE),
    ];
    for (key, is_right_type, why) in checks {
        if raw.get(key).is_some_and(|value| !is_right_type(value)) {
            return Err(why);
        }
    }
    Ok(())
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
fn parse_body(
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
            let signed_state = payload
                .get("signedState")
                .and_then(SignedStateWire::from_json)
                .ok_or(reason::SIGNED_STATE)?;
            let room = take_optional_string(&mut payload, "room", reason::PAYLOAD_ROOM)?;
            take_optional_string(&mut payload, "userId", reason::PAYLOAD_USER_ID)?;
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// Parses with the default limits.
    fn parse(text: &str) -> Result<Envelope, InboundError> {
        parse_text_frame(text, &InboundLimits::default())
    }

    /// The reply for a frame that must be refused, serialized (so key order counts).
    fn reply(text: &str) -> String {
        parse(text)
            .expect_err("frame should be refused")
            .reply()
            .to_string()
    }

    /// The message of a frame that must be accepted.
    fn message(text: &str) -> ClientMessage {
        parse(text).expect("frame should be accepted").message
    }

    /// The expected `Invalid message` reply with only `requestId` echoed ("r1").
    fn invalid_r1(reason: &str) -> String {
        format!(
            r#"{{"type":"ERROR","success":false,"error":"Invalid message: {reason}","requestId":"r1"}}"#
        )
    }

    /// The expected `Invalid message` reply echoing componentId "c1" and requestId "r1".
    fn invalid_c1_r1(reason: &str) -> String {
        format!(
            r#"{{"type":"ERROR","componentId":"c1","success":false,"error":"Invalid message: {reason}","requestId":"r1"}}"#
        )
    }

    /// A well-formed signed state.
    fn signed_state() -> Value {
        json!({"data": "{\"count\":3,\"__componentName\":\"Counter\"}", "signature": "ab", "timestamp": 1_760_000_123_456_u64,
               "version": 4, "componentId": "old1", "compressed": false, "encrypted": false})
    }

    // ---- size, depth, JSON, object ----

    #[test]
    fn too_large() {
        let limits = InboundLimits {
            max_message_bytes: 10,
            max_json_depth: Some(32),
        };
        let err = parse_text_frame(r#"{"type":"PING"}"#, &limits).unwrap_err();
        assert_eq!(err, InboundError::TooLarge);
        assert_eq!(
            err.reply().to_string(),
            r#"{"type":"ERROR","error":"Message too large"}"#
        );
        // Exactly at the limit passes; the limit counts bytes ("é" is two).
        assert!(
            parse_text_frame(
                r#"{"type":"PING"}"#,
                &InboundLimits {
                    max_message_bytes: 15,
                    ..limits
                }
            )
            .is_ok()
        );
        let accented = r#"{"type":"PING","x":"é"}"#;
        assert_eq!(accented.len(), 24); // 23 UTF-16 units
        assert_eq!(
            parse_text_frame(
                accented,
                &InboundLimits {
                    max_message_bytes: 23,
                    ..limits
                }
            ),
            Err(InboundError::TooLarge)
        );
    }

    #[test]
    fn too_large_is_checked_before_anything_else() {
        let limits = InboundLimits {
            max_message_bytes: 100,
            max_json_depth: Some(32),
        };
        let huge = "[".repeat(5_000_000);
        assert_eq!(
            parse_text_frame(&huge, &limits),
            Err(InboundError::TooLarge)
        );
        assert_eq!(parse(&format!("{huge}{huge}")), Err(InboundError::TooLarge));
    }

    #[test]
    fn too_deep() {
        let deep = format!(
            r#"{{"type":"CALL_ACTION","payload":{}1{}}}"#,
            "[".repeat(32),
            "]".repeat(32)
        );
        assert_eq!(
            reply(&deep),
            r#"{"type":"ERROR","error":"JSON nesting too deep (max 32)"}"#
        );
        let limits = InboundLimits {
            max_json_depth: Some(3),
            ..InboundLimits::default()
        };
        let err = parse_text_frame(r#"{"a":[[[1]]]}"#, &limits).unwrap_err();
        assert_eq!(
            err.reply().to_string(),
            r#"{"type":"ERROR","error":"JSON nesting too deep (max 3)"}"#
        );
        assert!(parse_text_frame(r#"{"type":"PING","a":[[1]]}"#, &limits).is_ok());
    }

    #[test]
    fn depth_exactly_32_passes_33_fails() {
        let at = |levels: usize| {
            format!(
                r#"{{"type":"CALL_ACTION","componentId":"c","action":"a","payload":{}1{}}}"#,
                "[".repeat(levels - 1),
                "]".repeat(levels - 1)
            )
        };
        assert!(matches!(message(&at(32)), ClientMessage::CallAction { .. }));
        assert_eq!(parse(&at(33)), Err(InboundError::TooDeep { max: 32 }));
    }

    #[test]
    fn deep_input_refused_before_parsing() {
        // Unparseable garbage after the brackets: the depth error wins, so no parse happened.
        let text = format!("{}garbage", "{".repeat(100_000));
        assert_eq!(parse(&text), Err(InboundError::TooDeep { max: 32 }));
    }

    #[test]
    fn depth_check_disabled_still_cannot_overflow() {
        let limits = InboundLimits {
            max_json_depth: None,
            ..InboundLimits::default()
        };
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            parse_text_frame(&text, &limits),
            Err(InboundError::InvalidJson)
        );
        let fine = format!(
            r#"{{"type":"PING","p":{}1{}}}"#,
            "[".repeat(60),
            "]".repeat(60)
        );
        assert!(parse_text_frame(&fine, &limits).is_ok());
    }

    #[test]
    fn invalid_json() {
        for text in [
            "",
            "{",
            "{\"type\":}",
            "{'type':'PING'}",
            "nope",
            "{\"a\":1}x",
            "\"\\ud800\"",
            r#"{"type":"PING","n":1e400}"#,
        ] {
            assert_eq!(
                reply(text),
                r#"{"type":"ERROR","error":"Invalid JSON"}"#,
                "{text}"
            );
        }
    }

    #[test]
    fn expected_object() {
        for text in [
            "[]",
            "[{\"type\":\"PING\"}]",
            "null",
            "1",
            "\"PING\"",
            "true",
        ] {
            assert_eq!(parse(text), Err(InboundError::NotObject), "{text}");
            assert_eq!(
                reply(text),
                r#"{"type":"ERROR","error":"Invalid message: expected object"}"#
            );
        }
    }

    // ---- PING ----

    #[test]
    fn ping_with_garbage_fields_is_still_ping() {
        let envelope = parse(r#"{"type":"PING","componentId":5,"requestId":{},"expectResponse":"yes","timestamp":"x","payload":7}"#)
            .unwrap();
        assert_eq!(
            envelope,
            Envelope {
                component_id: None,
                request_id: None,
                expect_response: false,
                message: ClientMessage::Ping
            }
        );
        let envelope =
            parse(r#"{"type":"PING","componentId":"c","requestId":"r","expectResponse":true}"#)
                .unwrap();
        assert_eq!(envelope.component_id.as_deref(), Some("c"));
        assert_eq!(envelope.request_id.as_deref(), Some("r"));
        assert!(envelope.expect_response);
    }

    // ---- envelope ----

    #[test]
    fn missing_type() {
        assert_eq!(reply(r#"{"requestId":"r1"}"#), invalid_r1("missing type"));
        assert_eq!(
            reply(r#"{"type":5,"componentId":"c1","requestId":"r1"}"#),
            invalid_c1_r1("missing type")
        );
        // Only string ids are echoed.
        assert_eq!(
            reply(r#"{"type":null,"componentId":1,"requestId":2}"#),
            r#"{"type":"ERROR","success":false,"error":"Invalid message: missing type"}"#
        );
    }

    #[test]
    fn component_id_must_be_a_string() {
        // Numeric componentId + string requestId: only requestId is echoed.
        assert_eq!(
            reply(r#"{"type":"CALL_ACTION","componentId":42,"action":"a","requestId":"r1"}"#),
            invalid_r1("componentId must be a string")
        );
        assert_eq!(
            reply(r#"{"type":"AUTH","componentId":null,"requestId":"r1"}"#),
            invalid_r1("componentId must be a string")
        );
    }

    #[test]
    fn request_id_must_be_a_string() {
        assert_eq!(
            reply(r#"{"type":"AUTH","componentId":"c1","requestId":{"x":1}}"#),
            r#"{"type":"ERROR","componentId":"c1","success":false,"error":"Invalid message: requestId must be a string"}"#
        );
    }

    #[test]
    fn other_envelope_fields() {
        let cases = [
            (r#""responseId":1"#, "responseId must be a string"),
            (
                r#""expectResponse":"yes""#,
                "expectResponse must be a boolean",
            ),
            (
                r#""expectResponse":null"#,
                "expectResponse must be a boolean",
            ),
            (r#""timestamp":"now""#, "timestamp must be a number"),
            (r#""userId":7"#, "userId must be a string"),
            (r#""room":["lobby"]"#, "room must be a string"),
        ];
        for (field, why) in cases {
            let text = format!(r#"{{"type":"AUTH","componentId":"c1","requestId":"r1",{field}}}"#);
            assert_eq!(reply(&text), invalid_c1_r1(why), "{text}");
        }
    }

    #[test]
    fn envelope_checks_run_in_upstream_order() {
        assert_eq!(
            reply(r#"{"type":"AUTH","room":1,"componentId":2,"requestId":"r1"}"#),
            invalid_r1("componentId must be a string")
        );
        // Envelope errors come before the unknown-type answer.
        assert_eq!(
            reply(r#"{"type":"NOPE","requestId":"r1","userId":1}"#),
            invalid_r1("userId must be a string")
        );
    }

    #[test]
    fn unknown_type() {
        assert_eq!(
            reply(r#"{"type":"COMPONENT_PING","componentId":"c1","requestId":"r1","timestamp":1}"#),
            r#"{"type":"MESSAGE_RESPONSE","componentId":"c1","success":false,"error":"Unknown message type","requestId":"r1"}"#
        );
        for kind in ["COMPONENT_ACTION", "STATE_UPDATE", "BROADCAST", "ping", ""] {
            assert_eq!(
                reply(&format!(r#"{{"type":"{kind}"}}"#)),
                r#"{"type":"MESSAGE_RESPONSE","success":false,"error":"Unknown message type"}"#
            );
        }
    }

    #[test]
    fn valid_envelope_fields_are_accepted() {
        let envelope = parse(
            r#"{"type":"AUTH","componentId":"c","requestId":"r","responseId":"x","expectResponse":true,"timestamp":1.5,"userId":"u","room":"lobby"}"#,
        )
        .unwrap();
        assert_eq!(envelope.component_id.as_deref(), Some("c"));
        assert_eq!(envelope.request_id.as_deref(), Some("r"));
        assert!(envelope.expect_response);
        assert_eq!(envelope.message, ClientMessage::Auth { payload: None });
        assert!(
            !parse(r#"{"type":"AUTH","expectResponse":false}"#)
                .unwrap()
                .expect_response
        );
    }

    // ---- COMPONENT_MOUNT ----

    #[test]
    fn mount_accepted() {
        let envelope = parse(
            r#"{"type":"COMPONENT_MOUNT","componentId":"h2","payload":{"component":"Counter","props":{"count":0,"b":1},"room":"lobby","userId":"ignored","debugLabel":"main"},"requestId":"R1","expectResponse":true}"#,
        )
        .unwrap();
        assert_eq!(envelope.component_id.as_deref(), Some("h2"));
        let ClientMessage::Mount {
            component,
            props,
            room,
        } = envelope.message
        else {
            panic!("not a mount")
        };
        assert_eq!(component, "Counter");
        assert_eq!(
            Value::Object(props.unwrap()).to_string(),
            r#"{"count":0,"b":1}"#
        );
        assert_eq!(room.as_deref(), Some("lobby"));
        assert_eq!(
            message(r#"{"type":"COMPONENT_MOUNT","payload":{"component":"X"}}"#),
            ClientMessage::Mount {
                component: "X".into(),
                props: None,
                room: None
            }
        );
    }

    #[test]
    fn mount_requires_payload() {
        for payload in [
            "",
            r#","payload":null"#,
            r#","payload":"Counter""#,
            r#","payload":[]"#,
        ] {
            let text = format!(r#"{{"type":"COMPONENT_MOUNT","requestId":"r1"{payload}}}"#);
            assert_eq!(
                reply(&text),
                invalid_r1("COMPONENT_MOUNT requires payload"),
                "{text}"
            );
        }
    }

    #[test]
    fn mount_payload_checks() {
        let cases = [
            (r#"{"component":5}"#, "payload.component must be a string"),
            (r#"{}"#, "payload.component must be a string"),
            (
                r#"{"component":"X","props":"count=1"}"#,
                "payload.props must be an object",
            ),
            (
                r#"{"component":"X","props":[1]}"#,
                "payload.props must be an object",
            ),
            (
                r#"{"component":"X","props":null}"#,
                "payload.props must be an object",
            ),
            (
                r#"{"component":"X","room":1}"#,
                "payload.room must be a string",
            ),
            (
                r#"{"component":"X","userId":1}"#,
                "payload.userId must be a string",
            ),
            (
                r#"{"component":"X","debugLabel":false}"#,
                "payload.debugLabel must be a string",
            ),
            // Checks run in upstream order.
            (
                r#"{"component":"X","debugLabel":1,"props":1}"#,
                "payload.props must be an object",
            ),
        ];
        for (payload, why) in cases {
            let text = format!(
                r#"{{"type":"COMPONENT_MOUNT","componentId":"c1","requestId":"r1","payload":{payload}}}"#
            );
            assert_eq!(reply(&text), invalid_c1_r1(why), "{text}");
        }
    }

    // ---- componentId is required ----

    #[test]
    fn component_id_is_required() {
        for body in [
            r#""type":"COMPONENT_UNMOUNT""#,
            r#""type":"COMPONENT_REHYDRATE","payload":{}"#,
            r#""type":"CALL_ACTION","action":"a""#,
            r#""type":"PROPERTY_UPDATE","property":"p","payload":{"value":1}"#,
        ] {
            let text = format!(r#"{{{body},"requestId":"r1"}}"#);
            assert_eq!(
                reply(&text),
                invalid_r1("componentId is required"),
                "{text}"
            );
        }
    }

    #[test]
    fn room_messages_do_not_require_component_id() {
        let envelope = parse(r#"{"type":"ROOM_LEAVE","roomId":"chat-1"}"#).unwrap();
        assert_eq!(envelope.component_id, None);
        assert_eq!(
            envelope.message,
            ClientMessage::RoomLeave {
                room_id: "chat-1".into()
            }
        );
    }

    // ---- COMPONENT_UNMOUNT ----

    #[test]
    fn unmount_accepted() {
        let envelope = parse(r#"{"type":"COMPONENT_UNMOUNT","componentId":"Zp"}"#).unwrap();
        assert_eq!(envelope.component_id.as_deref(), Some("Zp"));
        assert_eq!(envelope.message, ClientMessage::Unmount);
    }

    // ---- COMPONENT_REHYDRATE ----

    #[test]
    fn rehydrate_accepted() {
        let text = json!({"type": "COMPONENT_REHYDRATE", "componentId": "old1", "requestId": "R9",
            "payload": {"component": "Counter", "signedState": signed_state(), "room": "lobby", "userId": "ignored"}})
        .to_string();
        let envelope = parse(&text).unwrap();
        assert_eq!(envelope.component_id.as_deref(), Some("old1"));
        let ClientMessage::Rehydrate {
            component,
            signed_state: state,
            room,
        } = envelope.message
        else {
            panic!("not a rehydrate")
        };
        assert_eq!(component, "Counter");
        assert_eq!(room.as_deref(), Some("lobby"));
        assert_eq!(state.version, 4.0);
        assert_eq!(state.timestamp, 1_760_000_123_456.0);
        assert_eq!(state.to_json().to_string(), signed_state().to_string());
    }

    #[test]
    fn rehydrate_requires_payload() {
        for payload in ["", r#","payload":"x""#, r#","payload":null"#] {
            let text = format!(
                r#"{{"type":"COMPONENT_REHYDRATE","componentId":"c1","requestId":"r1"{payload}}}"#
            );
            assert_eq!(
                reply(&text),
                invalid_c1_r1("COMPONENT_REHYDRATE requires payload"),
                "{text}"
            );
        }
    }

    #[test]
    fn rehydrate_with_component_name_is_rejected() {
        let text = json!({"type": "COMPONENT_REHYDRATE", "componentId": "c1", "requestId": "r1",
            "payload": {"componentName": "Counter", "signedState": signed_state()}})
        .to_string();
        assert_eq!(
            reply(&text),
            invalid_c1_r1("payload.component must be a string")
        );
    }

    #[test]
    fn rehydrate_signed_state_is_malformed() {
        let mut bad: Vec<Value> = vec![json!(null), json!("garbage"), json!([1]), json!({})];
        for (key, value) in [
            ("data", json!(1)),
            ("signature", json!(null)),
            ("timestamp", json!("1")),
            ("version", json!(true)),
            ("componentId", json!(3)),
            ("nonce", json!(5)),
            ("nonce", json!(null)),
            ("compressed", json!("no")),
            ("encrypted", json!(0)),
        ] {
            let mut state = signed_state();
            state[key] = value;
            bad.push(state);
        }
        for key in ["data", "signature", "timestamp", "version", "componentId"] {
            let mut state = signed_state();
            state.as_object_mut().unwrap().remove(key);
            bad.push(state);
        }
        for state in bad {
            let text =
                json!({"type": "COMPONENT_REHYDRATE", "componentId": "c1", "requestId": "r1",
                "payload": {"component": "Counter", "signedState": state}})
                .to_string();
            assert_eq!(
                reply(&text),
                invalid_c1_r1("payload.signedState is malformed"),
                "{text}"
            );
        }
        let text = r#"{"type":"COMPONENT_REHYDRATE","componentId":"c1","requestId":"r1","payload":{"component":"Counter"}}"#;
        assert_eq!(
            reply(text),
            invalid_c1_r1("payload.signedState is malformed")
        );
    }

    #[test]
    fn rehydrate_room_and_user_id() {
        for (field, why) in [
            ("room", "payload.room must be a string"),
            ("userId", "payload.userId must be a string"),
        ] {
            let text =
                json!({"type": "COMPONENT_REHYDRATE", "componentId": "c1", "requestId": "r1",
                "payload": {"component": "Counter", "signedState": signed_state(), field: 1}})
                .to_string();
            assert_eq!(reply(&text), invalid_c1_r1(why));
        }
    }

    #[test]
    fn signed_state_optional_fields() {
        let minimal = json!({"data": "d", "signature": "s", "timestamp": 1.5, "version": 1, "componentId": "c"});
        let state = SignedStateWire::from_json(&minimal).unwrap();
        assert_eq!(state.nonce, None);
        assert_eq!(state.compressed, None);
        assert_eq!(
            state.to_json().to_string(),
            r#"{"data":"d","signature":"s","timestamp":1.5,"version":1,"componentId":"c"}"#
        );
        let mut full = minimal.clone();
        full["nonce"] = json!("n");
        full["compressed"] = json!(true);
        full["encrypted"] = json!(false);
        full["extra"] = json!("dropped");
        let state = SignedStateWire::from_json(&full).unwrap();
        assert_eq!(
            state.to_json().to_string(),
            r#"{"data":"d","signature":"s","timestamp":1.5,"version":1,"componentId":"c","nonce":"n","compressed":true,"encrypted":false}"#
        );
    }

    // ---- CALL_ACTION ----

    #[test]
    fn call_action_payload_may_be_anything() {
        let cases = [
            ("", Value::Null),
            (r#","payload":null"#, Value::Null),
            (r#","payload":3"#, json!(3)),
            (r#","payload":"s""#, json!("s")),
            (r#","payload":[1,{"a":2}]"#, json!([1, {"a": 2}])),
            (r#","payload":{"by":2}"#, json!({"by": 2})),
        ];
        for (payload, expected) in cases {
            let text = format!(
                r#"{{"type":"CALL_ACTION","componentId":"Zp","action":"increment"{payload},"expectResponse":true}}"#
            );
            let envelope = parse(&text).unwrap();
            assert!(envelope.expect_response);
            assert_eq!(
                envelope.message,
                ClientMessage::CallAction {
                    action: "increment".into(),
                    payload: expected
                }
            );
        }
        // An empty action name passes validation (the action checks refuse it later).
        assert!(matches!(
            message(r#"{"type":"CALL_ACTION","componentId":"Zp","action":""}"#),
            ClientMessage::CallAction { .. }
        ));
    }

    #[test]
    fn action_must_be_a_string() {
        for action in ["", r#","action":5"#, r#","action":null"#] {
            let text =
                format!(r#"{{"type":"CALL_ACTION","componentId":"c1","requestId":"r1"{action}}}"#);
            assert_eq!(
                reply(&text),
                invalid_c1_r1("action must be a string"),
                "{text}"
            );
        }
    }

    // ---- PROPERTY_UPDATE ----

    #[test]
    fn property_update_accepted() {
        assert_eq!(
            message(
                r#"{"type":"PROPERTY_UPDATE","componentId":"Zp","property":"label","payload":{"value":"hits"}}"#
            ),
            ClientMessage::PropertyUpdate {
                property: "label".into(),
                value: json!("hits")
            }
        );
        assert_eq!(
            message(
                r#"{"type":"PROPERTY_UPDATE","componentId":"Zp","property":"label","payload":{"value":null}}"#
            ),
            ClientMessage::PropertyUpdate {
                property: "label".into(),
                value: Value::Null
            }
        );
    }

    #[test]
    fn property_must_be_a_string() {
        let text = r#"{"type":"PROPERTY_UPDATE","componentId":"c1","requestId":"r1","property":1,"payload":{"value":1}}"#;
        assert_eq!(reply(text), invalid_c1_r1("property must be a string"));
    }

    #[test]
    fn property_update_requires_payload_value() {
        for payload in [
            "",
            r#","payload":5"#,
            r#","payload":null"#,
            r#","payload":{}"#,
            r#","payload":{"val":1}"#,
        ] {
            let text = format!(
                r#"{{"type":"PROPERTY_UPDATE","componentId":"c1","requestId":"r1","property":"p"{payload}}}"#
            );
            assert_eq!(
                reply(&text),
                invalid_c1_r1("PROPERTY_UPDATE requires payload.value"),
                "{text}"
            );
        }
    }

    // ---- AUTH ----

    #[test]
    fn auth_accepted() {
        let envelope = parse(
            r#"{"type":"AUTH","payload":{"token":"eyJ"},"requestId":"X","expectResponse":true}"#,
        )
        .unwrap();
        let ClientMessage::Auth {
            payload: Some(payload),
        } = envelope.message
        else {
            panic!("no payload")
        };
        assert_eq!(payload.get("token"), Some(&json!("eyJ")));
    }

    #[test]
    fn auth_payload_must_be_an_object() {
        for payload in [r#""token""#, "null", "[]", "1"] {
            let text = format!(r#"{{"type":"AUTH","requestId":"r1","payload":{payload}}}"#);
            assert_eq!(
                reply(&text),
                invalid_r1("AUTH payload must be an object"),
                "{text}"
            );
        }
    }

    // ---- rooms ----

    #[test]
    fn room_messages_accepted() {
        assert_eq!(
            message(
                r#"{"type":"ROOM_JOIN","componentId":"Zp","roomId":"chat-1","payload":{"initialState":{"messages":[]}},"timestamp":1}"#
            ),
            ClientMessage::RoomJoin {
                room_id: "chat-1".into(),
                initial_state: Some(json!({"messages": []}))
            }
        );
        assert_eq!(
            message(r#"{"type":"ROOM_JOIN","componentId":"Zp","roomId":"chat-1"}"#),
            ClientMessage::RoomJoin {
                room_id: "chat-1".into(),
                initial_state: None
            }
        );
        assert_eq!(
            message(
                r#"{"type":"ROOM_EMIT","componentId":"Zp","roomId":"chat-1","payload":{"event":"message:new","data":{"text":"hi"}}}"#
            ),
            ClientMessage::RoomEmit {
                room_id: "chat-1".into(),
                event: "message:new".into(),
                data: json!({"text": "hi"})
            }
        );
        assert_eq!(
            message(
                r#"{"type":"ROOM_EMIT","componentId":"Zp","roomId":"r","payload":{"event":"e"}}"#
            ),
            ClientMessage::RoomEmit {
                room_id: "r".into(),
                event: "e".into(),
                data: Value::Null
            }
        );
        let ClientMessage::RoomStateSet { room_id, state } = message(
            r#"{"type":"ROOM_STATE_SET","componentId":"Zp","roomId":"chat-1","payload":{"state":{"topic":"Rust"}}}"#,
        ) else {
            panic!("not a state set")
        };
        assert_eq!(
            (room_id.as_str(), Value::Object(state)),
            ("chat-1", json!({"topic": "Rust"}))
        );
        assert_eq!(
            message(
                r#"{"type":"ROOM_STATE_GET","componentId":"Zp","roomId":"chat-1","requestId":"Rg"}"#
            ),
            ClientMessage::RoomStateGet {
                room_id: "chat-1".into()
            }
        );
    }

    #[test]
    fn room_id_top_level_or_payload() {
        let get = |text: &str| match message(text) {
            ClientMessage::RoomLeave { room_id } => room_id,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(
            get(r#"{"type":"ROOM_LEAVE","payload":{"roomId":"from-payload"}}"#),
            "from-payload"
        );
        assert_eq!(
            get(r#"{"type":"ROOM_LEAVE","roomId":"top","payload":{"roomId":"from-payload"}}"#),
            "top"
        );
        // A falsy top-level value falls back to the payload (upstream's `||`).
        assert_eq!(
            get(r#"{"type":"ROOM_LEAVE","roomId":"","payload":{"roomId":"p"}}"#),
            "p"
        );
        assert_eq!(
            get(r#"{"type":"ROOM_LEAVE","roomId":0,"payload":{"roomId":"p"}}"#),
            "p"
        );
        assert_eq!(
            get(r#"{"type":"ROOM_LEAVE","roomId":null,"payload":{"roomId":"p"}}"#),
            "p"
        );
    }

    #[test]
    fn room_payload_must_be_an_object() {
        for payload in [r#""x""#, "null", "[1]", "3"] {
            let text = format!(
                r#"{{"type":"ROOM_STATE_SET","componentId":"c1","requestId":"r1","roomId":"r","payload":{payload}}}"#
            );
            assert_eq!(
                reply(&text),
                invalid_c1_r1("room payload must be an object"),
                "{text}"
            );
        }
    }

    #[test]
    fn room_id_must_be_a_non_empty_string() {
        for body in [
            r#""type":"ROOM_JOIN""#,
            r#""type":"ROOM_JOIN","roomId":"""#,
            r#""type":"ROOM_JOIN","roomId":{"id":"x"}"#,
            r#""type":"ROOM_JOIN","roomId":5,"payload":{"roomId":"p"}"#,
            r#""type":"ROOM_LEAVE","payload":{"roomId":""}"#,
            r#""type":"ROOM_GET_NOPE_BUT_LEAVE","roomId":"x""#,
            // A non-string payload.roomId is chosen (top level is falsy) and fails here first.
            r#""type":"ROOM_STATE_GET","payload":{"roomId":5}"#,
        ] {
            let text = format!(r#"{{{body},"componentId":"c1","requestId":"r1"}}"#);
            if body.contains("NOPE") {
                assert!(matches!(
                    parse(&text),
                    Err(InboundError::UnknownType { .. })
                ));
                continue;
            }
            assert_eq!(
                reply(&text),
                invalid_c1_r1("roomId must be a non-empty string"),
                "{text}"
            );
        }
    }

    #[test]
    fn payload_room_id_must_be_a_string() {
        let text = r#"{"type":"ROOM_LEAVE","componentId":"c1","requestId":"r1","roomId":"top","payload":{"roomId":5}}"#;
        assert_eq!(
            reply(text),
            invalid_c1_r1("payload.roomId must be a string")
        );
    }

    #[test]
    fn payload_event_must_be_a_string() {
        for payload in [
            "",
            r#","payload":{}"#,
            r#","payload":{"event":1}"#,
            r#","payload":{"data":{}}"#,
        ] {
            let text = format!(
                r#"{{"type":"ROOM_EMIT","componentId":"c1","requestId":"r1","roomId":"r"{payload}}}"#
            );
            assert_eq!(
                reply(&text),
                invalid_c1_r1("payload.event must be a string"),
                "{text}"
            );
        }
    }

    #[test]
    fn payload_state_must_be_an_object() {
        for payload in [
            "",
            r#","payload":{}"#,
            r#","payload":{"state":[1]}"#,
            r#","payload":{"state":"s"}"#,
            r#","payload":{"state":null}"#,
        ] {
            let text = format!(
                r#"{{"type":"ROOM_STATE_SET","componentId":"c1","requestId":"r1","roomId":"r"{payload}}}"#
            );
            assert_eq!(
                reply(&text),
                invalid_c1_r1("payload.state must be an object"),
                "{text}"
            );
        }
    }

    // ---- uploads ----

    #[test]
    fn file_upload_is_only_envelope_checked() {
        let envelope = parse(
            r#"{"type":"FILE_UPLOAD_START","componentId":"Zp","uploadId":"U1","filename":"a.png","fileType":"image/png","fileSize":"not checked","chunkSize":65536,"requestId":"q","expectResponse":true,"timestamp":1}"#,
        )
        .unwrap();
        assert_eq!(envelope.component_id.as_deref(), Some("Zp"));
        assert_eq!(envelope.request_id.as_deref(), Some("q"));
        let ClientMessage::FileUpload { kind, fields } = envelope.message else {
            panic!("not an upload")
        };
        assert_eq!(kind, FileUploadKind::Start);
        assert_eq!(
            Value::Object(fields).to_string(),
            r#"{"uploadId":"U1","filename":"a.png","fileType":"image/png","fileSize":"not checked","chunkSize":65536,"timestamp":1}"#
        );
        assert!(matches!(
            message(r#"{"type":"FILE_UPLOAD_CHUNK","uploadId":"U1","chunkIndex":0,"data":"AAA=","payload":{"__proto__":1,"k":2}}"#),
            ClientMessage::FileUpload { kind: FileUploadKind::Chunk, fields } if fields.get("payload") == Some(&json!({"k": 2}))
        ));
        assert!(matches!(
            message(r#"{"type":"FILE_UPLOAD_COMPLETE"}"#),
            ClientMessage::FileUpload {
                kind: FileUploadKind::Complete,
                ..
            }
        ));
        // The envelope is still checked.
        assert_eq!(
            reply(r#"{"type":"FILE_UPLOAD_COMPLETE","requestId":"r1","timestamp":"x"}"#),
            invalid_r1("timestamp must be a number")
        );
    }

    // ---- sanitize ----

    #[test]
    fn sanitize_drops_dangerous_keys_recursively() {
        let text = r#"{"type":"CALL_ACTION","componentId":"c","action":"a","payload":
            {"__proto__":{"hacked":true},"ok":1,"constructor":"evil","nested":{"prototype":1,"keep":{"constructor":{"prototype":{}}}},
             "list":[{"__proto__":1,"v":2},[{"constructor":3}],"__proto__"]}}"#;
        let ClientMessage::CallAction { payload, .. } = message(text) else {
            panic!("not an action")
        };
        assert_eq!(
            payload.to_string(),
            r#"{"ok":1,"nested":{"keep":{}},"list":[{"v":2},[{}],"__proto__"]}"#
        );
    }

    #[test]
    fn sanitize_leaves_the_envelope_alone() {
        let envelope = parse(
            r#"{"type":"FILE_UPLOAD_START","constructor":"x","payload":{"constructor":"y"}}"#,
        )
        .unwrap();
        let ClientMessage::FileUpload { fields, .. } = envelope.message else {
            panic!("not an upload")
        };
        assert_eq!(
            Value::Object(fields).to_string(),
            r#"{"constructor":"x","payload":{}}"#
        );
    }

    #[test]
    fn sanitize_stops_below_depth_32() {
        // Objects at payload levels 0..=32 are cleaned; level 33 is left as sent.
        let nest = |levels: usize| {
            format!(
                r#"{}{{"__proto__":1,"k":2}}{}"#,
                r#"{"a":"#.repeat(levels),
                "}".repeat(levels)
            )
        };
        let parse_payload = |levels: usize| {
            let text = format!(
                r#"{{"type":"CALL_ACTION","componentId":"c","action":"a","payload":{}}}"#,
                nest(levels)
            );
            let limits = InboundLimits {
                max_json_depth: None,
                ..InboundLimits::default()
            };
            match parse_text_frame(&text, &limits).unwrap().message {
                ClientMessage::CallAction { payload, .. } => payload.to_string(),
                other => panic!("unexpected {other:?}"),
            }
        };
        assert!(!parse_payload(32).contains("__proto__"));
        assert!(parse_payload(33).contains("__proto__"));
        assert!(!parse_payload(0).contains("__proto__"));
    }

    #[test]
    fn sanitized_props_and_auth() {
        let ClientMessage::Mount { props, .. } = message(
            r#"{"type":"COMPONENT_MOUNT","payload":{"component":"X","props":{"__proto__":{"admin":true},"count":1}}}"#,
        ) else {
            panic!("not a mount")
        };
        assert_eq!(Value::Object(props.unwrap()), json!({"count": 1}));
        // The sanitizer runs before validation: `prototype` inside the payload is gone.
        assert_eq!(
            message(r#"{"type":"AUTH","payload":{"prototype":1}}"#),
            ClientMessage::Auth {
                payload: Some(Map::new())
            }
        );
    }

    // ---- display / never panics ----

    #[test]
    fn display_matches_reply_error() {
        let errors = [
            InboundError::TooLarge,
            InboundError::TooDeep { max: 7 },
            InboundError::InvalidJson,
            InboundError::NotObject,
            InboundError::Invalid {
                reason: "x".into(),
                component_id: None,
                request_id: None,
            },
            InboundError::UnknownType {
                component_id: None,
                request_id: None,
            },
        ];
        for error in errors {
            assert_eq!(error.reply()["error"], Value::String(error.to_string()));
        }
    }

    /// Known keys, so random envelopes hit the interesting paths.
    const KEYS: [&str; 16] = [
        "type",
        "componentId",
        "requestId",
        "responseId",
        "expectResponse",
        "timestamp",
        "userId",
        "room",
        "payload",
        "action",
        "property",
        "roomId",
        "uploadId",
        "component",
        "__proto__",
        "x",
    ];

    /// Message types, known and unknown.
    const TYPES: [&str; 18] = [
        "PING",
        "AUTH",
        "COMPONENT_MOUNT",
        "COMPONENT_UNMOUNT",
        "COMPONENT_REHYDRATE",
        "CALL_ACTION",
        "PROPERTY_UPDATE",
        "ROOM_JOIN",
        "ROOM_LEAVE",
        "ROOM_EMIT",
        "ROOM_STATE_SET",
        "ROOM_STATE_GET",
        "FILE_UPLOAD_START",
        "FILE_UPLOAD_CHUNK",
        "FILE_UPLOAD_COMPLETE",
        "COMPONENT_PING",
        "",
        "ping",
    ];

    /// Random JSON values whose object keys come from [`KEYS`] and payload-ish names.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            prop::sample::select(TYPES.to_vec()).prop_map(Value::from),
            ".{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        prop_oneof![
                            prop::sample::select(KEYS.to_vec()).prop_map(str::to_owned),
                            prop::sample::select(vec![
                                "component",
                                "props",
                                "signedState",
                                "value",
                                "event",
                                "state",
                                "data",
                                "initialState",
                                "constructor"
                            ])
                            .prop_map(str::to_owned),
                        ],
                        inner
                    ),
                    0..6
                )
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    /// Random envelopes: a type plus random known fields.
    fn envelope_value() -> impl Strategy<Value = Value> {
        (
            prop::sample::select(TYPES.to_vec()),
            prop::collection::vec((prop::sample::select(KEYS.to_vec()), json_value()), 0..6),
        )
            .prop_map(|(kind, pairs)| {
                let mut map = Map::new();
                map.insert("type".to_owned(), Value::from(kind));
                for (key, value) in pairs {
                    map.insert(key.to_owned(), value);
                }
                Value::Object(map)
            })
    }

    /// Invariants every parse result must satisfy.
    fn check(result: &Result<Envelope, InboundError>) -> Result<(), TestCaseError> {
        match result {
            Ok(envelope) => {
                if matches!(
                    envelope.message,
                    ClientMessage::Unmount
                        | ClientMessage::Rehydrate { .. }
                        | ClientMessage::CallAction { .. }
                        | ClientMessage::PropertyUpdate { .. }
                ) {
                    prop_assert!(envelope.component_id.is_some());
                }
                match &envelope.message {
                    ClientMessage::RoomJoin { room_id, .. }
                    | ClientMessage::RoomLeave { room_id }
                    | ClientMessage::RoomEmit { room_id, .. }
                    | ClientMessage::RoomStateSet { room_id, .. }
                    | ClientMessage::RoomStateGet { room_id } => prop_assert!(!room_id.is_empty()),
                    _ => {}
                }
            }
            Err(error) => {
                let reply = error.reply();
                prop_assert!(reply.is_object());
                prop_assert!(reply["error"].is_string());
                prop_assert!(!reply.as_object().unwrap().values().any(Value::is_null));
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn random_strings_never_panic(text in ".{0,200}") {
            check(&parse(&text))?;
        }

        #[test]
        fn random_json_like_strings_never_panic(text in "[\\[\\]{}\":,a-zA-Z0-9\\\\ _.-]{0,200}") {
            check(&parse(&text))?;
        }

        #[test]
        fn random_json_values_never_panic(value in json_value()) {
            check(&parse(&value.to_string()))?;
        }

        #[test]
        fn random_envelopes_never_panic(value in envelope_value()) {
            let text = value.to_string();
            let result = parse(&text);
            check(&result)?;
            // Whatever else it holds, a PING is a Ping.
            if value["type"] == "PING" && !nesting_exceeds(&text, 32) {
                prop_assert_eq!(result.map(|e| e.message), Ok(ClientMessage::Ping));
            }
        }

        #[test]
        fn small_limits_never_panic(value in envelope_value(), bytes in 0usize..200, depth in 0usize..6) {
            let limits = InboundLimits { max_message_bytes: bytes, max_json_depth: Some(depth) };
            check(&parse_text_frame(&value.to_string(), &limits))?;
        }
    }
}
