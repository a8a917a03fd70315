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
use super::signed_state::SignedStateWire;

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
mod tests;
