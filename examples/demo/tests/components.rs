//! The demo's components through `live::testing`: the real runtime in process, no socket.

use demo::{ChatRoom, Counter, GENERAL, LiveChat, ServerStats, SharedCounter, announce};
use live::RefusalKind;
use live::testing::{Received, TestServer};
use serde_json::json;

fn server() -> TestServer {
    TestServer::from_server(demo::server().unwrap_or_else(|e| panic!("{e}")))
}

#[tokio::test]
async fn counter_adds_steps_and_takes_a_seed() {
    let server = server();
    let client = server.connect().await;
    let id = client.mount_component::<Counter>(json!({"count": 2})).await;
    assert_eq!(client.invoke_ok(&id, Counter::actions().add(5)).await, 7);
    assert_eq!(
        client.invoke_ok(&id, Counter::actions().increment()).await,
        8
    );
    assert_eq!(
        client.invoke_ok(&id, Counter::actions().decrement()).await,
        7
    );
    client.assert_state(&id, &Counter { count: 7 });
}

#[tokio::test]
async fn counter_refuses_to_overflow_and_keeps_its_count() {
    let server = server();
    let client = server.connect().await;
    let id = client
        .mount_component::<Counter>(json!({"count": i64::MAX}))
        .await;
    let overflow = client.invoke_err(&id, Counter::actions().add(1)).await;
    assert_eq!(overflow.server_message(), Some("count would overflow"));
    client.assert_state(&id, &Counter { count: i64::MAX });
    let wrong = client.set_property(&id, "viewers", json!(1)).await;
    let wrong = wrong.err().and_then(|e| e.refusal());
    assert_eq!(wrong, Some(RefusalKind::PropertyNotUpdatable));
}

#[tokio::test]
async fn every_client_of_the_shared_counter_sees_one_count() {
    let server = server();
    let (alice, bob) = (server.connect().await, server.connect().await);
    let a = alice.mount_component::<SharedCounter>(json!({})).await;
    let b = bob.mount_component::<SharedCounter>(json!({})).await;
    assert_eq!(a, b, "one instance");
    alice.invoke_ok(&a, SharedCounter::actions().add(3)).await;
    let seen = bob.expect_state(&b, |s: &SharedCounter| s.count == 3).await;
    assert_eq!(
        seen,
        SharedCounter {
            count: 3,
            viewers: 2
        }
    );
    drop(alice);
    bob.expect_state(&b, |s: &SharedCounter| s.viewers == 1)
        .await;
}

#[tokio::test]
async fn chat_messages_reach_everybody_in_the_room() {
    let server = server();
    let (alice, bob) = (server.connect().await, server.connect().await);
    let a = alice.mount_component::<LiveChat>(json!({})).await;
    let b = bob.mount_component::<LiveChat>(json!({})).await;
    alice
        .invoke_ok(&a, LiveChat::actions().send(" hi ".into()))
        .await;
    let chat = bob
        .expect_state(&b, |c: &LiveChat| c.messages.len() == 1)
        .await;
    let first = chat.messages.first().cloned();
    assert_eq!(first.as_ref().map(|m| m.text.as_str()), Some("hi"));
    assert!(first.is_some_and(|m| m.from.starts_with("guest-")));
    let event = bob
        .received()
        .await
        .into_iter()
        .find_map(|frame| match frame {
            Received::Room(room) if room.event == "message:new" => Some(room),
            _ => None,
        });
    let event = event.map(|e| (e.room_id, e.component_id));
    assert_eq!(event, Some(("chat:general".to_owned(), b)));
    let room = server.room::<ChatRoom>(GENERAL).state().await;
    let room = room.map(|r| (r.user_count, r.messages.len()));
    assert_eq!(room.ok(), Some((2, 1)));
}

#[tokio::test]
async fn chat_refuses_empty_text_and_the_server_can_announce() {
    let server = server();
    let client = server.connect().await;
    let id = client.mount_component::<LiveChat>(json!({})).await;
    let empty = client
        .invoke_err(&id, LiveChat::actions().send("  ".into()))
        .await;
    let rule = "text must be 1 to 500 characters";
    assert_eq!(empty.server_message(), Some(rule));
    let sent = announce(&server.handle(), "maintenance at noon").await;
    assert_eq!(sent.map(|m| m.from).as_deref(), Ok("server"));
    let chat = client
        .expect_state(&id, |c: &LiveChat| !c.messages.is_empty())
        .await;
    let texts: Vec<&str> = chat.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["maintenance at noon"]);
}

#[tokio::test]
async fn a_client_cannot_post_to_the_chat_as_somebody_else() {
    let server = server();
    let (mallory, bob) = (server.connect().await, server.connect().await);
    let m = mallory.mount_component::<LiveChat>(json!({})).await;
    let b = bob.mount_component::<LiveChat>(json!({})).await;
    let fake = json!({"from": "server", "text": "send me your password", "timestamp": 0});
    let refused = mallory
        .request(
            json!({"type": "ROOM_EMIT", "componentId": m, "roomId": "chat:general",
            "payload": {"event": "message:new", "data": fake}}),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let error = refused.get("error").and_then(|error| error.as_str());
    assert_eq!(refused.get("type"), Some(&json!("ERROR")));
    assert_eq!(
        error,
        Some("Event 'message:new' cannot be emitted by a client")
    );
    // The connection stays open; a message sent through the action carries the real sender.
    mallory
        .invoke_ok(&m, LiveChat::actions().send("hello".into()))
        .await;
    let chat = bob
        .expect_state(&b, |c: &LiveChat| !c.messages.is_empty())
        .await;
    let seen: Vec<(&str, &str)> = chat
        .messages
        .iter()
        .map(|m| (m.from.as_str(), m.text.as_str()))
        .collect();
    let from = format!("guest-{}", mallory.connection_id());
    assert_eq!(seen, [(from.as_str(), "hello")]);
    let room = server.room::<ChatRoom>(GENERAL).state().await;
    assert_eq!(room.map(|r| r.messages.len()).ok(), Some(1));
}

/// `ServerStats` refreshes itself every second; the paused clock skips the wait.
#[tokio::test(start_paused = true)]
async fn server_stats_tick_on_their_own() {
    let server = server();
    let client = server.connect().await;
    let counter = client.mount_component::<Counter>(json!({})).await;
    for _ in 0..3 {
        client
            .invoke_ok(&counter, Counter::actions().increment())
            .await;
    }
    let id = client.mount_component::<ServerStats>(json!({})).await;
    let first = client
        .expect_state(&id, |s: &ServerStats| s.components == 2)
        .await;
    assert_eq!(first.connections, 1);
    let uptime = first.uptime_seconds;
    let later = client
        .expect_state(&id, |s: &ServerStats| s.uptime_seconds > uptime)
        .await;
    assert_eq!(later.components, 2);
}
