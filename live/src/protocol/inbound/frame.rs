//! The frame and its envelope (§3 steps 3–9 up to the per-type shape): size, depth,
//! JSON, object, sanitizing, `type` and the optional envelope fields' types.

use serde_json::{Map, Value};

use super::body::parse_body;
use super::call_frame::parse_call_frame;
use super::call_scan::scan_call_frame;
use super::error::InboundError;
use super::message::{ClientMessage, Envelope, InboundLimits};
use super::reason;
use super::sanitize::sanitize;
use crate::protocol::depth::nesting_exceeds;
use crate::protocol::kinds::ClientKind;

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
    match scan_call_frame(text).or_else(|| parse_call_frame(text)) {
        Some(call) => Ok(call),
        None => parse_general(text),
    }
}

/// [`parse_text_frame`] after the size and depth checks, for every message type.
pub(super) fn parse_general(text: &str) -> Result<Envelope, InboundError> {
    let parsed: Value = serde_json::from_str(text).map_err(|_| InboundError::InvalidJson)?;
    let Value::Object(mut raw) = parsed else {
        return Err(InboundError::NotObject);
    };
    if let Some(payload) = raw.get_mut("payload") {
        sanitize(payload, 0);
    }

    let expect_response = raw
        .get("expectResponse")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let kind = match raw.get("type") {
        Some(Value::String(kind)) => ClientKind::parse(kind),
        _ => return Err(invalid(&raw, reason::MISSING_TYPE)),
    };
    if kind == Some(ClientKind::Ping) {
        return Ok(envelope(&mut raw, expect_response, ClientMessage::Ping));
    }
    check_envelope(&raw).map_err(|why| invalid(&raw, why))?;
    let Some(kind) = kind else {
        return Err(InboundError::UnknownType {
            component_id: take_string(&mut raw, "componentId"),
            request_id: take_string(&mut raw, "requestId"),
        });
    };
    // Moved out before the body is parsed: an upload's body takes the whole frame.
    let component_id = take_string(&mut raw, "componentId");
    let request_id = take_string(&mut raw, "requestId");
    match parse_body(kind, &mut raw, component_id.is_some()) {
        Ok(message) => Ok(Envelope {
            component_id,
            request_id,
            expect_response,
            message,
        }),
        Err(why) => Err(InboundError::invalid(
            why,
            component_id.as_deref(),
            request_id.as_deref(),
        )),
    }
}

/// The envelope of a valid message. Only string ids are ever echoed or kept; they are
/// moved out of the parsed frame (leaving `""`), which is dropped afterwards.
fn envelope(
    raw: &mut Map<String, Value>,
    expect_response: bool,
    message: ClientMessage,
) -> Envelope {
    Envelope {
        component_id: take_string(raw, "componentId"),
        request_id: take_string(raw, "requestId"),
        expect_response,
        message,
    }
}

/// A refused message, echoing its string ids.
fn invalid(raw: &Map<String, Value>, why: &str) -> InboundError {
    let id = |key| raw.get(key).and_then(Value::as_str);
    InboundError::invalid(why, id("componentId"), id("requestId"))
}

/// Takes the value of `key` out of the frame if it is a string (leaving `""` behind).
fn take_string(map: &mut Map<String, Value>, key: &str) -> Option<String> {
    match map.get_mut(key) {
        Some(Value::String(text)) => Some(std::mem::take(text)),
        _ => None,
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
