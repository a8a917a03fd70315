//! Malformed frames over a real socket: each gets the protocol's error reply, the
//! connection stays usable, and the server keeps serving everybody else.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::client::LiveClient;
use live::server::RateLimit;
use live_tests::{connect, mount, next_json, start, test_server, test_server_with};
use serde_json::{Value, json};

async fn reply_to(client: &LiveClient, text: &str) -> Value {
    client
        .send_text(text)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    next_json(client).await
}

async fn still_works(client: &LiveClient) {
    let id = mount(client, "Counter").await;
    assert_eq!(
        client
            .call(&id, "add", json!({"by": 2}))
            .await
            .ok()
            .flatten(),
        Some(json!(2))
    );
}

#[tokio::test]
async fn every_malformed_frame_gets_the_reference_error() {
    let running = start(&test_server()).await;
    let client = connect(&running).await;
    let cases: Vec<(String, Value)> = vec![
        ("{not json".into(), json!({"type": "ERROR", "error": "Invalid JSON"})),
        ("[1,2]".into(), json!({"type": "ERROR", "error": "Invalid message: expected object"})),
        ("42".into(), json!({"type": "ERROR", "error": "Invalid message: expected object"})),
        (
            format!("{}{}", "[".repeat(40), "]".repeat(40)),
            json!({"type": "ERROR", "error": "JSON nesting too deep (max 32)"}),
        ),
        (
            r#"{"type":"NOPE","componentId":"c1","requestId":"r1"}"#.into(),
            json!({"type": "MESSAGE_RESPONSE", "componentId": "c1", "success": false, "error": "Unknown message type", "requestId": "r1"}),
        ),
        (
            r#"{"type":"COMPONENT_PING","componentId":"c1"}"#.into(),
            json!({"type": "MESSAGE_RESPONSE", "componentId": "c1", "success": false, "error": "Unknown message type"}),
        ),
        (
            r#"{"type":"COMPONENT_MOUNT","requestId":"r2"}"#.into(),
            json!({"type": "ERROR", "success": false, "error": "Invalid message: COMPONENT_MOUNT requires payload", "requestId": "r2"}),
        ),
        (
            r#"{"type":"CALL_ACTION","componentId":7,"requestId":"r3","action":"x"}"#.into(),
            json!({"type": "ERROR", "success": false, "error": "Invalid message: componentId must be a string", "requestId": "r3"}),
        ),
        (
            r#"{"type":"CALL_ACTION","componentId":"c1","requestId":"r4"}"#.into(),
            json!({"type": "ERROR", "componentId": "c1", "success": false, "error": "Invalid message: action must be a string", "requestId": "r4"}),
        ),
        (
            r#"{"type":"CALL_ACTION","componentId":"c1","action":"x","expectResponse":"yes"}"#.into(),
            json!({"type": "ERROR", "componentId": "c1", "success": false, "error": "Invalid message: expectResponse must be a boolean"}),
        ),
        (
            r#"{"componentId":"c1"}"#.into(),
            json!({"type": "ERROR", "componentId": "c1", "success": false, "error": "Invalid message: missing type"}),
        ),
        (
            r#"{"type":"CALL_ACTION","componentId":"ghost","action":"x","requestId":"r5","expectResponse":true}"#.into(),
            json!({"type": "ACTION_RESPONSE", "componentId": "ghost", "success": false, "error": "COMPONENT_REHYDRATION_REQUIRED:ghost", "requestId": "r5"}),
        ),
    ];
    for (frame, expected) in cases {
        assert_eq!(reply_to(&client, &frame).await, expected, "frame: {frame}");
    }
    // PING is silent: the next frame is the reply to the following request.
    client
        .send_text(r#"{"type":"PING","requestId":{}}"#)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reply = reply_to(&client, r#"{"type":"NOPE"}"#).await;
    assert_eq!(reply["error"], "Unknown message type");
    still_works(&client).await;
}

/// A `COMPONENT_REHYDRATE` is checked in two places (the frame's fields, then the signed
/// state's shape where the rehydration runs): the refusals keep upstream's order and frame,
/// key order included.
#[tokio::test]
async fn rehydrate_refusals_keep_the_validation_order() {
    let running = start(&test_server()).await;
    let client = connect(&running).await;
    let good =
        json!({"data": "d", "signature": "s", "timestamp": 1.5, "version": 1, "componentId": "c"});
    let cases = [
        (
            json!({"component": "Counter", "signedState": {"data": 1}, "room": 1}),
            "payload.signedState is malformed",
        ),
        (
            json!({"component": "Counter", "userId": 1}),
            "payload.signedState is malformed",
        ),
        (
            json!({"component": "Counter", "signedState": good, "room": 1, "userId": 1}),
            "payload.room must be a string",
        ),
        (
            json!({"component": "Counter", "signedState": good, "userId": 1}),
            "payload.userId must be a string",
        ),
    ];
    for (payload, reason) in cases {
        let frame = json!({"type": "COMPONENT_REHYDRATE", "componentId": "c1", "requestId": "r1", "payload": payload});
        let expected = json!({"type": "ERROR", "componentId": "c1", "success": false,
            "error": format!("Invalid message: {reason}"), "requestId": "r1"});
        let reply = reply_to(&client, &frame.to_string()).await;
        assert_eq!(reply.to_string(), expected.to_string(), "frame: {frame}");
    }
    still_works(&client).await;
}

#[tokio::test]
async fn oversized_and_binary_frames_are_refused_without_closing() {
    let server = test_server_with(live::LiveServer::builder().max_message_bytes(1024));
    let running = start(&server).await;
    let client = connect(&running).await;
    let big = format!(r#"{{"type":"PING","pad":"{}"}}"#, "x".repeat(2000));
    assert_eq!(
        reply_to(&client, &big).await,
        json!({"type": "ERROR", "error": "Message too large"})
    );
    client
        .send_binary(vec![0_u8, 1, 2, 3])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // A binary frame is an upload chunk (§15); this one's header length is out of range.
    assert_eq!(
        next_json(&client).await,
        json!({"type": "ERROR", "error": "Invalid upload chunk frame: header length out of range"})
    );
    client
        .send_binary(vec![0_u8; 1500])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        next_json(&client).await,
        json!({"type": "ERROR", "error": "Message too large"})
    );
    still_works(&client).await;
}

#[tokio::test]
async fn a_flood_is_rate_limited_and_other_clients_are_unaffected() {
    let limit = RateLimit {
        max_tokens: 20,
        refill_per_second: 1.0,
    };
    let server = test_server_with(live::LiveServer::builder().rate_limit(Some(limit)));
    let running = start(&server).await;
    let flooder = connect(&running).await;
    let bystander = connect(&running).await;
    for _ in 0..60 {
        flooder
            .send_text(r#"{"type":"PING"}"#)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let first = next_json(&flooder).await;
    assert_eq!(
        first,
        json!({"type": "ERROR", "error": "Rate limit exceeded"})
    );
    still_works(&bystander).await;
}
