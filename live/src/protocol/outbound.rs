//! Server → client frames, encoded to JSON bytes once.
//!
//! Fields that the reference leaves `undefined` are omitted, never sent as `null`: several
//! client checks are `=== undefined`.

use super::json_out::write_frame;
use super::kinds::ServerKind;
use super::refusal::Refusal;
use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

/// Encodes a frame. Encoding `Value`s and our own structs cannot fail; if it ever did, the
/// client gets a generic `ERROR` instead of a broken frame.
pub(crate) fn encode(frame: &impl Serialize) -> Bytes {
    written(write_frame(|out| out.value(frame)))
}

/// The frame, or [`encoding_failed`] (logged) if writing it failed.
fn written(frame: serde_json::Result<Bytes>) -> Bytes {
    frame.unwrap_or_else(|error| {
        tracing::error!(%error, "failed to encode an outbound frame");
        encoding_failed()
    })
}

/// What [`encode`] sends if encoding fails: an `ERROR` with [`Refusal::InternalEncoding`],
/// written by hand (neither text needs escaping).
fn encoding_failed() -> Bytes {
    Bytes::from(format!(
        r#"{{"type":"{}","error":"{}"}}"#,
        ServerKind::Error,
        Refusal::InternalEncoding
    ))
}

/// A reply to a client request (`MESSAGE_RESPONSE`, `ACTION_RESPONSE`, `ERROR`, ...),
/// written by [`Reply::encode`] with its fields in this order, each `None` left out.
#[derive(Debug, Default)]
pub(crate) struct Reply<'a> {
    /// The message type (a [`ServerKind`]'s wire string).
    pub(crate) kind: &'a str,
    /// The component the request named (echoed).
    pub(crate) component_id: Option<&'a str>,
    pub(crate) success: Option<bool>,
    pub(crate) result: Option<&'a Value>,
    pub(crate) error: Option<&'a str>,
    pub(crate) payload: Option<&'a Value>,
    /// The request's id (echoed).
    pub(crate) request_id: Option<&'a str>,
}

impl<'a> Reply<'a> {
    /// A successful reply of `kind`.
    pub(crate) fn success(
        kind: ServerKind,
        component_id: Option<&'a str>,
        request_id: Option<&'a str>,
    ) -> Self {
        Self {
            kind: kind.as_str(),
            component_id,
            success: Some(true),
            request_id,
            ..Self::default()
        }
    }

    /// A failed reply of `kind` with `error`.
    pub(crate) fn failure(
        kind: ServerKind,
        component_id: Option<&'a str>,
        error: &'a str,
        request_id: Option<&'a str>,
    ) -> Self {
        Self {
            kind: kind.as_str(),
            component_id,
            success: Some(false),
            error: Some(error),
            request_id,
            ..Self::default()
        }
    }

    /// A reply of `kind` that carries `payload` (and no `success`), e.g. `ROOM_STATE`.
    pub(crate) fn with_payload(
        kind: ServerKind,
        component_id: Option<&'a str>,
        payload: &'a Value,
        request_id: Option<&'a str>,
    ) -> Self {
        Self {
            kind: kind.as_str(),
            component_id,
            payload: Some(payload),
            request_id,
            ..Self::default()
        }
    }

    pub(crate) fn with_result(mut self, result: Option<&'a Value>) -> Self {
        self.result = result;
        self
    }

