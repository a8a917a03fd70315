//! Rooms end to end: typed rooms (binary frames, typed handlers, hooks) and untyped rooms
//! (client ROOM_* messages, JSON frames), through `live::testing`: the real runtime in
//! process (the frames are the ones a socket would carry; the transports have their own
//! suites).

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::LiveServer;
use live::client::{ClientError, LiveClient, RoomFrameKind};
use live::testing::TestServer;
use live_tests::{eventually, frames_until, mount, test_server, test_server_with};
use serde_json::{Value, json};
use std::time::Duration;

async fn call(
    client: &LiveClient,
    id: &str,
    action: &str,
    payload: Value,
) -> Result<Option<Value>, String> {
    client
        .call(id, action, payload)
        .await
        .map_err(|error| match error {
            ClientError::Server { message, .. } => message,
            other => other.to_string(),
        })
}

/// Sends a room message as a request and returns the reply frame.
async fn room_request(
    client: &LiveClient,
    kind: &str,
    id: &str,
    room: &str,
    payload: Value,
) -> Value {
    let mut message = json!({"type": kind, "componentId": id, "roomId": room});
    if !payload.is_null() {
        message["payload"] = payload;
    }
    client
        .request(message)
        .await
        .unwrap_or_else(|error| panic!("{kind}: {error}"))
}

/// Reads JSON frames until one of room type `kind` arrives.
async fn next_room_json(client: &LiveClient, kind: &str) -> Value {
    frames_until(client, kind).await.1
}

#[tokio::test]
async fn typed_room_events_reach_every_member_but_the_sender() {
    let server = TestServer::from_server(test_server());
    let (ann, bob) = (server.connect().await, server.connect().await);
    let a = mount(&ann, "Chatter").await;
    let b = mount(&bob, "Chatter").await;

    assert_eq!(
        call(&ann, &a, "enter", json!({"room": "r1", "name": "ann"})).await,
        Ok(Some(json!(1)))
    );
    let joined = next_room_json(&ann, "ROOM_JOINED").await;
    assert_eq!(joined["componentId"], a.as_str());
    assert_eq!(joined["roomId"], "lobby:r1");
    assert_eq!(joined["event"], "$room:joined");
    assert_eq!(
        joined["data"]["state"],
        json!({"topic": "", "members": 1, "departures": []})
    );

    assert_eq!(
        call(&bob, &b, "enter", json!({"room": "r1", "name": "bob"})).await,
        Ok(Some(json!(2)))
    );
    // Ann sees the hook's state change, then the join with the new count.
    let delta = ann
        .next_room_frame()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (delta.kind, delta.event.as_str()),
        (RoomFrameKind::State, "$state:update")
    );
    assert_eq!(delta.payload, json!({"state": {"members": 2}}));
    assert_eq!(delta.component_id, a);
    let join = ann
        .next_room_frame()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (join.kind, join.event.as_str()),
        (RoomFrameKind::Event, "$sub:join")
    );
    assert_eq!(join.payload, json!({"subscriberId": b, "count": 2}));

    assert_eq!(
        call(&bob, &b, "say", json!({"room": "r1", "text": "hi"})).await,
        Ok(None)
    );
    let said = ann
        .next_room_frame()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (said.room_id.as_str(), said.event.as_str()),
        ("lobby:r1", "said")
    );
    assert_eq!(said.payload, json!({"from": b, "text": "hi"}));
    // Ann's typed handler ran and her component's state says so.
    let heard = ann
        .wait_for_state(&a, |s| s["heard"] == json!([format!("{b}: hi")]))
        .await;
    assert!(heard.is_ok(), "the typed handler updated the component");
    // Bob did not get his own event: his next room frame is the topic change.
    assert_eq!(
        call(&bob, &b, "topic", json!({"room": "r1", "topic": "rust"})).await,
        Ok(Some(json!("rust")))
    );
    let next = bob
        .next_room_frame()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (next.kind, next.payload.clone()),
        (RoomFrameKind::State, json!({"state": {"topic": "rust"}}))
    );
    assert_eq!(
        bob.json_state(&b).map(|s| s["heard"].clone()),
        Some(json!([]))
    );
    // State deltas reach every member, the updater included.
    let ann_saw = ann
        .next_room_frame()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ann_saw.payload, json!({"state": {"topic": "rust"}}));

    // Including self: both hear it.
    call(
        &ann,
        &a,
        "say",
        json!({"room": "r1", "text": "all", "all": true}),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    for (client, id) in [(&ann, &a), (&bob, &b)] {
        let frame = client
            .next_room_frame()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(frame.component_id, *id);
        assert_eq!(frame.payload["text"], "all");
    }
}

