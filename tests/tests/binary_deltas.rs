//! Binary component deltas (`#[live_component(binary_delta)]`, §8.6–8.7) over a real socket:
//! the 0x01 frame, the JSON rest, their order, and the state a client ends up with.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::LiveComponent;
use live::client::{LiveClient, ServerFrame, decode_binary_delta};
use live::cluster::InProcessCluster;
use live::security::StateSigningConfig;
use live_tests::binary::{SharedTelemetry, Telemetry, TelemetryJson};
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

#[tokio::test]
async fn every_viewer_of_a_singleton_and_of_its_cluster_proxy_gets_the_binary_delta() {
    let first =
        InProcessCluster::new().with_timing(Duration::from_secs(2), Duration::from_millis(200));
    let second = first.join();
    let member = |cluster: &InProcessCluster| {
        live::LiveServer::builder()
            .cluster(cluster.clone())
            .component::<SharedTelemetry>()
            .build()
            .unwrap_or_else(|error| panic!("{error}"))
    };
    let (owner, proxy) = (member(&first), member(&second));
    let owner = start(&owner).await;
    let proxy = start(&proxy).await;
    let alice = connect(&owner).await;
    let carol = connect(&owner).await;
    let bob = connect(&proxy).await;
    let mut id = String::new();
    for client in [&alice, &carol, &bob] {
        id = mount(client, "SharedTelemetry").await;
        client.decode_binary_deltas(&id, SharedTelemetry::BINARY_FIELDS);
    }

    // Called through the proxy; health and alive travel only in binary frames.
    let seed = 1 | 1 << 8 | 1 << 12;
    bob.call(&id, "step", json!({"seed": seed}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for client in [&alice, &carol, &bob] {
        let state = client
            .wait_for_state(&id, |state| {
                state["health"] == 1 && state["alive"] == true && state["tags"] == json!(["t1"])
            })
            .await;
        assert!(
            state.is_ok(),
            "{:?}",
            client.state(&id).map(|s| s.to_string())
        );
        let mut binary = None;
        for _ in 0..16 {
            if let Ok(ServerFrame::Binary(bytes)) = client.next_frame().await {
                binary = Some(bytes);
                break;
            }
        }
        let binary = binary.unwrap_or_else(|| panic!("no binary frame"));
        let decoded = decode_binary_delta(&binary, SharedTelemetry::BINARY_FIELDS);
        assert_eq!(
            decoded.ok(),
            Some((id.clone(), json!({"health": 1, "alive": true})))
        );
    }
}

/// The component id every frame of the browser fixture carries (the server's ids are random).
const FIXTURE_ID: &str = "fixture1";

/// Records, over a real socket, the frames 120 `step`s of `Telemetry` produce (binary
/// frame as sent, with the id swapped for [`FIXTURE_ID`], and the JSON rest) next to the
/// JSON-only delta of `TelemetryJson`; `clients/client/test/binary-delta.test.ts` replays them
/// through `@live/client`. The committed file must be what the server sends today: run with
/// `UPDATE_EXPECT=1` to rewrite it after an intended change.
#[tokio::test]
async fn the_browser_fixture_holds_the_frames_the_server_sends() {
    let running = start(&server()).await;
    let client = connect(&running).await;
    let binary = mount(&client, "Telemetry").await;
    let plain = mount(&client, "TelemetryJson").await;
    let initial = client.state(&binary).unwrap_or_default();
    let mut steps = Vec::new();
    // A few chosen changes (JSON only, binary only, a u64 past 2^53), then a seeded walk.
    let chosen = [
        1 << 12,
        1 << 13 | 1 << 12,
        1 << 2,
        1 << 10 | 1 << 20,
        1 << 9 | 1 << 11,
    ];
    let mut walk: u64 = 0x2545_f491_4f6c_dd1d;
    let random = std::iter::repeat_with(move || {
        walk ^= walk << 13;
        walk ^= walk >> 7;
        walk ^= walk << 17;
        // Not bit 14 (a 70,000-byte name), and bit 12 (a growing array) one step in
        // four: the fixture stays small.
        let rare = if walk & 1 << 30 == 0 { 1 << 12 } else { 0 };
        walk & !(1 << 14) & !rare
    });
    for seed in chosen.into_iter().chain(random).take(120) {
        let (frames, _) = step(&client, &binary, seed).await;
        let mut frame = Value::Null;
        let mut rest = Value::Null;
        for received in frames {
            match received {
                ServerFrame::Binary(bytes) => {
                    let (to, _) = decode_binary_delta(&bytes, Telemetry::BINARY_FIELDS)
                        .unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!(to, binary);
                    let mut bytes = bytes.to_vec();
                    bytes.splice(2..2 + binary.len(), FIXTURE_ID.bytes());
                    frame = Value::from(hex(&bytes));
                }
                ServerFrame::Json(delta) => rest = delta["payload"]["delta"].clone(),
                ServerFrame::Closed { .. } => panic!("closed"),
            }
        }
        let (frames, _) = step(&client, &plain, seed).await;
        let json = match frames.as_slice() {
            [ServerFrame::Json(delta)] => delta["payload"]["delta"].clone(),
            [] => Value::Null,
            other => panic!("{other:?}"),
        };
        steps.push(json!({"seed": seed.to_string(), "binary": frame, "rest": rest, "json": json}));
    }
    let fields: Vec<Value> = Telemetry::BINARY_FIELDS
        .iter()
        .map(|field| json!([field.name(), field.wire().name()]))
        .collect();
    let fixture = json!({
        "note": "Written by tests/tests/binary_deltas.rs from what a Live server sent; do not edit.",
        "component": "Telemetry",
        "componentId": FIXTURE_ID,
        "fields": fields,
        "initial": initial,
    });
    // One line per field of the header and per step: small, and diffs read step by step.
    let line = |value: &Value| serde_json::to_string(value).unwrap_or_default();
    let header: Vec<String> = fixture
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| format!("  {}: {}", line(&json!(key)), line(value)))
        .collect();
    let steps: Vec<String> = steps
        .iter()
        .map(|step| format!("    {}", line(step)))
        .collect();
    let text = format!(
        "{{\n{},\n  \"steps\": [\n{}\n  ]\n}}\n",
        header.join(",\n"),
        steps.join(",\n")
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../clients/client/test/fixtures/binary-deltas.json");
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|value| value == "1") {
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} is stale: run `UPDATE_EXPECT=1 cargo test -p live-tests --test binary_deltas` \
         and commit it",
        path.display()
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Bytes on the wire per delta, binary frame against the JSON `STATE_DELTA` of the same
/// change (the JSON frame re-serialized as the server writes it), for typical changes of
/// `Telemetry`. Prints the table docs/protocol.md quotes.
#[tokio::test]
async fn binary_delta_sizes() {
    let running = start(&server()).await;
    let client = connect(&running).await;
    let binary = mount(&client, "Telemetry").await;
    let plain = mount(&client, "TelemetryJson").await;
    let cases: [(&str, u64); 5] = [
        ("one u32 counter (`score`)", 1 << 2),
        ("a bool (`alive`)", 1 << 8),
        ("two floats (`speed` f32, `heading` f64)", 1 << 6 | 1 << 7),
        ("a short string (`playerName`)", 1 << 9),
        ("all 12 codec fields", 0xfff | 0x7_6543 << 21),
    ];
    println!("| change | binary frame | JSON `STATE_DELTA` | binary / JSON |");
    println!("|---|---|---|---|");
    for (what, seed) in cases {
        let (frames, _) = step(&client, &binary, seed).await;
        let binary_bytes: usize = frames
            .iter()
            .map(|frame| match frame {
                ServerFrame::Binary(bytes) => bytes.len(),
                other => panic!("expected only a binary frame: {other:?}"),
            })
            .sum();
        let (frames, _) = step(&client, &plain, seed).await;
        let json_bytes: usize = frames
            .iter()
            .map(|frame| match frame {
                ServerFrame::Json(delta) => serde_json::to_string(delta).map_or(0, |s| s.len()),
                other => panic!("expected a JSON delta: {other:?}"),
            })
            .sum();
        assert!(binary_bytes > 0 && binary_bytes < json_bytes, "{what}");
        #[allow(clippy::cast_precision_loss)]
        let ratio = binary_bytes as f64 / json_bytes as f64;
        println!("| {what} | {binary_bytes} B | {json_bytes} B | {ratio:.2} |");
    }
}
