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
    assert_eq!(
        client.invoke(&id, Counter::actions().add(5)).await.ok(),
        Some(7)
    );
    assert_eq!(
        client
            .invoke(&id, Counter::actions().increment())
            .await
            .ok(),
        Some(8)
    );
    assert_eq!(
        client
            .invoke(&id, Counter::actions().decrement())
            .await
            .ok(),
        Some(7)
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
    let overflow = client.invoke(&id, Counter::actions().add(1)).await;
    let error = overflow.err().unwrap_or_else(|| panic!("no overflow"));
    assert_eq!(error.server_message(), Some("count would overflow"));
    client.assert_state(&id, &Counter { count: i64::MAX });
    let wrong = client.set_property(&id, "viewers", json!(1)).await;
    assert_eq!(
        wrong.err().and_then(|e| e.refusal()),
        Some(RefusalKind::PropertyNotUpdatable)
    );
}

#[tokio::test]
async fn every_client_of_the_shared_counter_sees_one_count() {
    let server = server();
    let (alice, bob) = (server.connect().await, server.connect().await);
    let a = alice.mount_component::<SharedCounter>(json!({})).await;
    let b = bob.mount_component::<SharedCounter>(json!({})).await;
    assert_eq!(a, b, "one instance");
    alice
        .invoke(&a, SharedCounter::actions().add(3))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
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
        .invoke(&a, LiveChat::actions().send(" hi ".into()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let chat = bob
        .expect_state(&b, |c: &LiveChat| !c.messages.is_empty())
        .await;
    assert_eq!(
        (
            chat.messages[0].text.as_str(),
            chat.messages[0].from.starts_with("guest-")
        ),
        ("hi", true)
    );
    let event = bob
        .received()
        .await
        .into_iter()
        .find_map(|frame| match frame {
            Received::Room(room) if room.event == "message:new" => Some(room),
            _ => None,
        });
    assert_eq!(
        event.map(|e| (e.room_id, e.component_id)),
        Some(("chat:general".into(), b))
    );
    let room = server
        .room::<ChatRoom>(GENERAL)
        .state()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((room.user_count, room.messages.len()), (2, 1));
}

#[tokio::test]
async fn chat_refuses_empty_text_and_the_server_can_announce() {
    let server = server();
    let client = server.connect().await;
    let id = client.mount_component::<LiveChat>(json!({})).await;
    let empty = client
        .invoke(&id, LiveChat::actions().send("  ".into()))
        .await;
    assert_eq!(
        empty
            .err()
            .and_then(|e| e.server_message().map(str::to_owned))
            .as_deref(),
        Some("text must be 1 to 500 characters")
    );
    let sent = announce(&server.handle(), "maintenance at noon").await;
    assert_eq!(sent.map(|m| m.from).as_deref(), Ok("server"));
    let chat = client
        .expect_state(&id, |c: &LiveChat| c.messages.len() == 1)
        .await;
    assert_eq!(chat.messages[0].text, "maintenance at noon");
}

#[tokio::test(start_paused = true)]
async fn server_stats_tick_on_their_own() {
    let server = server();
    let client = server.connect().await;
    let counter = client.mount_component::<Counter>(json!({})).await;
    for _ in 0..3 {
        client
            .invoke(&counter, Counter::actions().increment())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let id = client.mount_component::<ServerStats>(json!({})).await;
    let first = client
        .expect_state(&id, |s: &ServerStats| s.components == 2)
        .await;
    assert_eq!(first.connections, 1);
    // A second later (tokio time, skipped by the paused clock) the timer ticks again.
    let later = client
        .expect_state(&id, |s: &ServerStats| {
            s.uptime_seconds > first.uptime_seconds
        })
        .await;
    assert_eq!(later.components, 2);
}