#[tokio::test]
async fn typed_room_limits_hooks_and_membership() {
    let server = TestServer::from_server(test_server());
    let clients = [
        server.connect().await,
        server.connect().await,
        server.connect().await,
        server.connect().await,
    ];
    let mut ids = Vec::new();
    for client in &clients {
        ids.push(mount(client, "Chatter").await);
    }
    let rejected = call(
        &clients[0],
        &ids[0],
        "enter",
        json!({"room": "r2", "name": "banned"}),
    )
    .await;
    assert_eq!(
        rejected,
        Err("Join rejected by room: banned users stay out".to_owned())
    );
    for (client, id) in clients.iter().zip(&ids).take(3) {
        call(client, id, "enter", json!({"room": "r2", "name": "x"}))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let full = call(
        &clients[3],
        &ids[3],
        "enter",
        json!({"room": "r2", "name": "late"}),
    )
    .await;
    assert_eq!(full, Err("Room is full".to_owned()));
    let not_member = call(
        &clients[3],
        &ids[3],
        "say",
        json!({"room": "r2", "text": "sneaky"}),
    )
    .await;
    assert_eq!(not_member, Err("Not a member of this room".to_owned()));
    let invalid = call(
        &clients[3],
        &ids[3],
        "enter",
        json!({"room": "no spaces!", "name": "x"}),
    )
    .await;
    assert_eq!(
        invalid,
        Err("Invalid room name. Must be 1-64 alphanumeric characters, hyphens, underscores, dots, or colons.".to_owned())
    );
    // A client may not join a typed room, nor write its state.
    let reply = room_request(&clients[3], "ROOM_JOIN", &ids[3], "lobby:r2", Value::Null).await;
    assert_eq!(
        reply["error"],
        "Room requires server-side join via component action"
    );
    let reply = room_request(
        &clients[0],
        "ROOM_STATE_SET",
        &ids[0],
        "lobby:r2",
        json!({"state": {"topic": "x"}}),
    )
    .await;
    assert_eq!(reply["error"], "Room state is server-only");
    assert_eq!(reply["componentId"], ids[0].as_str());

    // Leaving frees a seat; leave and disconnect reasons reach the hook.
    call(&clients[1], &ids[1], "exit", json!({"room": "r2"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let after_leaving = call(
        &clients[1],
        &ids[1],
        "say",
        json!({"room": "r2", "text": "still here?"}),
    )
    .await;
    assert_eq!(after_leaving, Err("Not a member of this room".to_owned()));
    call(
        &clients[3],
        &ids[3],
        "enter",
        json!({"room": "r2", "name": "late"}),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let [first, _, third, _] = clients;
    drop(third);
    eventually("the disconnect reached the room", || async {
        server.stats().await.room_members == 2
    })
    .await;
    let reply = room_request(&first, "ROOM_STATE_GET", &ids[0], "lobby:r2", Value::Null).await;
    assert_eq!(reply["error"], Value::Null, "members may read: {reply}");
    assert_eq!(
        reply["payload"]["state"]["departures"],
        json!(["leave", "disconnect"])
    );
}

#[tokio::test]
async fn untyped_rooms_follow_the_reference_messages() {
    let server = TestServer::from_server(test_server());
    let (ann, bob) = (server.connect().await, server.connect().await);
    let a = mount(&ann, "Chatter").await;
    let b = mount(&bob, "Chatter").await;

    let joined = room_request(
        &ann,
        "ROOM_JOIN",
        &a,
        "open-1",
        json!({"initialState": {"count": 0}}),
    )
    .await;
    assert_eq!(joined["type"], "ROOM_JOINED");
    assert_eq!(joined["componentId"], a.as_str());
    assert_eq!(
        joined["payload"],
        json!({"roomId": "open-1", "state": {"count": 0}})
    );
    let joined = room_request(
        &bob,
        "ROOM_JOIN",
        &b,
        "open-1",
        json!({"initialState": {"count": 99}}),
    )
    .await;
    assert_eq!(
        joined["payload"]["state"],
        json!({"count": 0}),
        "initialState only seeds a new room"
    );
    let system = next_room_json(&ann, "ROOM_SYSTEM").await;
    assert_eq!(system["componentId"], a.as_str());
    assert_eq!(system["event"], "$sub:join");
    assert_eq!(system["data"], json!({"subscriberId": b, "count": 2}));

    bob.send_json(&json!({"type": "ROOM_EMIT", "componentId": b, "roomId": "open-1", "payload": {"event": "ping", "data": {"x": 1}}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let event = next_room_json(&ann, "ROOM_EVENT").await;
    assert_eq!(
        event["componentId"],
        a.as_str(),
        "each member gets its own componentId"
    );
    assert_eq!(
        (
            event["roomId"].clone(),
            event["event"].clone(),
            event["data"].clone()
        ),
        (json!("open-1"), json!("ping"), json!({"x": 1}))
    );
    assert!(event["timestamp"].is_u64());

    ann.send_json(&json!({"type": "ROOM_STATE_SET", "componentId": a, "roomId": "open-1",
        "payload": {"state": {"count": 1, "$leak": "x", "__proto__": {"hacked": true}, "constructor": 1}}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (before, state) = frames_until(&bob, "ROOM_STATE").await;
    assert!(
        before.iter().all(|frame| frame["type"] != "ROOM_EVENT"),
        "the sender does not get its own emit: {before:?}"
    );
    assert_eq!(state["event"], "$state:update");
    assert_eq!(state["data"], json!({"state": {"count": 1}}));
    let got = room_request(&bob, "ROOM_STATE_GET", &b, "open-1", Value::Null).await;
    assert_eq!(got["type"], "ROOM_STATE");
    assert_eq!(
        got["payload"],
        json!({"roomId": "open-1", "state": {"count": 1}})
    );

    let not_member = room_request(&ann, "ROOM_EMIT", &a, "elsewhere", json!({"event": "x"})).await;
    assert_eq!(not_member["type"], "ERROR");
    assert_eq!(not_member["error"], "Not a member of this room");
    let not_member = room_request(
        &ann,
        "ROOM_STATE_SET",
        &a,
        "elsewhere",
        json!({"state": {}}),
    )
    .await;
    assert_eq!(not_member["error"], "Not a member of this room");
    let not_yours = room_request(&ann, "ROOM_JOIN", &b, "open-1", Value::Null).await;
    assert_eq!(not_yours["error"], "Component not found");
    let invalid = room_request(&ann, "ROOM_JOIN", &a, "bad room!", Value::Null).await;
    assert!(
        invalid["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Invalid room name.")
    );

    let left = room_request(&bob, "ROOM_LEAVE", &b, "open-1", Value::Null).await;
    assert_eq!(
        left,
        json!({"type": "ROOM_LEFT", "componentId": b, "payload": {"roomId": "open-1"}, "requestId": left["requestId"]})
    );
    let system = next_room_json(&ann, "ROOM_SYSTEM").await;
    assert_eq!(
        (system["event"].clone(), system["data"]["count"].clone()),
        (json!("$sub:leave"), json!(1))
    );
    let again = room_request(&bob, "ROOM_LEAVE", &b, "never-joined", Value::Null).await;
    assert_eq!(
        again["type"], "ROOM_LEFT",
        "leaving a room never joined is a no-op"
    );
}

#[tokio::test]
async fn room_limits_refuse_before_changing_anything() {
    let mut config = live::LiveConfig::default();
    config.max_rooms_per_connection = 2;
    config.max_room_state_bytes = 64;
    let server = TestServer::from_server(test_server_with(LiveServer::builder().config(config)));
    let ann = server.connect().await;
    let a = mount(&ann, "Chatter").await;
    for room in ["one", "two"] {
        assert_eq!(
            room_request(&ann, "ROOM_JOIN", &a, room, Value::Null).await["type"],
            "ROOM_JOINED"
        );
    }
    let third = room_request(&ann, "ROOM_JOIN", &a, "three", Value::Null).await;
    assert_eq!(third["error"], "Room limit exceeded");
    room_request(&ann, "ROOM_LEAVE", &a, "two", Value::Null).await;
    assert_eq!(
        room_request(&ann, "ROOM_JOIN", &a, "three", Value::Null).await["type"],
        "ROOM_JOINED"
    );

    let big = json!({"state": {"blob": "x".repeat(100)}});
    let refused = room_request(&ann, "ROOM_STATE_SET", &a, "one", big).await;
    assert_eq!(refused["error"], "Room state exceeds maximum size limit");
    let state = room_request(&ann, "ROOM_STATE_GET", &a, "one", Value::Null).await;
    assert_eq!(state["payload"]["state"], json!({}), "nothing was applied");
}

#[tokio::test]
async fn default_room_and_broadcast() {
    let server = TestServer::from_server(test_server());
    let (ann, bob) = (server.connect().await, server.connect().await);
    let mut ids = Vec::new();
    for client in [&ann, &bob] {
        let reply = client
            .request(json!({"type": "COMPONENT_MOUNT", "payload": {"component": "Chatter", "room": "hall"}}))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        ids.push(
            reply["result"]["componentId"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
        frames_until(client, "MESSAGE_RESPONSE").await;
    }
    call(&ann, &ids[0], "wave", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let broadcast = next_room_json(&bob, "BROADCAST").await;
    assert_eq!(
        broadcast,
        json!({"type": "BROADCAST", "componentId": ids[0], "payload": {"type": "wave", "data": {"hello": true}}, "room": "hall"})
    );
    let (before, _) = frames_until(&ann, "ACTION_RESPONSE").await;
    assert!(
        before.iter().all(|f| f["type"] != "BROADCAST"),
        "the sender does not get its own broadcast"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_join_and_disconnect_cycles_leak_nothing() {
    let mut config = live::LiveConfig::default();
    config.room_empty_grace = Duration::from_millis(0);
    config.rate_limit = None;
    let server = TestServer::from_server(test_server_with(LiveServer::builder().config(config)));
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..10 {
        let server = server.clone();
        tasks.spawn(async move {
            for cycle in 0..100 {
                let client = server.try_connect().await.map_err(|e| e.to_string())?;
                let id = client
                    .mount("Chatter", Value::Null)
                    .await
                    .map_err(|e| e.to_string())?
                    .id;
                let room = format!("w{worker}-c{cycle}");
                client
                    .call(&id, "enter", json!({"room": room, "name": "x"}))
                    .await
                    .map_err(|e| e.to_string())?;
                let open = format!("open-{}", cycle % 5);
                client
                    .request(json!({"type": "ROOM_JOIN", "componentId": id, "roomId": open}))
                    .await
                    .map_err(|e| e.to_string())?;
                client.close().await;
            }
            Ok::<_, String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    eventually(
        "every room, member, component and connection released",
        || async {
            let stats = server.stats().await;
            stats.rooms == 0
                && stats.room_members == 0
                && stats.components == 0
                && stats.connections == 0
        },
    )
    .await;
}

#[tokio::test]
async fn the_demo_chat_joins_on_mount_and_shares_messages() {
    let server = LiveServer::builder()
        .component::<demo::LiveChat>()
        .room::<demo::ChatRoom>()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::from_server(server);
    let (ann, bob) = (server.connect().await, server.connect().await);
    let a = ann
        .mount("LiveChat", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .id;
    // The chat room keeps presence: a binary `$presence:state` follows `ROOM_JOINED`.
    let mut before = Vec::new();
    let mut presence = None;
    loop {
        match ann.next_frame().await {
            Ok(live::client::ServerFrame::Json(frame)) if frame["type"] == "MESSAGE_RESPONSE" => {
                break;
            }
            Ok(live::client::ServerFrame::Json(frame)) => before.push(frame),
            Ok(live::client::ServerFrame::Binary(bytes)) => {
                presence = live::client::decode_room_frame(&bytes).ok();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        presence.map(|frame| frame.event),
        Some("$presence:state".to_owned())
    );
    assert!(
        before.iter().all(|f| f["type"] != "ERROR"),
        "on_mount succeeded: {before:?}"
    );
    // on_mount's join is answered before the mount reply, as the reference orders it.
    let joined = before.iter().find(|frame| frame["type"] == "ROOM_JOINED");
    assert_eq!(
        joined.map(|frame| frame["roomId"].clone()),
        Some(json!("chat:general"))
    );
    let b = bob
        .mount("LiveChat", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .id;
    call(&ann, &a, "send", json!({"text": "hi"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for (client, id) in [(&ann, &a), (&bob, &b)] {
        let holds_hi = |s: &Value| {
            s["messages"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["text"] == "hi"))
        };
        assert!(
            client.wait_for_state(id, holds_hi).await.is_ok(),
            "{id} holds the message"
        );
    }
    assert_eq!(
        call(&bob, &b, "send", json!({"text": "  "})).await,
        Err("text must be 1 to 500 characters".to_owned())
    );
}
