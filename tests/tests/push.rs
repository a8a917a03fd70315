//! The server speaks first: timers, app messages and their errors, end to end over real
//! sockets (paused-clock unit tests are in live's `runtime::actor::push_tests`).

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::PushError;
use live::client::{LiveClient, ServerFrame};
use live_tests::push::{
    Boom, Bump, News, Stall, Tally, Ticker, Watcher, push_server, push_server_with,
};
use live_tests::rooms::{Lobby, LobbyEvent};
use live_tests::secure::TokenAuth;
use live_tests::{connect, eventually, mount, start};

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

fn count(state: &Value) -> i64 {
    state["count"].as_i64().unwrap_or(i64::MIN)
}

/// The tally's count as the server has it, read on the component's task.
async fn server_count(handle: &live::server::LiveHandle) -> i64 {
    let (tx, rx) = oneshot::channel();
    let tally = handle.singleton::<Tally>();
    let read = tally.update(move |tally, _| {
        let _ = tx.send(tally.count);
    });
    assert_eq!(read.await, Ok(()));
    rx.await
        .unwrap_or_else(|_| panic!("the update did not run"))
}

#[tokio::test]
async fn a_timer_pushes_deltas_to_its_viewer_in_real_time() {
    let running = start(&push_server()).await;
    let client = connect(&running).await;
    let id = mount(&client, "Ticker").await;
    let started = Instant::now();
    client
        .call(&id, "start", json!({"ms": 20}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let state = client
        .wait_for_state(&id, |state| state["ticks"].as_u64() >= Some(5))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let elapsed = started.elapsed();
    assert!(state["ticks"].as_u64() >= Some(5));
    assert!(
        elapsed >= Duration::from_millis(90),
        "5 ticks of 20 ms came after {elapsed:?}"
    );
}

#[tokio::test]
async fn unmount_cancels_the_timer_and_no_frame_follows() {
    let running = start(&push_server()).await;
    let client = connect(&running).await;
    let before = running.stats().await.push_tasks;
    let id = mount(&client, "Ticker").await;
    client
        .call(&id, "start", json!({"ms": 10}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(running.stats().await.push_tasks, before + 1);
    client
        .wait_for_state(&id, |state| state["ticks"].as_u64() >= Some(2))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    client.unmount(&id).await.unwrap_or_else(|e| panic!("{e}"));
    eventually("the timer task ends", || async {
        running.stats().await.push_tasks == before
    })
    .await;
    // Skip what was sent before the component was destroyed; nothing may follow.
    tokio::time::sleep(Duration::from_millis(100)).await;
    while tokio::time::timeout(Duration::from_millis(20), client.next_frame())
        .await
        .is_ok()
    {}
    let quiet = tokio::time::timeout(Duration::from_millis(300), frame_for(&client, &id)).await;
    assert!(quiet.is_err(), "a frame came after unmount: {quiet:?}");
}

/// The next frame about component `id`.
async fn frame_for(client: &LiveClient, id: &str) -> Value {
    loop {
        match client.next_frame().await {
            Ok(ServerFrame::Json(frame)) if frame["componentId"] == id => return frame,
            Ok(_) => {}
            Err(error) => panic!("{error}"),
        }
    }
}

#[tokio::test]
async fn cancel_stops_a_timer() {
    let running = start(&push_server()).await;
    let client = connect(&running).await;
    let id = mount(&client, "Ticker").await;
    client
        .call(&id, "start", json!({"ms": 10}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    client
        .wait_for_state(&id, |state| state["ticks"].as_u64() >= Some(1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    client
        .call(&id, "stop", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    eventually("the timer task ends", || async {
        running.stats().await.push_tasks == 0
    })
    .await;
    let stopped = client.state(&id);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(client.state(&id), stopped);
}

#[tokio::test]
async fn app_messages_reach_a_thousand_viewers_with_the_same_final_count() {
    let running = start(&push_server()).await;
    let handle = running.handle();
    let clients: Vec<LiveClient> =
        futures_util::future::join_all((0..1000).map(|_| connect(&running))).await;
    let ids = futures_util::future::join_all(clients.iter().map(|c| mount(c, "Tally"))).await;
    let tally = handle.singleton::<Tally>();
    for _ in 0..200 {
        assert_eq!(tally.send(Bump(1)).await, Ok(()));
    }
    let expected = server_count(&handle).await;
    assert_eq!(expected, 200);
    for (client, id) in clients.iter().zip(&ids) {
        let state = client
            .wait_for_state(id, |state| count(state) == expected)
            .await
            .unwrap_or_else(|e| panic!("a viewer did not reach {expected}: {e}"));
        assert_eq!(count(&state), expected);
    }
}

#[tokio::test]
async fn actions_and_pushes_interleave_and_the_client_ends_equal_to_the_server() {
    // A mount and 100 calls back to back: more than the default per-connection budget
    // (100 frames, 50 a second) when they take under 20 ms.
    let running = start(&push_server_with(
        live::LiveServer::builder().rate_limit(None),
    ))
    .await;
    let handle = running.handle();
    let client = connect(&running).await;
    let id = mount(&client, "Tally").await;
    let pusher = {
        let tally = handle.singleton::<Tally>();
        tokio::spawn(async move {
            for i in 0..100 {
                let sent = if i % 2 == 0 {
                    tally.send(Bump(1)).await
                } else {
                    tally.update(|tally: &mut Tally, _| tally.count += 1).await
                };
                assert_eq!(sent, Ok(()));
            }
        })
    };
    for _ in 0..100 {
        client
            .call(&id, "add", json!({"by": 1}))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    pusher.await.unwrap_or_else(|e| panic!("{e}"));
    let expected = server_count(&handle).await;
    assert_eq!(expected, 200);
    let state = client
        .wait_for_state(&id, |state| count(state) == expected)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(count(&state), 200);
}

#[tokio::test]
async fn every_error_path_returns_its_error() {
    let running = start(&push_server()).await;
    let handle = running.handle();
    let tally = handle.singleton::<Tally>();
    assert_eq!(tally.send(Bump(1)).await, Err(PushError::NotRunning));
    assert_eq!(tally.try_send(Bump(1)).await, Err(PushError::NotRunning));
    assert_eq!(
        handle
            .singleton::<Ticker>()
            .update(|_: &mut Ticker, _| {})
            .await,
        Err(PushError::NotSingleton)
    );

    let client = connect(&running).await;
    let id = mount(&client, "Tally").await;
    // A panicking handler is contained: the next message still lands.
    assert_eq!(tally.send(Boom).await, Ok(()));
    assert_eq!(tally.send(Bump(5)).await, Ok(()));
    client
        .wait_for_state(&id, |state| count(state) == 5)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // A blocked component: try_send fills the mailbox, then fails at once.
    assert_eq!(tally.send(Stall(Duration::from_millis(500))).await, Ok(()));
    let mut refused = None;
    for _ in 0..100 {
        if let Err(error) = tally.try_send(Bump(1)).await {
            refused = Some(error);
            break;
        }
    }
    assert_eq!(refused, Some(PushError::Full));

    // Nobody watches any more: the singleton is destroyed and not restarted by a send.
    client.unmount(&id).await.unwrap_or_else(|e| panic!("{e}"));
    eventually("the singleton stops", || async {
        running.stats().await.singletons == 0
    })
    .await;
    assert_eq!(tally.send(Bump(1)).await, Err(PushError::NotRunning));
    assert_eq!(running.stats().await.singletons, 0);
}

#[tokio::test]
async fn topics_reach_their_subscribers_until_they_unsubscribe_or_are_destroyed() {
    let running = start(&push_server()).await;
    let handle = running.handle();
    assert_eq!(handle.publish("news", News("nobody".into())).await, 0);
    let clients: Vec<LiveClient> =
        futures_util::future::join_all((0..3).map(|_| connect(&running))).await;
    let ids = futures_util::future::join_all(clients.iter().map(|c| mount(c, "Watcher"))).await;
    assert_eq!(handle.subscribers("news"), 3);
    assert_eq!(handle.publish("news", News("hello".into())).await, 3);
    assert_eq!(handle.publish("other", News("elsewhere".into())).await, 0);
    for (client, id) in clients.iter().zip(&ids) {
        client
            .wait_for_state(id, |state| state["last"] == "hello")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let (first, second) = (&clients[0], &clients[1]);
    first
        .unmount(&ids[0])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    eventually("the destroyed watcher's subscription ends", || async {
        handle.subscribers("news") == 2
    })
    .await;
    second
        .call(&ids[1], "mute", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(handle.subscribers("news"), 1);
    assert_eq!(handle.publish("news", News("late".into())).await, 1);
    clients[2]
        .wait_for_state(&ids[2], |state| state["last"] == "late")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        second.state(&ids[1]).map(|s| s["last"].clone()),
        Some(json!("hello"))
    );
}

#[tokio::test]
async fn a_component_messages_a_singleton_through_the_server_handle() {
    let running = start(&push_server()).await;
    let client = connect(&running).await;
    let tally = mount(&client, "Tally").await;
    let relay = mount(&client, "Relay").await;
    for _ in 0..3 {
        client
            .call(&relay, "forward", json!({"by": 7}))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    client
        .wait_for_state(&tally, |state| count(state) == 21)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        client.state(&relay).map(|s| s["sent"].clone()),
        Some(json!(3))
    );
}

#[tokio::test]
async fn a_session_reaches_the_components_of_every_tab_of_its_user() {
    let server = push_server_with(live::LiveServer::builder().auth_provider(TokenAuth));
    let running = start(&server).await;
    let handle = running.handle();
    let tabs: Vec<LiveClient> =
        futures_util::future::join_all((0..2).map(|_| connect(&running))).await;
    for tab in &tabs {
        let reply = tab
            .request(json!({"type": "AUTH", "payload": {"token": "user-token"}}))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reply["success"], true, "{reply}");
    }
    let ids = futures_util::future::join_all(tabs.iter().map(|t| mount(t, "Watcher"))).await;
    let stranger = connect(&running).await;
    let theirs = mount(&stranger, "Watcher").await;
    let user = handle.session("user");
    assert_eq!(user.components(), 2);
    assert_eq!(user.send::<Watcher, _>(News("for you".into())).await, 2);
    assert_eq!(
        user.send::<Tally, _>(Bump(1)).await,
        0,
        "no Tally of theirs"
    );
    for (tab, id) in tabs.iter().zip(&ids) {
        tab.wait_for_state(id, |state| state["last"] == "for you")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let updated = user
        .update(|watcher: &mut Watcher, _| watcher.last = "updated".into())
        .await;
    assert_eq!(updated, 2);
    tabs[0]
        .wait_for_state(&ids[0], |state| state["last"] == "updated")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        stranger.state(&theirs).map(|s| s["last"].clone()),
        Some(json!(""))
    );
    assert_eq!(handle.session("admin").components(), 0);
    // A closed tab's component is destroyed and leaves the session.
    let mut tabs = tabs.into_iter();
    if let Some(first) = tabs.next() {
        first.close().await;
    }
    eventually("the closed tab leaves the session", || async {
        user.components() == 1
    })
    .await;
    assert_eq!(user.send::<Watcher, _>(News("still here".into())).await, 1);
}

#[tokio::test]
async fn app_code_emits_to_reads_and_changes_a_running_room() {
    let running = start(&live_tests::test_server()).await;
    let handle = running.handle();
    let hall = handle.room::<Lobby>("hall");
    assert_eq!(hall.id(), "lobby:hall");
    assert_eq!(hall.state().await.err(), Some(PushError::NoSuchRoom));
    let said = LobbyEvent::Said {
        from: "app".into(),
        text: "nobody here".into(),
    };
    assert_eq!(hall.emit(said).await, Err(PushError::NoSuchRoom));

    let client = connect(&running).await;
    let id = mount(&client, "Chatter").await;
    client
        .call(&id, "enter", json!({"room": "hall", "name": "ann"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let said = LobbyEvent::Said {
        from: "app".into(),
        text: "hello".into(),
    };
    assert_eq!(hall.emit(said).await, Ok(()));
    client
        .wait_for_state(&id, |state| state["heard"] == json!(["app: hello"]))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let changed = hall
        .update(|lobby: &mut Lobby| lobby.topic = "news".into())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(changed.topic, "news");
    let state = hall.state().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((state.topic.as_str(), state.members), ("news", 1));
    assert_eq!(
        handle.room::<Lobby>("elsewhere").state().await.err(),
        Some(PushError::NoSuchRoom)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_does_not_pile_up_ticks() {
    let running = start(&push_server()).await;
    let client = connect(&running).await;
    let id = mount(&client, "Ticker").await;
    // Ticks every 5 ms, each taking 30 ms: without skipping, 6 ticks a handler would queue.
    client
        .call(&id, "start_slow", json!({"ms": 5, "work_ms": 30}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    client
        .call(&id, "stop", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let at_stop = client
        .call(&id, "count", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .and_then(|count| count.as_u64())
        .unwrap_or(u64::MAX);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let later = client
        .call(&id, "count", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .and_then(|count| count.as_u64())
        .unwrap_or(u64::MAX);
    assert!(
        (1..=20).contains(&at_stop),
        "about one tick per 30 ms ran: {at_stop}"
    );
    assert!(
        later <= at_stop + 1,
        "at most one tick was waiting when the timer stopped: {at_stop} then {later}"
    );
}

#[tokio::test]
async fn the_handle_counts_connections_components_and_actions_run() {
    let running = start(&push_server()).await;
    let handle = running.handle();
    let before = handle.stats().await;
    assert_eq!(
        (before.connections, before.components, before.actions),
        (0, 0, 0)
    );

    let client = connect(&running).await;
    let id = mount(&client, "Tally").await;
    for by in [1, 2] {
        client
            .call(&id, "add", json!({"by": by}))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    // An action that does not exist is refused before it runs: not counted.
    assert!(client.call(&id, "nope", Value::Null).await.is_err());
    let after = handle.stats().await;
    assert_eq!(
        (
            after.connections,
            after.components,
            after.singletons,
            after.actions
        ),
        (1, 1, 1, 2)
    );
    assert!(after.uptime >= before.uptime);
    assert_eq!(running.stats().await.actions, 2);

    drop(client);
    eventually("the connection and its component are gone", || async {
        let now = handle.stats().await;
        (now.connections, now.components) == (0, 0)
    })
    .await;
    assert_eq!(handle.stats().await.actions, 2);
}
