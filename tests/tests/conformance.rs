//! One conformance suite, every server and every wire: each case below runs against the
//! standalone server, an axum app and an actix-web app (see `live_tests::transports`), over
//! a WebSocket, SSE and long-polling, and every pair must behave identically. Tests are
//! named `<server>::<wire>::<case>`, so a failure names the pair; assertion messages carry
//! it too.
//!
//! Add a case: write `async fn case(t: Case)` and list it in `conformance!` at the end
//! (under `websocket` if it needs a raw WebSocket).

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use futures_util::{SinkExt, StreamExt};
use live::LiveServer;
use live::client::{ClientError, LiveClient, ServerFrame};
use live::server::RateLimit;
use live_tests::transports::{Served, Transport, WIRES, Wire, http_get};
use live_tests::{
    eventually, frames_until, mount, next_json, probe, test_server, test_server_with,
};
use serde_json::{Value, json};
use std::fmt::Display;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};

/// One server and one wire.
#[derive(Debug, Clone, Copy)]
struct Case {
    server: Transport,
    wire: Wire,
}

impl Display for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{:?}", self.server, self.wire)
    }
}

impl Case {
    async fn serve(self, server: &LiveServer) -> Served {
        self.server.serve_over(server, self.wire).await
    }

    fn serves_other_routes(self) -> bool {
        self.server.serves_other_routes()
    }
}

/// Unwraps `result`, or panics naming the transport and what failed.
fn ok<T, E: Display>(t: Case, what: &str, result: Result<T, E>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("[{t}] {what}: {error}"),
    }
}

/// The error text of a failed request.
fn server_error(t: Case, result: Result<Option<Value>, ClientError>) -> String {
    match result {
        Err(ClientError::Server { message, .. }) => message,
        other => panic!("[{t}] expected a server error, got {other:?}"),
    }
}

/// Reads frames until the server's close frame; returns its code and reason.
async fn close_of(t: Case, client: &LiveClient) -> (u16, String) {
    loop {
        match client.next_frame().await {
            Ok(ServerFrame::Closed { code, reason }) => return (code, reason),
            Ok(_) => continue,
            Err(error) => panic!("[{t}] waiting for the close frame: {error}"),
        }
    }
}

/// Sends raw text and returns the next JSON frame.
async fn reply_to(t: Case, client: &LiveClient, text: &str) -> Value {
    ok(t, "send", client.send_text(text).await);
    next_json(client).await
}

/// Mounts a Counter and adds 2 through it: the connection still works.
async fn still_works(t: Case, client: &LiveClient) {
    let id = mount(client, "Counter").await;
    let result = client.call(&id, "add", json!({"by": 2})).await;
    assert_eq!(
        result.ok().flatten(),
        Some(json!(2)),
        "[{t}] connection still works"
    );
}

async fn serve(t: Case) -> Served {
    t.serve(&test_server()).await
}

// ---------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------

async fn mount_sends_state_update_then_the_reply(t: Case) {
    let served = serve(t).await;
    let client = served.connect().await;
    assert_eq!(
        client.connection_id().len(),
        8,
        "[{t}] CONNECTION_ESTABLISHED first"
    );
    let mount = json!({"type": "COMPONENT_MOUNT", "componentId": "mount-Counter", "requestId": "m1", "expectResponse": true, "payload": {"component": "Counter"}});
    ok(t, "send mount", client.send_json(&mount).await);
    let update = next_json(&client).await;
    assert_eq!(update["type"], "STATE_UPDATE", "[{t}] {update}");
    assert_eq!(update["payload"]["state"], json!({"count": 0}), "[{t}]");
    let reply = next_json(&client).await;
    assert_eq!(reply["type"], "MESSAGE_RESPONSE", "[{t}] {reply}");
    assert_eq!(reply["success"], true, "[{t}]");
    assert_eq!(reply["requestId"], "m1", "[{t}]");
    assert_eq!(
        reply["componentId"], "mount-Counter",
        "[{t}] placeholder echoed"
    );
    let id = reply["result"]["componentId"].as_str().unwrap_or_default();
    assert_eq!(id.len(), 8, "[{t}] {reply}");
    assert_eq!(update["componentId"], id, "[{t}]");
    assert_eq!(
        reply["result"]["initialState"],
        json!({"count": 0}),
        "[{t}]"
    );
}

