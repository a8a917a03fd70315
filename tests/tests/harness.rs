//! `live::testing` itself: every thing a component test can do, on the in-process server.

use demo::{ChatRoom, Counter, LiveChat, SharedCounter};
use live::RefusalKind;
use live::testing::{Received, TestCluster, TestServer};
use live_tests::push::{Bump, Tally, Ticker};
use live_tests::secure::{Board, TokenAuth, Vault};
use serde_json::json;
use std::time::Duration;

fn refusal<T: std::fmt::Debug>(result: Result<T, live::client::ClientError>) -> RefusalKind {
    match result {
        Err(error) => error
            .refusal()
            .unwrap_or_else(|| panic!("not a refusal of the server's: {error}")),
        Ok(value) => panic!("expected a refusal, got {value:?}"),
    }
}

#[tokio::test]
async fn typed_calls_return_the_actions_own_result_type_and_state_decodes() {
    let server = TestServer::new();
    let client = server.connect().await;
    let id = client.mount_component::<Counter>(json!({"count": 2})).await;
    let count: i64 = client
        .invoke(&id, Counter::actions().add(5))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(count, 7);
    assert_eq!(client.state::<Counter>(&id).count, 7);
    client.assert_state(&id, &Counter { count: 7 });
    let call = Counter::actions().add(3);
    assert_eq!(
        (call.action(), call.payload()),
        ("add", Ok(&json!({"by": 3})))
    );
}

#[tokio::test]
async fn everything_received_is_listed_in_order() {
    let server = TestServer::new();
    let client = server.connect().await;
    let id = client.mount_component::<Counter>(json!({})).await;
    client
        .invoke(&id, Counter::actions().increment())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = client.call(&id, "missing", json!({})).await;
    let received = client.received().await;
    assert!(
        matches!(&received[..], [
            Received::State { component: a, state: s },
            Received::Reply(_),
            Received::Delta { component: b, delta: d },
            Received::Reply(_),
            Received::Refused { refusal: Some(RefusalKind::ActionNotCallable), .. },
            Received::Refused { refusal: Some(RefusalKind::ActionNotCallable), .. },
        ] if *a == id && *b == id && *s == json!({"count": 0}) && *d == json!({"count": 1})),
        "{received:#?}"
    );
    assert!(client.received().await.is_empty(), "read once");
}

#[tokio::test]
async fn calls_by_name_property_writes_and_unmount() {
    let server = TestServer::new();
    let client = server.connect().await;
    let id = client.mount_component::<Counter>(json!({})).await;
    let result = client.call(&id, "add", json!({"by": 4})).await;
    assert_eq!(result.ok().flatten(), Some(json!(4)));
    client
        .set_property(&id, "count", json!(40))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    client.assert_state(&id, &Counter { count: 40 });
    client.unmount(&id).await.unwrap_or_else(|e| panic!("{e}"));
    let gone = client.invoke(&id, Counter::actions().increment()).await;
    assert_eq!(refusal(gone), RefusalKind::RehydrationRequired);
}

#[tokio::test]
async fn refusals_are_matched_by_kind() {
    let server = TestServer::new();
    let client = server.connect().await;
    let id = client.mount_component::<Counter>(json!({})).await;
    let max = client.invoke(&id, Counter::actions().add(i64::MAX)).await;
    assert_eq!(max.ok(), Some(i64::MAX));
    match client.invoke(&id, Counter::actions().add(1)).await {
        Err(error) => {
            assert_eq!(error.refusal(), None, "an action's own error has no kind");
            assert_eq!(error.server_message(), Some("count would overflow"));
        }
        Ok(count) => panic!("no overflow: {count}"),
    }
    let property = client.set_property(&id, "nope", json!(1)).await;
    assert_eq!(refusal(property), RefusalKind::PropertyNotUpdatable);
    let unknown = client.mount("Nope", json!({})).await;
    assert_eq!(refusal(unknown), RefusalKind::UnknownComponent);
}