    /// The reply's JSON, written by hand: replies go out for every call.
    pub(crate) fn encode(&self) -> Bytes {
        written(write_frame(|out| {
            out.raw(r#"{"type":"#);
            out.string(self.kind);
            if let Some(component_id) = self.component_id {
                out.raw(r#","componentId":"#);
                out.string(component_id);
            }
            match self.success {
                Some(true) => out.raw(r#","success":true"#),
                Some(false) => out.raw(r#","success":false"#),
                None => {}
            }
            if let Some(result) = self.result {
                out.raw(r#","result":"#);
                out.value(result)?;
            }
            if let Some(error) = self.error {
                out.raw(r#","error":"#);
                out.string(error);
            }
            if let Some(payload) = self.payload {
                out.raw(r#","payload":"#);
                out.value(payload)?;
            }
            if let Some(request_id) = self.request_id {
                out.raw(r#","requestId":"#);
                out.string(request_id);
            }
            out.raw("}");
            Ok(())
        }))
    }
}

/// A connection-level `ERROR` without component or request (rate limit, size, JSON errors).
pub(crate) fn connection_error(error: &str) -> Bytes {
    Reply {
        kind: ServerKind::Error.as_str(),
        error: Some(error),
        ..Reply::default()
    }
    .encode()
}

/// `CONNECTION_ESTABLISHED`, the first frame of every connection.
pub(crate) fn connection_established(connection_id: &str) -> Bytes {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Established<'a> {
        #[serde(rename = "type")]
        kind: ServerKind,
        connection_id: &'a str,
    }
    encode(&Established {
        kind: ServerKind::ConnectionEstablished,
        connection_id,
    })
}

/// A component-originated frame: `{type, componentId, payload}`.
#[derive(Debug)]
pub(crate) struct ComponentEvent<'a, P: Serialize> {
    /// The event type (`STATE_UPDATE`, `STATE_DELTA`, `ERROR`, or a custom one).
    pub(crate) kind: &'a str,
    pub(crate) component_id: &'a str,
    /// The event's payload.
    pub(crate) payload: P,
}

impl<P: Serialize> ComponentEvent<'_, P> {
    /// The frame's JSON, its envelope written by hand: a delta goes out for every change.
    pub(crate) fn encode(&self) -> Bytes {
        written(write_frame(|out| {
            out.raw(r#"{"type":"#);
            out.string(self.kind);
            out.raw(r#","componentId":"#);
            out.string(self.component_id);
            out.raw(r#","payload":"#);
            out.value(&self.payload)?;
            out.raw("}");
            Ok(())
        }))
    }
}

/// `STATE_UPDATE`: the full state, with a fresh signature when there is one.
pub(crate) fn state_update(component_id: &str, state: &Value, signed: Option<&Value>) -> Bytes {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Payload<'a> {
        state: &'a Value,
        #[serde(skip_serializing_if = "Option::is_none")]
        signed_state: Option<&'a Value>,
    }
    ComponentEvent {
        kind: ServerKind::StateUpdate.as_str(),
        component_id,
        payload: Payload {
            state,
            signed_state: signed,
        },
    }
    .encode()
}

/// `STATE_REHYDRATED`: a component recreated from a signed state on a new id (§5.4).
pub(crate) fn state_rehydrated(
    component_id: &str,
    state: &Value,
    signed: &Value,
    old_id: &str,
) -> Bytes {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Payload<'a> {
        state: &'a Value,
        signed_state: &'a Value,
        old_component_id: &'a str,
        new_component_id: &'a str,
    }
    ComponentEvent {
        kind: ServerKind::StateRehydrated.as_str(),
        component_id,
        payload: Payload {
            state,
            signed_state: signed,
            old_component_id: old_id,
            new_component_id: component_id,
        },
    }
    .encode()
}

/// `STATE_SIGNATURE`: a renewed signature of the current state (§8.5).
pub(crate) fn state_signature(component_id: &str, signed: &Value) -> Bytes {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Payload<'a> {
        signed_state: &'a Value,
    }
    ComponentEvent {
        kind: ServerKind::StateSignature.as_str(),
        component_id,
        payload: Payload {
            signed_state: signed,
        },
    }
    .encode()
}

/// `STATE_DELTA`: what changed since the last frame.
pub(crate) fn state_delta<D: Serialize>(component_id: &str, delta: &D) -> Bytes {
    #[derive(Serialize)]
    struct Payload<'a, D> {
        delta: &'a D,
    }
    ComponentEvent {
        kind: ServerKind::StateDelta.as_str(),
        component_id,
        payload: Payload { delta },
    }
    .encode()
}

/// A component `ERROR` event, `{action, error}`, sent before a failed action's reply.
pub(crate) fn component_error(component_id: &str, action: &str, error: &str) -> Bytes {
    #[derive(Serialize)]
    struct Payload<'a> {
        action: &'a str,
        error: &'a str,
    }
    ComponentEvent {
        kind: ServerKind::Error.as_str(),
        component_id,
        payload: Payload { action, error },
    }
    .encode()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(bytes: &Bytes) -> Value {
        serde_json::from_slice(bytes).unwrap_or(Value::Null)
    }

    #[test]
    fn absent_fields_are_omitted_not_null() {
        let frame = Reply::success(ServerKind::MessageResponse, Some("c1"), None).encode();
        assert_eq!(
            parse(&frame),
            json!({"type": "MESSAGE_RESPONSE", "componentId": "c1", "success": true})
        );
    }

    #[test]
    fn failure_carries_error_and_request_id() {
        let frame =
            Reply::failure(ServerKind::ActionResponse, Some("c1"), "boom", Some("r1")).encode();
        assert_eq!(
            parse(&frame),
            json!({"type": "ACTION_RESPONSE", "componentId": "c1", "success": false, "error": "boom", "requestId": "r1"})
        );
    }

    #[test]
    fn replies_and_events_are_written_in_field_order_and_escaped() {
        let result = json!({"n": [1, "x"]});
        let payload = json!(null);
        let reply = Reply {
            kind: "K",
            component_id: Some("c\"1"),
            success: Some(false),
            result: Some(&result),
            error: Some("line\nbreak"),
            payload: Some(&payload),
            request_id: Some("r\\1"),
        };
        assert_eq!(
            reply.encode(),
            &br#"{"type":"K","componentId":"c\"1","success":false,"result":{"n":[1,"x"]},"error":"line\nbreak","payload":null,"requestId":"r\\1"}"#[..]
        );
        let event = ComponentEvent {
            kind: "my:event",
            component_id: "c1",
            payload: json!({"a": "é"}),
        };
        assert_eq!(
            event.encode(),
            r#"{"type":"my:event","componentId":"c1","payload":{"a":"é"}}"#.as_bytes()
        );
    }

    #[test]
    fn the_encoding_fallback_is_an_internal_encoding_error() {
        let expected = json!({"type": "ERROR", "error": Refusal::InternalEncoding.text()});
        assert_eq!(parse(&encoding_failed()), expected);
    }

    #[test]
    fn state_frames_have_the_reference_shape() {
        assert_eq!(
            parse(&state_delta("c1", &json!({"count": 5}))),
            json!({"type": "STATE_DELTA", "componentId": "c1", "payload": {"delta": {"count": 5}}})
        );
        assert_eq!(
            parse(&state_update("c1", &json!({"count": 0}), None)),
            json!({"type": "STATE_UPDATE", "componentId": "c1", "payload": {"state": {"count": 0}}})
        );
        assert_eq!(
            parse(&connection_established("abc")),
            json!({"type": "CONNECTION_ESTABLISHED", "connectionId": "abc"})
        );
    }
}