async fn actions_send_events_and_the_delta_before_the_reply(t: Case) {
    let served = serve(t).await;
    let client = served.connect().await;
    let id = mount(&client, "Counter").await;
    let add = json!({"type": "CALL_ACTION", "componentId": id, "action": "add", "payload": {"by": 5}, "requestId": "a1", "expectResponse": true});
    ok(t, "send add", client.send_json(&add).await);
    assert_eq!(
        next_json(&client).await,
        json!({"type": "STATE_DELTA", "componentId": id, "payload": {"delta": {"count": 5}}}),
        "[{t}] the delta comes first"
    );
    assert_eq!(
        next_json(&client).await,
        json!({"type": "ACTION_RESPONSE", "componentId": id, "success": true, "result": 5, "requestId": "a1"}),
        "[{t}]"
    );
    assert_eq!(client.state(&id), Some(json!({"count": 5})), "[{t}]");

    // Fire-and-forget: the delta, no reply.
    ok(t, "fire", client.fire(&id, "increment", Value::Null).await);
    let delta = next_json(&client).await;
    assert_eq!(
        delta["payload"]["delta"],
        json!({"count": 6}),
        "[{t}] {delta}"
    );

    // Custom events, then the reply; failures reply with the error.
    let probe = mount(&client, "Probe").await;
    ok(
        t,
        "shout",
        client.call(&probe, "shout", json!({"text": "hi"})).await,
    );
    let (before, reply) = frames_until(&client, "ACTION_RESPONSE").await;
    assert_eq!(reply["success"], true, "[{t}]");
    assert_eq!(
        before,
        vec![
            json!({"type": "SHOUT", "componentId": probe, "payload": {"text": "hi", "by": client.connection_id()}})
        ],
        "[{t}]"
    );
    assert_eq!(
        server_error(t, client.call(&probe, "fail", Value::Null).await),
        "nope",
        "[{t}]"
    );
    assert_eq!(
        server_error(t, client.call(&probe, "boom", Value::Null).await),
        "Action 'boom' panicked",
        "[{t}]"
    );
    let hits = client.call(&probe, "hit", Value::Null).await;
    assert_eq!(
        hits.ok().flatten(),
        Some(json!(101)),
        "[{t}] survives a panic"
    );
}

async fn a_singleton_is_shared_and_destroyed_after_the_last_viewer_leaves(t: Case) {
    let served = serve(t).await;
    let alice = served.connect().await;
    let bob = served.connect().await;
    let a = mount(&alice, "SharedCounter").await;
    let b = mount(&bob, "SharedCounter").await;
    assert_eq!(a, b, "[{t}] one shared instance");
    assert_eq!(served.stats().await.singletons, 1, "[{t}]");

    ok(
        t,
        "alice adds",
        alice.call(&a, "add", json!({"by": 3})).await,
    );
    let seen = bob.wait_for_state(&b, |s| s["count"] == 3).await;
    assert!(seen.is_ok(), "[{t}] bob sees alice's change");
    ok(
        t,
        "bob increments",
        bob.call(&b, "increment", Value::Null).await,
    );
    let seen = alice.wait_for_state(&a, |s| s["count"] == 4).await;
    assert!(seen.is_ok(), "[{t}] alice sees bob's change");

    ok(t, "alice unmounts", alice.unmount(&a).await);
    let seen = bob.wait_for_state(&b, |s| s["viewers"] == 1).await;
    assert!(seen.is_ok(), "[{t}] bob sees alice leave");
    assert_eq!(
        served.stats().await.singletons,
        1,
        "[{t}] bob still watches"
    );
    bob.close().await;
    eventually(&format!("[{t}] singleton destroyed"), || async {
        let stats = served.stats().await;
        stats.singletons == 0 && stats.components == 0
    })
    .await;

    let carol = served.connect().await;
    let c = mount(&carol, "SharedCounter").await;
    assert_ne!(c, a, "[{t}] a fresh instance");
    assert_eq!(
        carol.state(&c).map(|s| s["count"].clone()),
        Some(json!(0)),
        "[{t}]"
    );
}