#[tokio::test]
async fn credentials_go_through_the_apps_auth_provider() {
    let server = TestServer::build(live::LiveServer::builder().auth_provider(TokenAuth));
    let anonymous = server.connect().await;
    let denied = anonymous.mount("Vault", json!({})).await;
    assert_eq!(refusal(denied), RefusalKind::AuthenticationRequired);
    let wrong = server.try_connect_as(json!({"token": "wrong"})).await;
    assert_eq!(refusal(wrong), RefusalKind::AuthenticationFailed);

    let user = server.connect_as(json!({"token": "user-token"})).await;
    let vault = user.mount_component::<Vault>(json!({})).await;
    let who = user.invoke(&vault, Vault::actions().whoami()).await;
    assert_eq!(who.ok().flatten().as_deref(), Some("user"));
    let board = user.mount_component::<Board>(json!({})).await;
    let reset = user.invoke(&board, Board::actions().reset()).await;
    assert_eq!(refusal(reset), RefusalKind::ActionInsufficientRoles);
}

#[tokio::test(start_paused = true)]
async fn a_paused_clock_passes_rate_limit_windows_without_sleeping() {
    let server = TestServer::new();
    let client = server.connect().await;
    let board = client.mount_component::<Board>(json!({})).await;
    for _ in 0..2 {
        let pong = client.invoke(&board, Board::actions().ping()).await;
        assert_eq!(pong.ok(), Some(json!("pong")));
    }
    let limited = client.invoke(&board, Board::actions().ping()).await;
    assert_eq!(refusal(limited), RefusalKind::ActionRateLimited);
    tokio::time::advance(Duration::from_secs(60)).await;
    let again = client.invoke(&board, Board::actions().ping()).await;
    assert_eq!(again.ok(), Some(json!("pong")), "a new window");
}

#[tokio::test(start_paused = true)]
async fn timers_run_on_the_paused_clock() {
    let server = TestServer::new();
    let client = server.connect().await;
    let id = client.mount_component::<Ticker>(json!({})).await;
    let started = tokio::time::Instant::now();
    client
        .invoke(&id, Ticker::actions().start(1000))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ticked = client.expect_state(&id, |t: &Ticker| t.ticks >= 3).await;
    assert!(ticked.ticks >= 3);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(4),
        "three ticks of a second each, in tokio time: {elapsed:?}"
    );
}

#[tokio::test]
async fn app_code_pushes_through_the_servers_handle() {
    let server = TestServer::new();
    let client = server.connect().await;
    let id = client.mount_component::<Tally>(json!({})).await;
    server
        .singleton::<Tally>()
        .send(Bump(5))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let tally = client.expect_state(&id, |t: &Tally| t.count == 5).await;
    assert_eq!(tally.count, 5);
}

#[tokio::test]
async fn a_component_comes_back_from_its_last_signed_state() {
    let server = TestServer::new();
    let first = server.connect().await;
    let old = first.mount_component::<Counter>(json!({})).await;
    first
        .invoke(&old, Counter::actions().add(7))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let signed = first
        .next_of_type("STATE_SIGNATURE")
        .await
        .ok()
        .and_then(|_| first.signed_state(&old))
        .unwrap_or_else(|| panic!("no signed state"));
    drop(first);
    let second = server.connect().await;
    let new = second.rehydrate_component::<Counter>(&old, signed).await;
    assert_ne!(new, old);
    second.assert_state(&new, &Counter { count: 7 });
}

#[tokio::test]
async fn several_clients_share_a_singleton() {
    let server = TestServer::new();
    let alice = server.connect().await;
    let bob = server.connect().await;
    let a = alice.mount_component::<SharedCounter>(json!({})).await;
    let b = bob.mount_component::<SharedCounter>(json!({})).await;
    assert_eq!(a, b);
    alice
        .invoke(&a, SharedCounter::actions().add(3))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let seen = bob
        .expect_state(&b, |s: &SharedCounter| s.count == 3 && s.viewers == 2)
        .await;
    assert_eq!((seen.count, seen.viewers), (3, 2));
}

