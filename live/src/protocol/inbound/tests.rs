//! Inbound validation tests: every §3 reply, byte for byte, and properties of the parser.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::message::FileUploadKind;
use super::*;
use crate::protocol::depth::nesting_exceeds;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

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
    assert_eq!(
        envelope.message,
        ClientMessage::Rehydrate {
            component: "Counter".into(),
            signed_state: signed_state(),
            room: Ok(Some("lobby".into())),
        }
    );
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

/// The shape check itself is the signed-state code's (`SignedStateWire::from_json`); the
/// message carries the value as sent, and the runtime refuses a malformed one with this.
#[test]
fn rehydrate_carries_the_signed_state_as_sent() {
    for (payload, expected) in [
        (
            json!({"component": "Counter", "signedState": {"data": 1}}),
            json!({"data": 1}),
        ),
        (
            json!({"component": "Counter", "signedState": "x"}),
            json!("x"),
        ),
        (json!({"component": "Counter"}), Value::Null),
    ] {
        let text = json!({"type": "COMPONENT_REHYDRATE", "componentId": "c1", "requestId": "r1",
            "payload": payload})
        .to_string();
        let ClientMessage::Rehydrate { signed_state, .. } = message(&text) else {
            panic!("not a rehydrate: {text}")
        };
        assert_eq!(signed_state, expected, "{text}");
    }
    assert_eq!(
        InboundError::malformed_signed_state(Some("c1"), Some("r1"))
            .reply()
            .to_string(),
        invalid_c1_r1("payload.signedState is malformed")
    );
    assert_eq!(
        InboundError::malformed_signed_state(None, None)
            .reply()
            .to_string(),
        r#"{"type":"ERROR","success":false,"error":"Invalid message: payload.signedState is malformed"}"#
    );
}

/// `payload.room` and `payload.userId` are refused only after the signed state's shape
/// check (upstream's order), so their reason waits in the message.
#[test]
fn rehydrate_room_and_user_id() {
    for (field, why) in [
        ("room", "payload.room must be a string"),
        ("userId", "payload.userId must be a string"),
    ] {
        for state in [signed_state(), json!({"data": 1})] {
            let text =
                json!({"type": "COMPONENT_REHYDRATE", "componentId": "c1", "requestId": "r1",
                "payload": {"component": "Counter", "signedState": state, field: 1}})
                .to_string();
            let ClientMessage::Rehydrate { room, .. } = message(&text) else {
                panic!("not a rehydrate: {text}")
            };
            assert_eq!(room, Err(why), "{text}");
            assert_eq!(
                InboundError::invalid(why, Some("c1"), Some("r1"))
                    .reply()
                    .to_string(),
                invalid_c1_r1(why)
            );
        }
    }
    let text = json!({"type": "COMPONENT_REHYDRATE", "componentId": "c1",
        "payload": {"component": "Counter", "signedState": signed_state(), "room": 1, "userId": 2}})
    .to_string();
    let ClientMessage::Rehydrate { room, .. } = message(&text) else {
        panic!("not a rehydrate")
    };
    assert_eq!(room, Err("payload.room must be a string"));
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
    let envelope =
        parse(r#"{"type":"AUTH","payload":{"token":"eyJ"},"requestId":"X","expectResponse":true}"#)
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
        message(r#"{"type":"ROOM_EMIT","componentId":"Zp","roomId":"r","payload":{"event":"e"}}"#),
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
    let envelope =
        parse(r#"{"type":"FILE_UPLOAD_START","constructor":"x","payload":{"constructor":"y"}}"#)
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
