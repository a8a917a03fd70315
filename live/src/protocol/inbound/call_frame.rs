//! The hot path of [`parse_text_frame`](super::parse_text_frame): a well-formed
//! `CALL_ACTION` read straight into its fields, without building a JSON tree for the
//! envelope (one map, its keys and a hash lookup per field otherwise).
//!
//! It accepts only what the general path would accept with the same result: every
//! envelope field of the right type, `componentId` and `action` strings. Anything else
//! (another type, a wrong field type, a duplicate key) is left to the general path,
//! which gives the exact refusal.

use serde::de::{Deserialize, Deserializer};
use serde_json::Value;

use super::message::{ClientMessage, Envelope};
use super::sanitize::sanitize;
use crate::protocol::kinds::ClientKind;

/// A `CALL_ACTION` frame's fields; the envelope fields Live does not use are read only
/// to check their types.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallFrame<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    component_id: String,
    action: String,
    #[serde(default)]
    payload: Option<Value>,
    #[serde(default)]
    request_id: Present<String>,
    #[serde(default)]
    expect_response: Present<bool>,
    #[serde(rename = "responseId", default)]
    _response_id: Present<String>,
    #[serde(rename = "timestamp", default)]
    _timestamp: Present<f64>,
    #[serde(rename = "userId", default)]
    _user_id: Present<String>,
    #[serde(rename = "room", default)]
    _room: Present<String>,
}

/// An optional field that, when present, must have type `T`: unlike `Option<T>`, a JSON
/// `null` does not count as absent (the general path refuses `"requestId": null`).
#[derive(Debug, Default)]
enum Present<T> {
    #[default]
    Absent,
    Is(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Present<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Present::Is)
    }
}

impl<T> Present<T> {
    fn into_option(self) -> Option<T> {
        match self {
            Self::Absent => None,
            Self::Is(value) => Some(value),
        }
    }
}

/// The envelope of `text` if it is a well-formed `CALL_ACTION`; `None` sends it down the
/// general path. The caller has checked the size and depth limits.
pub(super) fn parse_call_frame(text: &str) -> Option<Envelope> {
    let frame: CallFrame<'_> = serde_json::from_str(text).ok()?;
    if ClientKind::parse(&frame.kind) != Some(ClientKind::CallAction) {
        return None;
    }
    let CallFrame {
        component_id,
        action,
        payload,
        request_id,
        expect_response,
        ..
    } = frame;
    let mut payload = payload.unwrap_or(Value::Null);
    sanitize(&mut payload, 0);
    Some(Envelope {
        component_id: Some(component_id),
        request_id: request_id.into_option(),
        expect_response: expect_response.into_option().unwrap_or(false),
        message: ClientMessage::CallAction { action, payload },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::protocol::inbound::frame::parse_general;

    /// Frames the hot path takes: each must give exactly what the general path gives.
    const TAKEN: &[&str] = &[
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"add","payload":{"n":1},"requestId":"r1","expectResponse":true}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"add"}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"add","payload":null,"expectResponse":false}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"","payload":[1,{"__proto__":1,"a":2}],"timestamp":1.5,"userId":"u","room":"x","responseId":"s","extra":{"k":[]}}"#,
        r#"{"action":"a\n\u00e9","payload":{"constructor":{"x":1},"y":"z"},"componentId":"c\"1","type":"CALL_ACTION","timestamp":17958165135490000000000}"#,
    ];

    /// Frames it leaves to the general path (which refuses or routes them).
    const LEFT: &[&str] = &[
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"add","requestId":null}"#,
        r#"{"type":"CALL_ACTION","componentId":null,"action":"add"}"#,
        r#"{"type":"CALL_ACTION","action":"add"}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":7}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a","expectResponse":"yes"}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a","timestamp":"now"}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a","room":1}"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","componentId":"c2","action":"a"}"#,
        r#"{"type":"COMPONENT_MOUNT","componentId":"c1","action":"a","payload":{"component":"X"}}"#,
        r#"{"type":"PING","componentId":"c1","action":"a"}"#,
        r#"[{"type":"CALL_ACTION","componentId":"c1","action":"a"}]"#,
        r#"{"type":"CALL_ACTION","componentId":"c1","action":"a"} x"#,
    ];

    #[test]
    fn takes_well_formed_calls_as_the_general_path_reads_them() {
        for text in TAKEN {
            let fast = parse_call_frame(text).unwrap_or_else(|| panic!("not taken: {text}"));
            let general = parse_general(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(fast, general, "{text}");
        }
    }

    #[test]
    fn leaves_everything_else_to_the_general_path() {
        for text in LEFT {
            assert!(parse_call_frame(text).is_none(), "taken: {text}");
        }
    }

    #[test]
    fn sanitizes_the_payload() {
        let text = r#"{"type":"CALL_ACTION","componentId":"c","action":"a","payload":{"__proto__":{"x":1},"ok":true}}"#;
        let Some(Envelope {
            message: ClientMessage::CallAction { payload, .. },
            ..
        }) = parse_call_frame(text)
        else {
            panic!("not taken");
        };
        assert_eq!(payload, serde_json::json!({"ok": true}));
    }
}
