//! Binary component deltas (`#[live_component(binary_delta)]`, §8.6–8.7) over a real socket:
//! the 0x01 frame, the JSON rest, their order, and the state a client ends up with.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::LiveComponent;
use live::client::{LiveClient, ServerFrame, decode_binary_delta};
use live::security::StateSigningConfig;
use live_tests::binary::{Telemetry, TelemetryJson};
use live_tests::{connect, frames_until, mount, start, test_server_with};
use serde_json::{Value, json};
use std::time::Duration;

fn server() -> live::LiveServer {
    let mut config = live::LiveConfig::default();
    config.state_signing = StateSigningConfig::default();
    config.state_signing.secret = Some("binary".to_owned());
    config.state_signing.renew_interval = Duration::from_millis(20);
    // Hundreds of calls back to back: no per-connection frame budget.
    config.rate_limit = None;
    test_server_with(
        live::LiveServer::builder()
            .config(config)
            .component::<Telemetry>()
            .component::<TelemetryJson>(),
    )
}

/// Calls `step(seed)` and returns the frames before its reply, then the reply.
async fn step(client: &LiveClient, id: &str, seed: u64) -> (Vec<ServerFrame>, Value) {
    client
        .send_json(
            &json!({"type": "CALL_ACTION", "componentId": id, "action": "step",
            "payload": {"seed": seed}, "requestId": format!("s{seed}"), "expectResponse": true}),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut before = Vec::new();
    loop {
        match client.next_frame().await.unwrap_or_else(|e| panic!("{e}")) {
            ServerFrame::Json(frame) if frame["requestId"] == format!("s{seed}").as_str() => {
                return (before, frame);
            }
            ServerFrame::Json(frame) if frame["type"] == "STATE_SIGNATURE" => {}
            other => before.push(other),
        }
    }
}

#[tokio::test]
async fn an_action_sends_a_binary_frame_then_the_json_rest_then_the_reply() {
    let running = start(&server()).await;
    let client = connect(&running).await;
    let id = mount(&client, "Telemetry").await;
    client.decode_binary_deltas(&id, Telemetry::BINARY_FIELDS);

    // health (bit 0), alive (bit 8), tags (bit 12): two binary keys, one JSON key.
    let seed = 1 | 1 << 8 | 1 << 12;
    let (frames, reply) = step(&client, &id, seed).await;
    assert_eq!(reply["type"], "ACTION_RESPONSE");
    assert_eq!(reply["success"], true);
    let [ServerFrame::Binary(binary), ServerFrame::Json(rest)] = frames.as_slice() else {
        panic!("expected a binary frame, then a JSON delta: {frames:?}");
    };
    assert_eq!(binary[0], 0x01);
    assert_eq!(binary[1] as usize, id.len());
    let (to, delta) =
        decode_binary_delta(binary, Telemetry::BINARY_FIELDS).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(to, id);
    assert_eq!(delta, json!({"health": 1, "alive": true}));
    assert_eq!(
        *rest,
        json!({"type": "STATE_DELTA", "componentId": id, "payload": {"delta": {"tags": ["t1"]}}})
    );

    // Only codec fields changed: no JSON delta at all.
    let (frames, _) = step(&client, &id, 1 << 2).await;
    assert!(
        matches!(frames.as_slice(), [ServerFrame::Binary(_)]),
        "{frames:?}"
    );
    // Only JSON fields changed: no binary frame.
    let (frames, _) = step(&client, &id, 1 << 13).await;
    assert!(
        matches!(frames.as_slice(), [ServerFrame::Json(delta)] if delta["type"] == "STATE_DELTA"),
        "{frames:?}"
    );
    let state = client.state(&id).unwrap_or_default();
    assert_eq!(state["health"], 1);
    assert_eq!(state["score"], 5);
    assert_eq!(state["position"], json!({"x": 1.5, "y": 0.0}));
}

#[tokio::test]
async fn binary_deltas_leave_the_client_with_the_state_json_deltas_give() {
    let running = start(&server()).await;
    let client = connect(&running).await;
    let binary = mount(&client, "Telemetry").await;
    let plain = mount(&client, "TelemetryJson").await;
    client.decode_binary_deltas(&binary, Telemetry::BINARY_FIELDS);
    assert!(TelemetryJson::BINARY_FIELDS.is_empty());

    // A fixed pseudo-random walk over every field, the out-of-range values included.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut binary_frames = 0;
    for _ in 0..200 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let (frames, reply) = step(&client, &binary, seed).await;
        assert_eq!(reply["success"], true, "{reply}");
        binary_frames += frames
            .iter()
            .filter(|frame| matches!(frame, ServerFrame::Binary(_)))
            .count();
        let (frames, _) = step(&client, &plain, seed).await;
        assert!(
            frames
                .iter()
                .all(|frame| matches!(frame, ServerFrame::Json(_))),
            "{frames:?}"
        );
        let (got, want) = (client.state(&binary), client.state(&plain));
        if got != want {
            panic!("seed {seed}: {}", differences(&got, &want));
        }
    }
    assert!(binary_frames > 150, "{binary_frames} binary frames");
    let state = client.state(&binary).unwrap_or_default();
    assert!(state["ticks"].is_u64(), "{state}");
    assert!(state["hp"].is_i64(), "{state}");
}

#[tokio::test]
async fn a_binary_delta_component_rehydrates_from_its_signed_full_state() {
    let running = start(&server()).await;
    let first = connect(&running).await;
    let old_id = mount(&first, "Telemetry").await;
    first.decode_binary_deltas(&old_id, Telemetry::BINARY_FIELDS);
    let seed = 1 | 1 << 9 | 1 << 12;
    step(&first, &old_id, seed).await;
    let signed = first
        .next_of_type("STATE_SIGNATURE")
        .await
        .unwrap_or_else(|e| panic!("{e}"))["payload"]["signedState"]
        .clone();
    let expected = first.state(&old_id).unwrap_or_default();
    first.close().await;

    let second = connect(&running).await;
    let reply = second
        .request(json!({"type": "COMPONENT_REHYDRATE", "componentId": old_id,
            "payload": {"component": "Telemetry", "signedState": signed}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reply["success"], true, "{reply}");
    let (before, _) = frames_until(&second, "COMPONENT_REHYDRATED").await;
    let restored = before
        .iter()
        .find(|frame| frame["type"] == "STATE_REHYDRATED")
        .cloned()
        .unwrap_or_default();
    assert_eq!(restored["payload"]["state"], expected);
    assert_eq!(restored["payload"]["state"]["tags"], json!(["t1"]));
}

/// The top-level keys where two states differ, with both values (strings cut short).
fn differences(got: &Option<Value>, want: &Option<Value>) -> String {
    let short = |value: &Value| value.to_string().chars().take(60).collect::<String>();
    let empty = serde_json::Map::new();
    let got = got.as_ref().and_then(Value::as_object).unwrap_or(&empty);
    let want = want.as_ref().and_then(Value::as_object).unwrap_or(&empty);
    let keys = got.keys().chain(want.keys());
    keys.filter(|key| got.get(*key) != want.get(*key))
        .map(|key| {
            let show = |state: &serde_json::Map<String, Value>| {
                state.get(key).map_or("(missing)".to_owned(), short)
            };
            format!("{key}: binary {} vs JSON {}", show(got), show(want))
        })
        .collect::<Vec<_>>()
        .join("; ")
}
