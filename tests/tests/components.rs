//! Components end to end, driven by the Rust client: through `live::testing` (the real
//! runtime, in process), except the two cases that test the standalone server's sockets
//! (200 concurrent connections, shutdown of the accept loop), on 127.0.0.1.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::LiveServer;
use live::client::{ClientError, ServerFrame};
use live::prelude::*;
use live::testing::TestServer;
use live_tests::{connect, eventually, frames_until, mount, next_json, probe, start, test_server};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

fn server_error(result: Result<Option<Value>, ClientError>) -> String {
    match result {
        Err(ClientError::Server { message, .. }) => message,
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[tokio::test]
async fn mount_sends_state_update_then_reply_with_initial_state() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    client
        .send_json(&json!({"type": "COMPONENT_MOUNT", "componentId": "mount-Counter", "requestId": "m1", "expectResponse": true, "payload": {"component": "Counter"}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let update = next_json(&client).await;
    assert_eq!(update["type"], "STATE_UPDATE");
    assert_eq!(update["payload"]["state"], json!({"count": 0}));
    let reply = next_json(&client).await;
    assert_eq!(reply["type"], "MESSAGE_RESPONSE");
    assert_eq!(reply["success"], true);
    assert_eq!(reply["requestId"], "m1");
    assert_eq!(
        reply["componentId"], "mount-Counter",
        "the placeholder id is echoed"
    );
    let id = reply["result"]["componentId"].as_str().unwrap_or_default();
    assert_eq!(id.len(), 8);
    assert_eq!(update["componentId"], id);
    assert_eq!(reply["result"]["initialState"], json!({"count": 0}));
}

#[tokio::test]
async fn add_sends_the_delta_before_the_action_response() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    let id = mount(&client, "Counter").await;
    client
        .send_json(&json!({"type": "CALL_ACTION", "componentId": id, "action": "add", "payload": {"by": 5}, "requestId": "a1", "expectResponse": true}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let delta = next_json(&client).await;
    assert_eq!(
        delta,
        json!({"type": "STATE_DELTA", "componentId": id, "payload": {"delta": {"count": 5}}})
    );
    let reply = next_json(&client).await;
    assert_eq!(
        reply,
        json!({"type": "ACTION_RESPONSE", "componentId": id, "success": true, "result": 5, "requestId": "a1"})
    );
    assert_eq!(client.json_state(&id), Some(json!({"count": 5})));
}

#[tokio::test]
async fn unchanged_state_sends_no_delta_and_unit_actions_no_result() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    let id = mount(&client, "Probe").await;
    let reply = client.request(json!({"type": "CALL_ACTION", "componentId": id, "action": "rename", "payload": {"name": ""}})).await;
    let reply = reply.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reply["success"], true);
    assert!(
        reply.get("result").is_none(),
        "a unit action has no result: {reply}"
    );
    let (before, _) = frames_until(&client, "ACTION_RESPONSE").await;
    assert!(
        before.is_empty(),
        "no delta for an unchanged state: {before:?}"
    );
}

#[tokio::test]
async fn nested_and_array_changes_travel_as_deep_deltas() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    let id = mount(&client, "Probe").await;
    assert_eq!(
        client.json_state(&id).map(|s| s["mounted"].clone()),
        Some(json!(true)),
        "on_mount ran before the reply"
    );
    client
        .call(&id, "rename", json!({"name": "ana"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (before, _) = frames_until(&client, "ACTION_RESPONSE").await;
    assert_eq!(
        before,
        vec![
            json!({"type": "STATE_DELTA", "componentId": id, "payload": {"delta": {"profile": {"name": "ana"}}}})
        ]
    );
    client
        .call(&id, "tag", json!({"tag": "x"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (before, _) = frames_until(&client, "ACTION_RESPONSE").await;
    assert_eq!(
        before,
        vec![
            json!({"type": "STATE_DELTA", "componentId": id, "payload": {"delta": {"profile": {"tags": ["x"]}}}})
        ]
    );
    let state = client.json_state(&id).unwrap_or_default();
    assert_eq!(state["profile"], json!({"name": "ana", "tags": ["x"]}));
    assert!(
        state.get("secret").is_none(),
        "#[serde(skip)] fields stay on the server"
    );
}

#[tokio::test]
async fn custom_events_arrive_before_the_reply() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    let id = mount(&client, "Probe").await;
    client
        .call(&id, "shout", json!({"text": "hi"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (before, reply) = frames_until(&client, "ACTION_RESPONSE").await;
    assert_eq!(reply["success"], true);
    assert_eq!(
        before,
        vec![
            json!({"type": "SHOUT", "componentId": id, "payload": {"text": "hi", "by": client.connection_id()}})
        ]
    );
}

#[tokio::test]
async fn failing_actions_reply_with_the_error_and_keep_the_connection() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    let id = mount(&client, "Probe").await;

    assert_eq!(
        server_error(client.call(&id, "fail", Value::Null).await),
        "nope"
    );
    let (before, _) = frames_until(&client, "ACTION_RESPONSE").await;
    assert_eq!(
        before,
        vec![
            json!({"type": "ERROR", "componentId": id, "payload": {"action": "fail", "error": "nope"}})
        ]
    );

    for (action, payload, expected) in [
        ("internal", Value::Null, "Action 'internal' is not callable"),
        ("on_mount", Value::Null, "Action 'on_mount' is not callable"),
        (
            "tag",
            json!({"tag": 5}),
            "Action 'tag' payload validation failed: ",
        ),
        (
            "tag",
            json!("not an object"),
            "Action 'tag' payload validation failed: ",
        ),
    ] {
        let error = server_error(client.call(&id, action, payload).await);
        assert!(error.starts_with(expected), "{action}: {error}");
        let (before, _) = frames_until(&client, "ACTION_RESPONSE").await;
        assert_eq!(
            before.len(),
            1,
            "one component ERROR event before the reply"
        );
    }

    // Failures reply even without expectResponse.
    client
        .fire(&id, "fail", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, reply) = frames_until(&client, "ACTION_RESPONSE").await;
    assert_eq!(reply["error"], "nope");

    assert_eq!(
        client.call(&id, "hit", Value::Null).await.ok().flatten(),
        Some(json!(1))
    );
}

#[tokio::test]
async fn fire_and_forget_success_gets_no_reply() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    let id = mount(&client, "Counter").await;
    client
        .fire(&id, "increment", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let delta = next_json(&client).await;
    assert_eq!(delta["type"], "STATE_DELTA");
    client
        .call(&id, "increment", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (before, reply) = frames_until(&client, "ACTION_RESPONSE").await;
    assert_eq!(before.len(), 1, "only the second delta: {before:?}");
    assert_eq!(reply["result"], 2);
}

#[tokio::test]
async fn a_panicking_action_is_an_error_reply_and_nothing_else_breaks() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    let bystander = server.connect().await;
    let id = mount(&client, "Probe").await;
    let other = mount(&bystander, "Counter").await;

    assert_eq!(
        server_error(client.call(&id, "boom", Value::Null).await),
        "Action 'boom' panicked"
    );
    // The component survives with what the action changed before panicking.
    assert_eq!(
        client.call(&id, "hit", Value::Null).await.ok().flatten(),
        Some(json!(101))
    );
    assert_eq!(
        bystander
            .call(&other, "add", json!({"by": 2}))
            .await
            .ok()
            .flatten(),
        Some(json!(2))
    );
}

#[tokio::test]
async fn async_actions_run_in_order() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    let id = mount(&client, "Probe").await;
    let (slow, fast) = tokio::join!(client.call(&id, "slow", json!({"ms": 100})), async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        client.call(&id, "hit", Value::Null).await
    });
    assert_eq!(slow.ok().flatten(), Some(json!(1)));
    assert_eq!(
        fast.ok().flatten(),
        Some(json!(2)),
        "the second call waited for the first"
    );
}

#[tokio::test]
async fn property_update_writes_only_updatable_fields() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    let id = mount(&client, "Probe").await;
    client
        .call(&id, "hit", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    client
        .set_property(&id, "label", json!("hello"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let state = client.wait_for_state(&id, |s| s["label"] == "hello").await;
    assert!(state.is_ok());
    assert_eq!(
        client.call(&id, "secret", Value::Null).await.ok().flatten(),
        Some(json!(1)),
        "server-only fields survive a property write"
    );

    let rejected = |result: Result<(), ClientError>| match result {
        Err(ClientError::Server { message, .. }) => message,
        other => panic!("expected rejection, got {other:?}"),
    };
    assert_eq!(
        rejected(client.set_property(&id, "hits", json!(99)).await),
        "PROPERTY_UPDATE rejected: 'hits' is not an updatable field of 'Probe'. Allowed: [label]. Mark the field #[live(updatable)] to allow client writes."
    );
    assert_eq!(
        rejected(client.set_property(&id, "__proto__", json!({})).await),
        "PROPERTY_UPDATE rejected: '__proto__' is a reserved key"
    );
    assert!(rejected(client.set_property(&id, "$auth", json!(1)).await).contains("is server-only"));
    let error = rejected(client.set_property(&id, "label", json!(7)).await);
    assert!(
        error.starts_with("PROPERTY_UPDATE rejected: invalid value for 'label'"),
        "{error}"
    );
    assert_eq!(
        client.json_state(&id).map(|s| s["hits"].clone()),
        Some(json!(1))
    );
}

#[tokio::test]
async fn mount_errors_are_clear() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    let error = match client.mount("Nope", Value::Null).await {
        Err(ClientError::Server { message, .. }) => message,
        other => panic!("{other:?}"),
    };
    assert_eq!(error, "Component 'Nope' not found");
    let error = match client.mount("Probe", json!({"label": 5})).await {
        Err(ClientError::Server { message, .. }) => message,
        other => panic!("{other:?}"),
    };
    assert!(
        error.starts_with("Mount rejected: invalid value for prop 'label'"),
        "{error}"
    );
    let seeded = client
        .mount("Counter", json!({"count": 41}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seeded.state, json!({"count": 41}));
    assert_eq!(
        client
            .call(&seeded.id, "increment", Value::Null)
            .await
            .ok()
            .flatten(),
        Some(json!(42))
    );
}

/// FluxStack's client sends its whole initial state as props: keys that are not updatable
/// fields are ignored (server-owned ones keep their defaults), updatable ones are applied.
#[tokio::test]
async fn mount_props_that_are_not_updatable_are_ignored() {
    let running = start(&test_server()).await;
    let client = connect(&running).await;
    let mounted = client
        .mount(
            "Probe",
            json!({"hits": 5, "mounted": false, "isAdmin": true, "label": "seeded"}),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mounted.state["hits"], json!(0));
    assert_eq!(mounted.state["mounted"], json!(true));
    assert_eq!(mounted.state["label"], json!("seeded"));
    assert_eq!(mounted.state.get("isAdmin"), None);
}

/// A component with a server-owned flag, to show that mount props cannot set it.
#[live_component(name = "Account")]
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Account {
    is_admin: bool,
    #[live(updatable)]
    nickname: String,
}

#[live_component]
impl Account {
    #[action]
    fn whoami(&mut self) -> bool {
        self.is_admin
    }
}

/// The FluxStack quick start: `useLive('LiveChat', {messages: []})` sends the whole initial
/// state as props, and a client may try to slip `isAdmin` in the same way.
#[tokio::test]
async fn quick_start_mounts_with_the_initial_state_as_props_and_cannot_set_server_fields() {
    let server = LiveServer::builder()
        .component::<Account>()
        .component::<demo::LiveChat>()
        .room::<demo::ChatRoom>()
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
    let running = start(&server).await;
    let client = connect(&running).await;
    let chat = client
        .mount("LiveChat", json!({"messages": []}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(chat.state["messages"].is_array(), "{}", chat.state);
    let account = client
        .mount("Account", json!({"isAdmin": true, "nickname": "ana"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(account.state, json!({"isAdmin": false, "nickname": "ana"}));
    let admin = client.call(&account.id, "whoami", Value::Null).await;
    assert_eq!(admin.ok().flatten(), Some(json!(false)));
}

#[tokio::test]
async fn unmount_destroys_the_component_and_its_id_stops_working() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    let id = mount(&client, "Probe").await;
    assert_eq!(server.stats().await.components, 1);
    client.unmount(&id).await.unwrap_or_else(|e| panic!("{e}"));
    eventually("component destroyed", || async {
        server.stats().await.components == 0
    })
    .await;
    assert!(probe::was_destroyed(&id), "on_destroy ran");
    assert_eq!(
        server_error(client.call(&id, "hit", Value::Null).await),
        format!("COMPONENT_REHYDRATION_REQUIRED:{id}")
    );
}

#[tokio::test]
async fn other_connections_cannot_touch_a_private_component() {
    let server = TestServer::from_server(test_server());
    let owner = server.connect().await;
    let intruder = server.connect().await;
    let id = mount(&owner, "Counter").await;

    assert_eq!(
        server_error(intruder.call(&id, "add", json!({"by": 100})).await),
        format!("COMPONENT_REHYDRATION_REQUIRED:{id}")
    );
    let denied = intruder.set_property(&id, "count", json!(100)).await;
    assert!(
        matches!(denied, Err(ClientError::Server { ref message, .. }) if message == &format!("COMPONENT_REHYDRATION_REQUIRED:{id}"))
    );
    // Unmounting someone else's component is a no-op (deviation: the TS server allows it).
    intruder
        .unmount(&id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        owner
            .call(&id, "increment", Value::Null)
            .await
            .ok()
            .flatten(),
        Some(json!(1))
    );
}

#[tokio::test]
async fn a_singleton_is_shared_and_destroyed_after_the_last_viewer_leaves() {
    let server = TestServer::from_server(test_server());
    let alice = server.connect().await;
    let bob = server.connect().await;
    let a = mount(&alice, "SharedCounter").await;
    let b = mount(&bob, "SharedCounter").await;
    assert_eq!(a, b, "one shared instance");
    assert_eq!(server.stats().await.singletons, 1);

    alice
        .call(&a, "add", json!({"by": 3}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let seen = bob.wait_for_state(&b, |s| s["count"] == 3).await;
    assert!(seen.is_ok(), "bob sees alice's change");
    bob.call(&b, "increment", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        alice.wait_for_state(&a, |s| s["count"] == 4).await.is_ok(),
        "alice sees bob's change"
    );
    assert!(
        alice
            .wait_for_state(&a, |s| s["viewers"] == 2)
            .await
            .is_ok()
    );

    alice.unmount(&a).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(bob.wait_for_state(&b, |s| s["viewers"] == 1).await.is_ok());
    assert_eq!(server.stats().await.singletons, 1, "bob still watches");
    bob.close().await;
    eventually("singleton destroyed", || async {
        let stats = server.stats().await;
        stats.singletons == 0 && stats.components == 0
    })
    .await;

    let carol = server.connect().await;
    let c = mount(&carol, "SharedCounter").await;
    assert_ne!(c, a, "a fresh instance");
    assert_eq!(
        carol.json_state(&c).map(|s| s["count"].clone()),
        Some(json!(0))
    );
}

#[tokio::test]
async fn a_burst_of_singleton_joins_is_published_as_a_few_deltas() {
    const JOINERS: usize = 40;
    let server = TestServer::from_server(test_server());
    let alice = server.connect().await;
    let id = mount(&alice, "SharedCounter").await;
    let mut joiners = Vec::new();
    for _ in 0..JOINERS {
        joiners.push(server.connect().await);
    }
    futures_util::future::join_all(joiners.iter().map(|c| mount(c, "SharedCounter"))).await;
    // Every join changes `viewers`; joins that arrive together are published together.
    let everyone = json!(JOINERS + 1);
    let mut deltas = 0;
    loop {
        let frame = next_json(&alice).await;
        if frame["type"] == "STATE_DELTA" {
            deltas += 1;
            if frame["payload"]["delta"]["viewers"] == everyone {
                break;
            }
        }
    }
    assert!(
        deltas < JOINERS,
        "{JOINERS} joins arriving together cost {deltas} deltas"
    );
    for joiner in &joiners {
        let state = joiner
            .wait_for_state(&id, |s| s["viewers"] == everyone)
            .await;
        assert!(
            state.is_ok(),
            "every viewer converges on {everyone} viewers"
        );
    }
}

#[tokio::test]
async fn singleton_frames_are_identical_for_every_viewer() {
    let server = TestServer::from_server(test_server());
    let alice = server.connect().await;
    let bob = server.connect().await;
    let id = mount(&alice, "SharedCounter").await;
    mount(&bob, "SharedCounter").await;
    // Bob's arrival (viewers: 2) reaches both, after Bob's mount reply: joins are published
    // together, a few milliseconds later.
    let _ = frames_until(&alice, "STATE_DELTA").await;
    let _ = frames_until(&bob, "STATE_DELTA").await;
    alice
        .call(&id, "increment", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (alice_saw, _) = frames_until(&alice, "ACTION_RESPONSE").await;
    let bob_saw = next_json(&bob).await;
    assert_eq!(alice_saw, vec![bob_saw.clone()]);
    assert_eq!(bob_saw["payload"]["delta"], json!({"count": 1}));
}

#[tokio::test]
async fn a_connection_closed_mid_action_cleans_up() {
    let server = TestServer::from_server(test_server());
    let client = server.connect().await;
    let id = mount(&client, "Probe").await;
    client
        .fire(&id, "slow", json!({"ms": 300}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    client.close().await;
    eventually("everything released", || async {
        let stats = server.stats().await;
        stats.connections == 0 && stats.components == 0
    })
    .await;
    let next = server.connect().await;
    let id = mount(&next, "Counter").await;
    assert_eq!(
        next.call(&id, "increment", Value::Null)
            .await
            .ok()
            .flatten(),
        Some(json!(1))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_connections() {
    let running = start(&test_server()).await;
    let url = running.url();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200_i64 {
        let url = url.clone();
        tasks.spawn(async move {
            let client = live::client::LiveClient::connect(&url)
                .await
                .map_err(|e| e.to_string())?;
            let counter = client
                .mount("Counter", Value::Null)
                .await
                .map_err(|e| e.to_string())?;
            let shared = client
                .mount("SharedCounter", Value::Null)
                .await
                .map_err(|e| e.to_string())?;
            let mine = client
                .call(&counter.id, "add", json!({"by": i}))
                .await
                .map_err(|e| e.to_string())?;
            client
                .call(&shared.id, "increment", Value::Null)
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>((i, mine, client))
        });
    }
    let mut clients = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (i, mine, client) = joined
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mine, Some(json!(i)));
        clients.push(client);
    }
    let stats = running.stats().await;
    assert_eq!(stats.connections, 200);
    assert_eq!(
        stats.components, 201,
        "200 counters and one shared singleton"
    );
    let probe = connect(&running).await;
    let shared = probe
        .mount("SharedCounter", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        shared.state["count"], 200,
        "every increment landed exactly once"
    );
    drop(clients);
}

#[tokio::test]
async fn shutdown_closes_sockets_with_1001_and_runs_destroy_hooks() {
    let running = start(&test_server()).await;
    let client = connect(&running).await;
    let id = mount(&client, "Probe").await;
    running.shutdown().await;
    let close = loop {
        match client.next_frame().await {
            Ok(ServerFrame::Closed { code, reason }) => break (code, reason),
            Ok(_) => continue,
            Err(error) => panic!("{error}"),
        }
    };
    assert_eq!(close, (1001, "Server shutting down".to_owned()));
    eventually("destroy hook ran", || async { probe::was_destroyed(&id) }).await;
}