async fn bad_frames_get_the_reference_errors_and_the_connection_keeps_working(t: Case) {
    let served = serve(t).await;
    let client = served.connect().await;
    let cases: Vec<(String, Value)> = vec![
        ("{not json".into(), json!({"type": "ERROR", "error": "Invalid JSON"})),
        ("[1,2]".into(), json!({"type": "ERROR", "error": "Invalid message: expected object"})),
        (
            format!("{}{}", "[".repeat(40), "]".repeat(40)),
            json!({"type": "ERROR", "error": "JSON nesting too deep (max 32)"}),
        ),
        (
            r#"{"type":"NOPE","componentId":"c1","requestId":"r1"}"#.into(),
            json!({"type": "MESSAGE_RESPONSE", "componentId": "c1", "success": false, "error": "Unknown message type", "requestId": "r1"}),
        ),
        (
            r#"{"type":"COMPONENT_MOUNT","requestId":"r2"}"#.into(),
            json!({"type": "ERROR", "success": false, "error": "Invalid message: COMPONENT_MOUNT requires payload", "requestId": "r2"}),
        ),
        (
            r#"{"type":"CALL_ACTION","componentId":"ghost","action":"x","requestId":"r5","expectResponse":true}"#.into(),
            json!({"type": "ACTION_RESPONSE", "componentId": "ghost", "success": false, "error": "COMPONENT_REHYDRATION_REQUIRED:ghost", "requestId": "r5"}),
        ),
    ];
    for (frame, expected) in cases {
        assert_eq!(
            reply_to(t, &client, &frame).await,
            expected,
            "[{t}] frame: {frame}"
        );
    }
    // PING is silent: the next frame answers the following request.
    ok(t, "ping", client.send_text(r#"{"type":"PING"}"#).await);
    let reply = reply_to(t, &client, r#"{"type":"NOPE"}"#).await;
    assert_eq!(reply["error"], "Unknown message type", "[{t}]");
    still_works(t, &client).await;
}

async fn oversized_and_binary_frames_are_refused_without_closing(t: Case) {
    let server = test_server_with(LiveServer::builder().max_message_bytes(1024));
    let served = t.serve(&server).await;
    let client = served.connect().await;
    let big = format!(r#"{{"type":"PING","pad":"{}"}}"#, "x".repeat(2000));
    assert_eq!(
        reply_to(t, &client, &big).await,
        json!({"type": "ERROR", "error": "Message too large"}),
        "[{t}]"
    );
    // A binary frame is an upload chunk (§15); this one's header length is out of range.
    ok(t, "binary", client.send_binary(vec![0_u8, 1, 2, 3]).await);
    let reply = next_json(&client).await;
    assert_eq!(
        reply,
        json!({"type": "ERROR", "error": "Invalid upload chunk frame: header length out of range"}),
        "[{t}]"
    );
    still_works(t, &client).await;
}

async fn a_frame_over_twice_the_limit_closes_the_connection(t: Case) {
    let server = test_server_with(LiveServer::builder().max_message_bytes(1024));
    let served = t.serve(&server).await;
    let client = served.connect().await;
    let huge = format!(r#"{{"type":"PING","pad":"{}"}}"#, "x".repeat(4096));
    // The write may already fail if the server closed first; either way it must close.
    let _ = client.send_text(huge).await;
    let (code, _) = close_of(t, &client).await;
    assert_eq!(code, 1009, "[{t}] closed with Message Too Big");
    eventually(&format!("[{t}] connection released"), || async {
        served.stats().await.connections == 0
    })
    .await;
    let next = served.connect().await;
    still_works(t, &next).await;
}

async fn a_flood_is_rate_limited_and_other_clients_are_unaffected(t: Case) {
    let limit = RateLimit {
        max_tokens: 20,
        refill_per_second: 1.0,
    };
    let served = t
        .serve(&test_server_with(
            LiveServer::builder().rate_limit(Some(limit)),
        ))
        .await;
    let flooder = served.connect().await;
    let bystander = served.connect().await;
    for _ in 0..60 {
        ok(t, "flood", flooder.send_text(r#"{"type":"PING"}"#).await);
    }
    assert_eq!(
        next_json(&flooder).await,
        json!({"type": "ERROR", "error": "Rate limit exceeded"}),
        "[{t}]"
    );
    still_works(t, &bystander).await;
}

type RawSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The JSON objects of the next text frame of a raw socket (skipping other frames); the
/// server joins frames queued together into one JSON array.
async fn next_objects(t: Case, socket: &mut RawSocket) -> Vec<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                return match ok(t, "parse", serde_json::from_str(&text)) {
                    Value::Array(objects) => objects,
                    object => vec![object],
                };
            }
            Ok(Some(Ok(_))) => continue,
            other => panic!("[{t}] expected a text frame, got {other:?}"),
        }
    }
}

/// Fragmented messages, pings and the close handshake, with a raw WebSocket client.
async fn fragments_pings_and_the_close_handshake(t: Case) {
    let served = serve(t).await;
    let (mut socket, _) = ok(
        t,
        "raw connect",
        tokio_tungstenite::connect_async(served.url()).await,
    );
    let established = next_objects(t, &mut socket).await;
    assert_eq!(established[0]["type"], "CONNECTION_ESTABLISHED", "[{t}]");

    // A mount split over three frames is reassembled.
    let mount = r#"{"type":"COMPONENT_MOUNT","componentId":"m","requestId":"f1","expectResponse":true,"payload":{"component":"Counter"}}"#;
    let (head, rest) = mount.split_at(20);
    let (middle, tail) = rest.split_at(30);
    let frames = [
        Frame::message(head.to_owned(), OpCode::Data(Data::Text), false),
        Frame::message(middle.to_owned(), OpCode::Data(Data::Continue), false),
        Frame::message(tail.to_owned(), OpCode::Data(Data::Continue), true),
    ];
    for frame in frames {
        ok(t, "send fragment", socket.send(Message::Frame(frame)).await);
    }
    let mut frames = Vec::new();
    while !frames
        .iter()
        .any(|frame: &Value| frame["requestId"] == "f1")
    {
        frames.extend(next_objects(t, &mut socket).await);
    }
    assert_eq!(frames.len(), 2, "[{t}] {frames:?}");
    assert_eq!(frames[0]["type"], "STATE_UPDATE", "[{t}] {frames:?}");
    assert_eq!(frames[1]["success"], true, "[{t}] {frames:?}");

    // Pings are answered with the same payload.
    ok(
        t,
        "ping",
        socket.send(Message::Ping("are you there".into())).await,
    );
    let pong = loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
            Ok(Some(Ok(Message::Pong(payload)))) => break payload,
            Ok(Some(Ok(_))) => continue,
            other => panic!("[{t}] expected a pong, got {other:?}"),
        }
    };
    assert_eq!(&pong[..], b"are you there", "[{t}]");

    // The client's close is answered with a close frame; the server releases everything.
    ok(t, "close", socket.close(None).await);
    let answered = loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => continue,
            other => panic!("[{t}] expected a close frame, got {other:?}"),
        }
    };
    let code = answered.map(|frame| frame.code);
    assert!(
        matches!(code, None | Some(CloseCode::Normal)),
        "[{t}] normal close, got {code:?}"
    );
    eventually(&format!("[{t}] everything released"), || async {
        let stats = served.stats().await;
        stats.connections == 0 && stats.components == 0
    })
    .await;
}