#[tokio::test]
async fn rooms_deliver_decoded_frames_and_their_state_is_readable() {
    let server = TestServer::new();
    let alice = server.connect().await;
    let bob = server.connect().await;
    let a = alice.mount_component::<LiveChat>(json!({})).await;
    let b = bob.mount_component::<LiveChat>(json!({})).await;
    alice
        .invoke(&a, LiveChat::actions().send("hi".to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let heard = bob
        .expect_state(&b, |chat: &LiveChat| {
            chat.messages.iter().any(|m| m.text == "hi")
        })
        .await;
    assert_eq!(heard.messages.len(), 1);
    let frames = bob.received().await;
    let event = frames.iter().find_map(|frame| match frame {
        Received::Room(room) if room.event == "message:new" => Some(room),
        _ => None,
    });
    let event = event.unwrap_or_else(|| panic!("no message:new in {frames:#?}"));
    assert_eq!(event.room_id, "chat:general");
    assert_eq!(event.payload.get("text"), Some(&json!("hi")));

    let room: ChatRoom = server
        .room::<ChatRoom>("general")
        .state()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(room.user_count, 2);
    assert_eq!(room.messages.len(), 1);
}

#[tokio::test]
async fn a_cluster_of_test_servers_shares_singletons_and_rooms() {
    let cluster = TestCluster::new(2);
    let alice = cluster.server(0).connect().await;
    let bob = cluster.server(1).connect().await;
    let a = alice.mount_component::<SharedCounter>(json!({})).await;
    let b = bob.mount_component::<SharedCounter>(json!({})).await;
    alice
        .invoke(&a, SharedCounter::actions().add(2))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    bob.expect_state(&b, |s: &SharedCounter| s.count == 2).await;
    let count = bob.invoke(&b, SharedCounter::actions().add(1)).await;
    assert_eq!(count.ok(), Some(3), "one owner for both servers");

    let chat_a = alice.mount_component::<LiveChat>(json!({})).await;
    let chat_b = bob.mount_component::<LiveChat>(json!({})).await;
    bob.invoke(&chat_b, LiveChat::actions().send("across".to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    alice
        .expect_state(&chat_a, |chat: &LiveChat| {
            chat.messages.iter().any(|m| m.text == "across")
        })
        .await;

    // One secret for the cluster: a state signed on one server rehydrates on another.
    let counter = alice.mount_component::<Counter>(json!({"count": 4})).await;
    let signed = alice.signed_state(&counter);
    let signed = signed.unwrap_or_else(|| panic!("no signed state"));
    let moved = bob.rehydrate_component::<Counter>(&counter, signed).await;
    bob.assert_state(&moved, &Counter { count: 4 });
}

#[tokio::test]
async fn a_failed_assertion_shows_the_component_both_states_and_the_frames() {
    let server = TestServer::new();
    let client = server.connect().await;
    let id = client.mount_component::<Counter>(json!({})).await;
    client
        .invoke(&id, Counter::actions().add(4))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        client.assert_state(&id, &Counter { count: 5 });
    }));
    let payload = failed
        .err()
        .unwrap_or_else(|| panic!("the assertion passed"));
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains(&format!("component: Counter (id {id})")),
        "{message}"
    );
    assert!(message.contains("expected"), "{message}");
    assert!(message.contains(">     count: 5,"), "{message}");
    assert!(message.contains("|     count: 4,"), "{message}");
    assert!(message.contains("STATE_DELTA"), "{message}");
}

#[tokio::test]
async fn a_shut_down_test_server_closes_its_clients() {
    let server = TestServer::new();
    let client = server.connect().await;
    server.shutdown().await;
    let closed = client.next_received().await;
    assert!(
        matches!(closed, Ok(Received::Closed { code: 1001, .. })),
        "{closed:?}"
    );
    assert!(server.try_connect().await.is_err(), "no new clients");
}
