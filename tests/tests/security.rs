//! The hostile-client suite and the security features: signed state and rehydration, auth
//! per component and per action, rate limits, limits on the wire. Every case asserts the
//! exact reply and that the server keeps serving other clients.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::LiveServer;
use live::client::{ClientError, LiveClient};
use live::security::StateSigningConfig;
use live_tests::secure::TokenAuth;
use live_tests::{connect, eventually, frames_until, mount, next_json, start, test_server_with};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

fn secure_server(secret: &str) -> LiveServer {
    let mut config = live::LiveConfig::default();
    config.state_signing = StateSigningConfig::default();
    config.state_signing.secret = Some(secret.to_owned());
    config.state_signing.renew_interval = Duration::from_millis(20);
    test_server_with(
        LiveServer::builder()
            .config(config)
            .auth_provider(TokenAuth)
            .component::<live_tests::secure::Vault>()
            .component::<live_tests::secure::Board>(),
    )
}

async fn error_of(result: Result<Option<Value>, ClientError>) -> String {
    match result {
        Err(ClientError::Server { message, .. }) => message,
        other => panic!("expected a server error, got {other:?}"),
    }
}

async fn auth(client: &LiveClient, token: &str) -> Value {
    client
        .request(json!({"type": "AUTH", "payload": {"token": token}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Mounts `Counter`, adds `by`, and returns (id, the newest signed state seen).
async fn counter_with_signature(client: &LiveClient, by: i64) -> (String, Value) {
    let reply = client
        .request(json!({"type": "COMPONENT_MOUNT", "payload": {"component": "Counter"}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = reply["result"]["componentId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mount_signature = reply["result"]["signedState"].clone();
    assert_eq!(mount_signature["version"], 1);
    assert_eq!(mount_signature["componentId"], id.as_str());
    assert_eq!(
        mount_signature["signature"].as_str().map(str::len),
        Some(64)
    );
    client
        .call(&id, "add", json!({"by": by}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let renewed = client
        .next_of_type("STATE_SIGNATURE")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let signed = renewed["payload"]["signedState"].clone();
    assert_eq!(signed["version"], 2, "renewals are versioned");
    (id, signed)
}

async fn rehydrate(client: &LiveClient, old_id: &str, component: &str, signed: &Value) -> Value {
    client
        .request(json!({"type": "COMPONENT_REHYDRATE", "componentId": old_id,
            "payload": {"component": component, "signedState": signed}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_reconnecting_client_gets_its_state_back_on_a_new_component() {
    let running = start(&secure_server("s3cret")).await;
    let first = connect(&running).await;
    let (old_id, signed) = counter_with_signature(&first, 7).await;
    first.close().await;

    let second = connect(&running).await;
    let reply = rehydrate(&second, &old_id, "Counter", &signed).await;
    assert_eq!(reply["type"], "COMPONENT_REHYDRATED");
    assert_eq!(reply["success"], true);
    assert_eq!(reply["componentId"], old_id.as_str());
    let new_id = reply["result"]["newComponentId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!new_id.is_empty() && new_id != old_id);
    let (before, _) = frames_until(&second, "COMPONENT_REHYDRATED").await;
    let restored = before
        .iter()
        .find(|f| f["type"] == "STATE_REHYDRATED")
        .cloned()
        .unwrap_or_default();
    assert_eq!(restored["componentId"], new_id.as_str());
    assert_eq!(restored["payload"]["state"], json!({"count": 7}));
    assert_eq!(restored["payload"]["oldComponentId"], old_id.as_str());
    assert_eq!(restored["payload"]["newComponentId"], new_id.as_str());
    assert_eq!(
        restored["payload"]["signedState"]["version"], 3,
        "rehydrate signs version + 1"
    );
    let next = second.call(&new_id, "add", json!({"by": 1})).await;
    assert_eq!(next.ok().flatten(), Some(json!(8)));

    // A second server with the same secret accepts it too; another secret does not.
    let sibling = start(&secure_server("s3cret")).await;
    let elsewhere = connect(&sibling).await;
    assert_eq!(
        rehydrate(&elsewhere, &old_id, "Counter", &signed).await["success"],
        true
    );
    let stranger = start(&secure_server("other")).await;
    let refused = rehydrate(&connect(&stranger).await, &old_id, "Counter", &signed).await;
    assert_eq!(
        (refused["success"].clone(), refused["error"].clone()),
        (json!(false), json!("Invalid signature"))
    );
}

#[tokio::test]
async fn forged_tampered_and_mismatched_states_are_refused() {
    let running = start(&secure_server("s3cret")).await;
    let client = connect(&running).await;
    let (old_id, signed) = counter_with_signature(&client, 3).await;

    let mut tampered_data = signed.clone();
    tampered_data["data"] = json!(
        signed["data"]
            .as_str()
            .unwrap_or_default()
            .replace('3', "9")
    );
    let mut tampered_signature = signed.clone();
    let mut signature = signed["signature"].as_str().unwrap_or_default().to_owned();
    let last = if signature.ends_with('0') { "1" } else { "0" };
    signature.replace_range(63.., last);
    tampered_signature["signature"] = json!(signature);
    let mut uppercase = signed.clone();
    uppercase["signature"] = json!(
        signed["signature"]
            .as_str()
            .unwrap_or_default()
            .to_uppercase()
    );
    let mut short = signed.clone();
    short["signature"] = json!("abcd");
    let mut other_id = signed.clone();
    other_id["componentId"] = json!("someone-else");
    for (what, state) in [
        ("data", &tampered_data),
        ("signature", &tampered_signature),
        ("uppercase hex", &uppercase),
        ("short signature", &short),
        ("component id", &other_id),
    ] {
        let reply = rehydrate(&client, &old_id, "Counter", state).await;
        assert_eq!(
            (reply["success"].clone(), reply["error"].clone()),
            (json!(false), json!("Invalid signature")),
            "tampered {what}"
        );
    }
    let reply = rehydrate(&client, &old_id, "Board", &signed).await;
    assert_eq!(
        reply["error"],
        "Component class mismatch - state tampering detected"
    );
    let reply = rehydrate(&client, &old_id, "Nope", &signed).await;
    assert_eq!(
        reply["error"],
        "Component class mismatch - state tampering detected"
    );
    let reply = client
        .request(json!({"type": "COMPONENT_REHYDRATE", "componentId": old_id,
            "payload": {"component": "Counter", "signedState": {"data": 1}}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        reply["error"],
        "Invalid message: payload.signedState is malformed"
    );
    // The genuine state still works after all that.
    assert_eq!(
        rehydrate(&client, &old_id, "Counter", &signed).await["success"],
        true
    );
}

#[tokio::test]
async fn expired_states_are_refused() {
    let mut config = live::LiveConfig::default();
    config.state_signing.secret = Some("s".into());
    config.state_signing.max_age = Duration::from_millis(50);
    let running = start(&test_server_with(LiveServer::builder().config(config))).await;
    let client = connect(&running).await;
    let reply = client
        .request(json!({"type": "COMPONENT_MOUNT", "payload": {"component": "Counter"}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let signed = reply["result"]["signedState"].clone();
    let id = reply["result"]["componentId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(120)).await;
    let refused = rehydrate(&client, &id, "Counter", &signed).await;
    assert_eq!(refused["error"], "State expired");
}

#[tokio::test]
async fn auth_required_components_and_the_auth_message() {
    let running = start(&secure_server("s")).await;
    let client = connect(&running).await;
    let denied = client.mount("Vault", Value::Null).await;
    assert!(
        matches!(&denied, Err(ClientError::Server { message, .. }) if message == "AUTH_DENIED: Authentication required"),
        "{denied:?}"
    );
    let failed = auth(&client, "wrong").await;
    assert_eq!(failed["success"], false);
    assert_eq!(
        failed["payload"],
        json!({"authenticated": false, "error": "Authentication failed"})
    );
    let empty = client
        .request(json!({"type": "AUTH", "payload": {"token": ""}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        empty["payload"]["authenticated"], false,
        "empty credentials stay anonymous"
    );

    let ok = auth(&client, "user-token").await;
    assert_eq!(ok["success"], true);
    assert_eq!(ok["payload"]["authenticated"], true);
    assert_eq!(ok["payload"]["session"]["id"], "user");
    assert_eq!(ok["payload"]["session"]["roles"], json!(["user"]));
    let vault = mount(&client, "Vault").await;
    assert_eq!(
        client
            .call(&vault, "whoami", Value::Null)
            .await
            .ok()
            .flatten(),
        Some(json!("user"))
    );
    // A client-sent userId is ignored everywhere.
    let spoof = LiveClient::connect(&running.url())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reply = spoof
        .request(json!({"type": "COMPONENT_MOUNT", "userId": "admin",
            "payload": {"component": "Board", "userId": "admin"}}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let board = reply["result"]["componentId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let who = spoof
        .request(json!({"type": "CALL_ACTION", "componentId": board, "action": "whoami", "userId": "admin"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(who["result"], Value::Null, "still anonymous: {who}");
}

#[tokio::test]
async fn singleton_actions_are_authorised_with_the_callers_identity() {
    let running = start(&secure_server("s")).await;
    let admin = connect(&running).await;
    let user = connect(&running).await;
    let anonymous = connect(&running).await;
    auth(&admin, "admin-token").await;
    auth(&user, "user-token").await;
    let board = mount(&admin, "Board").await;
    assert_eq!(mount(&user, "Board").await, board);
    assert_eq!(mount(&anonymous, "Board").await, board);
    admin
        .call(&board, "score", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(
        error_of(user.call(&board, "reset", Value::Null).await).await,
        "AUTH_DENIED: Insufficient roles for action 'reset'. Required one of: admin"
    );
    assert_eq!(
        error_of(anonymous.call(&board, "reset", Value::Null).await).await,
        "AUTH_DENIED: Authentication required for action 'reset'"
    );
    let (before, _) = frames_until(&user, "ACTION_RESPONSE").await;
    assert!(
        before.iter().all(|f| f["type"] != "ERROR"),
        "an auth denial emits no ERROR event"
    );
    assert_eq!(
        user.state(&board).map(|s| s["points"].clone()),
        Some(json!(1)),
        "nothing changed"
    );
    admin
        .call(&board, "reset", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        user.wait_for_state(&board, |s| s["points"] == 0)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn per_action_rate_limits_count_per_connection() {
    let running = start(&secure_server("s")).await;
    let (one, two) = (connect(&running).await, connect(&running).await);
    let board = mount(&one, "Board").await;
    mount(&two, "Board").await;
    for _ in 0..2 {
        assert_eq!(
            one.call(&board, "ping", Value::Null).await.ok().flatten(),
            Some(json!("pong"))
        );
    }
    assert_eq!(
        error_of(one.call(&board, "ping", Value::Null).await).await,
        "Action rate limit exceeded (max 2 calls per 60000ms)"
    );
    assert_eq!(
        one.call(&board, "score", Value::Null).await.ok().flatten(),
        Some(json!(1)),
        "other actions still work"
    );
    assert_eq!(
        two.call(&board, "ping", Value::Null).await.ok().flatten(),
        Some(json!("pong")),
        "per connection"
    );
}

#[tokio::test]
async fn room_joins_go_through_the_auth_provider() {
    let running = start(&secure_server("s")).await;
    let client = connect(&running).await;
    let id = mount(&client, "Chatter").await;
    let join = |room: &'static str| {
        client.request(json!({"type": "ROOM_JOIN", "componentId": id, "roomId": room}))
    };
    let denied = join("staff-only").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        denied["error"],
        "Access to room 'staff-only' denied by auth provider 'tokens'"
    );
    let failed = join("broken").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        failed["error"],
        "Room authorization error: directory unavailable"
    );
    auth(&client, "admin-token").await;
    let joined = join("staff-only").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(joined["type"], "ROOM_JOINED");
}

/// Raw bytes on a TCP socket, to send what no well-behaved client would.
async fn raw_upgrade(addr: std::net::SocketAddr) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let request = "GET /api/live/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                   Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    stream
        .write_all(request.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    stream
}

/// A masked client frame.
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0x80 | opcode];
    let len = payload.len();
    if len < 126 {
        bytes.push(0x80 | u8::try_from(len).unwrap_or(0));
    } else {
        bytes.push(0x80 | 126);
        bytes.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
    }
    let mask = [1_u8, 2, 3, 4];
    bytes.extend_from_slice(&mask);
    bytes.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_wire_never_hurts_other_clients() {
    let running = start(&secure_server("s")).await;
    let bystander = connect(&running).await;
    let counter = mount(&bystander, "Counter").await;
    let addr = running.local_addr();

    // Invalid UTF-8 in a text frame, a truncated frame, garbage instead of a handshake,
    // random binary: each connection dies or gets an error, nothing else does.
    let mut invalid_utf8 = raw_upgrade(addr).await;
    let _ = invalid_utf8
        .write_all(&frame(0x1, &[0xff, 0xfe, 0xfd]))
        .await;
    let mut truncated = raw_upgrade(addr).await;
    let whole = frame(0x1, br#"{"type":"PING"}"#);
    let _ = truncated
        .write_all(whole.get(..whole.len() / 2).unwrap_or_default())
        .await;
    drop(truncated);
    let mut garbage = tokio::net::TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = garbage
        .write_all(&[0x13, 0x37, 0x00, 0xff, b'\r', b'\n', b'\r', b'\n'])
        .await;
    let binary = connect(&running).await;
    binary
        .send_binary(vec![0xde, 0xad, 0xbe, 0xef])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reply = next_json(&binary).await;
    assert_eq!(reply["type"], "ERROR");

    // A thousand connections dropped mid-handshake.
    for _ in 0..1000 {
        let mut stream = tokio::net::TcpStream::connect(addr)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = stream
            .write_all(b"GET /api/live/ws HTTP/1.1\r\nHost: x\r\nUpg")
            .await;
    }
    drop((invalid_utf8, garbage));

    assert_eq!(
        bystander
            .call(&counter, "add", json!({"by": 2}))
            .await
            .ok()
            .flatten(),
        Some(json!(2))
    );
    drop(binary);
    eventually("only the bystander remains", || async {
        running.stats().await.connections == 1
    })
    .await;
    let late = connect(&running).await;
    let id = mount(&late, "Counter").await;
    assert_eq!(
        late.call(&id, "increment", Value::Null)
            .await
            .ok()
            .flatten(),
        Some(json!(1))
    );
}

#[tokio::test]
async fn other_origins_are_closed_with_4003_before_anything_else() {
    let mut config = live::LiveConfig::default();
    config.allowed_origins = Some(vec!["http://good.example".to_owned()]);
    let running = start(&test_server_with(LiveServer::builder().config(config))).await;
    let good =
        LiveClient::connect_with_headers(&running.url(), &[("Origin", "http://good.example")])
            .await;
    assert!(good.is_ok(), "an allowed origin connects");
    for headers in [vec![("Origin", "http://evil.example")], vec![]] {
        let refused = LiveClient::connect_with_headers(&running.url(), &headers).await;
        assert!(
            matches!(&refused, Err(ClientError::Rejected { code: 4003, reason }) if reason == "Origin not allowed"),
            "{headers:?}: {refused:?}"
        );
    }
}