async fn unmount_destroys_the_component_and_its_id_stops_working(t: Case) {
    let served = serve(t).await;
    let client = served.connect().await;
    let id = mount(&client, "Probe").await;
    assert_eq!(served.stats().await.components, 1, "[{t}]");
    ok(t, "unmount", client.unmount(&id).await);
    eventually(&format!("[{t}] component destroyed"), || async {
        served.stats().await.components == 0
    })
    .await;
    assert!(probe::was_destroyed(&id), "[{t}] on_destroy ran");
    assert_eq!(
        server_error(t, client.call(&id, "hit", Value::Null).await),
        format!("COMPONENT_REHYDRATION_REQUIRED:{id}"),
        "[{t}]"
    );
}

async fn closing_releases_everything_and_a_new_connection_works(t: Case) {
    let served = serve(t).await;
    let client = served.connect().await;
    let id = mount(&client, "Probe").await;
    mount(&client, "SharedCounter").await;
    // Close in the middle of an action.
    ok(
        t,
        "fire",
        client.fire(&id, "slow", json!({"ms": 200})).await,
    );
    client.close().await;
    eventually(&format!("[{t}] everything released"), || async {
        let stats = served.stats().await;
        stats.connections == 0 && stats.components == 0 && stats.singletons == 0
    })
    .await;
    eventually(&format!("[{t}] destroy hook ran"), || async {
        probe::was_destroyed(&id)
    })
    .await;
    let again = served.connect().await;
    still_works(t, &again).await;
}

