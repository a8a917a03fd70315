//! The frame and its envelope (§3 steps 3–9 up to the per-type shape): size, depth,
//! JSON, object, sanitizing, `type` and the optional envelope fields' types.

use serde_json::{Map, Value};

use super::body::parse_body;
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
    let invalid = |reason: &str| {
        InboundError::invalid(reason, component_id.as_deref(), request_id.as_deref())
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
