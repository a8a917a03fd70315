//! Cluster semantics with two servers in one process sharing an `InProcessCluster`: one
//! singleton owner, proxies that relay and forward, failover, cross-server rooms, topics
//! and messages to a singleton's owner.

use live::LiveServer;
use live::client::{LiveClient, RoomFrameKind};
use live::cluster::{ClusterAdapter, InProcessCluster};
use live_tests::{connect, start};
use serde_json::json;
use std::time::Duration;

fn member(cluster: &InProcessCluster) -> LiveServer {
    demo::builder()
        .cluster(cluster.clone())
        .build()
        .unwrap_or_else(|error| panic!("{error}"))
}

async fn count_becomes(client: &LiveClient, id: &str, count: i64) {
    let seen = client
        .wait_for_state(id, |state| state.get("count") == Some(&json!(count)))
        .await;
    assert!(
        seen.is_ok(),
        "expected count {count}, state is {:?}",
        client.state(id)
    );
}

#[tokio::test]
async fn a_singleton_has_one_owner_and_every_server_sees_and_calls_it() {
    let first =
        InProcessCluster::new().with_timing(Duration::from_secs(2), Duration::from_millis(200));
    let second = first.join();
    let server_a = member(&first);
    let server_b = member(&second);
    let running_a = start(&server_a).await;
    let running_b = start(&server_b).await;
    let alice = connect(&running_a).await;
    let bob = connect(&running_b).await;

    let on_a = alice
        .mount("SharedCounter", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let on_b = bob
        .mount("SharedCounter", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(on_a.id, on_b.id, "the proxy keeps the owner's component id");

    // The owner (A) and the proxy (B) both take calls; everybody sees every change.
    let result = bob.call(&on_b.id, "add", json!({"by": 5})).await;
    assert_eq!(
        result.ok().flatten(),
        Some(json!(5)),
        "forwarded call answers"
    );
    alice
        .call(&on_a.id, "increment", json!(null))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    count_becomes(&alice, &on_a.id, 6).await;
    count_becomes(&bob, &on_b.id, 6).await;

    // A crashes (its claim stays until it expires): B takes over and keeps the count.
    first.crash();
    drop(alice);
    running_a.shutdown().await;
    let mut taken_over = false;
    for _ in 0..100 {
        if bob.call(&on_b.id, "increment", json!(null)).await.is_ok() {
            taken_over = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(taken_over, "B serves the singleton after A is gone");
    count_becomes(&bob, &on_b.id, 7).await;
    assert_eq!(
        ClusterAdapter::instance_id(&second).len(),
        8,
        "instance ids are 8 characters"
    );
}

#[tokio::test]
async fn chat_messages_reach_members_on_the_other_server() {
    let first = InProcessCluster::new();
    let second = first.join();
    let server_a = member(&first);
    let server_b = member(&second);
    let running_a = start(&server_a).await;
    let running_b = start(&server_b).await;
    let alice = connect(&running_a).await;
    let bob = connect(&running_b).await;
    let chat_a = alice
        .mount("LiveChat", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let chat_b = bob
        .mount("LiveChat", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Let B's room subscription settle (in memory it is immediate).
    tokio::time::sleep(Duration::from_millis(50)).await;
    alice
        .call(&chat_a.id, "send", json!({"text": "hello from A"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let frame = loop {
        let frame = bob
            .next_room_frame()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if frame.kind == RoomFrameKind::Event && frame.event == "message:new" {
            break frame;
        }
    };
    assert_eq!(frame.component_id, chat_b.id);
    assert_eq!(frame.payload.get("text"), Some(&json!("hello from A")));
    let seen = bob
        .wait_for_state(&chat_b.id, |state| {
            state["messages"]
                .as_array()
                .is_some_and(|messages| messages.iter().any(|m| m["text"] == "hello from A"))
        })
        .await;
    assert!(seen.is_ok(), "B's component handled the event from A");
}

async fn push_member(cluster: &InProcessCluster) -> live::RunningServer {
    let builder = LiveServer::builder().cluster(cluster.clone());
    start(&live_tests::push_cluster::push_member(builder)).await
}

#[tokio::test]
async fn topics_and_singleton_messages_cross_servers() {
    use live_tests::push_cluster::{messages_reach_the_owner, topic_reaches_every_server_once};
    let first = InProcessCluster::new();
    let (second, third) = (first.join(), first.join());
    let a = push_member(&first).await;
    let b = push_member(&second).await;
    let c = push_member(&third).await;
    let clients = topic_reaches_every_server_once(&a, &b, &c, async |_| {}).await;
    drop(clients);
    live_tests::eventually("the watchers are destroyed", || async {
        a.handle().subscribers("news") + b.handle().subscribers("news") == 0
    })
    .await;
    messages_reach_the_owner(&a, &b, &c).await;
}

#[tokio::test]
async fn an_owner_without_the_message_registered_refuses_it() {
    use live::PushError;
    use live_tests::push::{Bump, Tally, push_server_with};
    let first = InProcessCluster::new();
    let second = first.join();
    let owner = start(&push_server_with(
        LiveServer::builder().cluster(first.clone()),
    ))
    .await;
    let proxy = push_member(&second).await;
    let (alice, bob) = (connect(&owner).await, connect(&proxy).await);
    let id = live_tests::mount(&alice, "Tally").await;
    assert_eq!(live_tests::mount(&bob, "Tally").await, id);
    let sent = proxy.handle().singleton::<Tally>().send(Bump(1)).await;
    let Err(PushError::Cluster(text)) = sent else {
        panic!("expected the owner's refusal, got {sent:?}");
    };
    assert!(text.contains("not registered"), "{text}");
}