async fn concurrent_connections_share_one_singleton(t: Case) {
    const CLIENTS: i64 = 50;
    let served = serve(t).await;
    let url = served.url();
    let wire = served.wire();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..CLIENTS {
        let url = url.clone();
        tasks.spawn(async move {
            let client = LiveClient::connect_over(&url, wire, &[])
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
        let (i, mine, client) = ok(t, "client", ok(t, "client task", joined));
        assert_eq!(mine, Some(json!(i)), "[{t}]");
        clients.push(client);
    }
    let stats = served.stats().await;
    assert_eq!(stats.connections, clients.len(), "[{t}]");
    assert_eq!(
        stats.components,
        clients.len() + 1,
        "[{t}] counters and one singleton"
    );
    let watcher = served.connect().await;
    let shared = ok(
        t,
        "mount",
        watcher.mount("SharedCounter", Value::Null).await,
    );
    assert_eq!(
        shared.state["count"], CLIENTS,
        "[{t}] every increment landed once"
    );
}

async fn only_the_live_path_upgrades_and_other_routes_stay_the_apps(t: Case) {
    let served = serve(t).await;
    for path in ["/api/live/nope", "/ws", "/"] {
        let refused = LiveClient::connect(&served.url_for(path)).await;
        assert!(refused.is_err(), "[{t}] {path} must not upgrade");
    }
    let (status, body) = http_get(served.addr(), "/health").await;
    if t.serves_other_routes() {
        assert!(status.contains(" 200 "), "[{t}] /health: {status}");
        assert_eq!(body, "ok", "[{t}] /health");
    } else {
        assert!(
            !status.contains(" 200 "),
            "[{t}] standalone serves only Live: {status}"
        );
    }
    still_works(t, &served.connect().await).await;
}

async fn graceful_shutdown_closes_sockets_with_1001_and_runs_destroy_hooks(t: Case) {
    let served = serve(t).await;
    let live = served.live_server().clone();
    let alice = served.connect().await;
    let bob = served.connect().await;
    let id = mount(&alice, "Probe").await;
    mount(&bob, "SharedCounter").await;
    assert_eq!(served.stats().await.components, 2, "[{t}]");
    let url = served.url();
    served.shutdown().await;
    for client in [&alice, &bob] {
        assert_eq!(
            close_of(t, client).await,
            (1001, "Server shutting down".to_owned()),
            "[{t}]"
        );
    }
    eventually(&format!("[{t}] destroy hook ran"), || async {
        probe::was_destroyed(&id)
    })
    .await;
    eventually(&format!("[{t}] everything stopped"), || async {
        let stats = live.stats().await;
        stats.components == 0 && stats.singletons == 0 && stats.connections == 0
    })
    .await;
    assert!(
        LiveClient::connect_over(&url, t.wire, &[]).await.is_err(),
        "[{t}] no new connections after shutdown"
    );
}

// ---------------------------------------------------------------------------------------
// Every case, for every transport
// ---------------------------------------------------------------------------------------

macro_rules! conformance {
    (every: [$($case:ident),+ $(,)?], websocket: [$($ws:ident),+ $(,)?] $(,)?) => {
        conformance!(@server standalone, Standalone; [$($case),+]; [$($ws),+]);
        conformance!(@server axum, Axum; [$($case),+]; [$($ws),+]);
        conformance!(@server actix, Actix; [$($case),+]; [$($ws),+]);
    };
    (@server $module:ident, $server:ident; [$($case:ident),+]; [$($ws:ident),+]) => {
        mod $module {
            conformance!(@wire websocket, $server, WebSocket; $($case,)+ $($ws),+);
            conformance!(@wire sse, $server, Sse; $($case),+);
            conformance!(@wire long_polling, $server, LongPolling; $($case),+);
        }
    };
    (@wire $module:ident, $server:ident, $wire:ident; $($case:ident),+) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let case = super::super::Case {
                        server: super::super::Transport::$server,
                        wire: super::super::Wire::$wire,
                    };
                    super::super::$case(case).await;
                }
            )+
        }
    };
}

conformance!(
    every: [
        mount_sends_state_update_then_the_reply,
        actions_send_events_and_the_delta_before_the_reply,
        a_singleton_is_shared_and_destroyed_after_the_last_viewer_leaves,
        bad_frames_get_the_reference_errors_and_the_connection_keeps_working,
        oversized_and_binary_frames_are_refused_without_closing,
        a_flood_is_rate_limited_and_other_clients_are_unaffected,
        unmount_destroys_the_component_and_its_id_stops_working,
        closing_releases_everything_and_a_new_connection_works,
        concurrent_connections_share_one_singleton,
        graceful_shutdown_closes_sockets_with_1001_and_runs_destroy_hooks,
        // ROOMS (issue #3): add the room cases here once rooms land: join/leave, typed events
        // to every member, room state deltas, and the binary msgpack room frames (0x02/0x03).
        // Write each as `async fn case(t: Case)` above; listing it here runs it on every
        // server and wire.
    ],
    // A raw WebSocket, or what only a WebSocket has (close codes of the socket layer, the
    // upgrade). The HTTP wires' own rules are in tests/tests/http_transports.rs.
    websocket: [
        a_frame_over_twice_the_limit_closes_the_connection,
        fragments_pings_and_the_close_handshake,
        only_the_live_path_upgrades_and_other_routes_stay_the_apps,
    ],
);

/// Framework adapters only: `LiveServer::shutdown` stops Live while the app keeps serving its
/// other routes (the standalone server stops through `RunningServer::shutdown`, covered by
/// the graceful-shutdown case).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_shutdown_leaves_the_frameworks_other_routes_serving() {
    let servers = [Transport::Axum, Transport::Actix];
    for t in servers
        .into_iter()
        .flat_map(|server| WIRES.map(|wire| Case { server, wire }))
    {
        let served = serve(t).await;
        let client = served.connect().await;
        let id = mount(&client, "Probe").await;
        served.live_server().shutdown().await;
        assert_eq!(
            close_of(t, &client).await,
            (1001, "Server shutting down".to_owned()),
            "[{t}]"
        );
        assert!(
            probe::was_destroyed(&id),
            "[{t}] destroyed before shutdown returned"
        );
        assert_eq!(served.stats().await.components, 0, "[{t}]");
        assert!(
            served.try_connect().await.is_err(),
            "[{t}] new Live connections are refused"
        );
        let (status, body) = http_get(served.addr(), "/health").await;
        assert!(status.contains(" 200 "), "[{t}] /health: {status}");
        assert_eq!(body, "ok", "[{t}]");
        served.shutdown().await;
    }
}
