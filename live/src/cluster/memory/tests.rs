//! Topics and forwarded messages on the in-process backend, driven through the trait.

use super::InProcessCluster;
use crate::cluster::{
    ClusterAdapter, ClusterError, ClusterInbox, Inbound, MessageRequest, MessageResponse,
    TopicMessage,
};
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// A started member and what its runtime would read.
fn started(member: InProcessCluster) -> (InProcessCluster, UnboundedReceiver<Inbound>) {
    let (inbox, rx) = ClusterInbox::new();
    assert!(member.start(inbox).is_ok());
    (member, rx)
}

fn topic_message(from: &InProcessCluster, topic: &str, n: i64) -> TopicMessage {
    TopicMessage {
        topic: topic.to_owned(),
        message_type: "Score".to_owned(),
        payload: json!({ "n": n }),
        source_instance_id: from.instance_id().to_owned(),
    }
}

/// The topic messages waiting in `rx`; anything else fails the test.
fn topics(rx: &mut UnboundedReceiver<Inbound>) -> Vec<TopicMessage> {
    let mut out = Vec::new();
    while let Ok(inbound) = rx.try_recv() {
        match inbound {
            Inbound::Topic(message) => out.push(message),
            other => panic!("unexpected {other:?}"),
        }
    }
    out
}

fn request(from: &InProcessCluster, to: &InProcessCluster, id: &str) -> MessageRequest {
    MessageRequest {
        request_id: id.to_owned(),
        source_instance_id: from.instance_id().to_owned(),
        target_instance_id: to.instance_id().to_owned(),
        component_id: "c1".to_owned(),
        component_name: "Scoreboard".to_owned(),
        message_type: "Reset".to_owned(),
        payload: json!({ "to": 0 }),
    }
}

#[tokio::test]
async fn a_publish_reaches_watchers_elsewhere_only() {
    let (a, mut a_rx) = started(InProcessCluster::new());
    let (b, mut b_rx) = started(a.join());
    let (c, mut c_rx) = started(a.join());
    for member in [&a, &b] {
        assert!(member.watch_topic("t").await.is_ok());
    }
    assert!(c.watch_topic("other").await.is_ok());
    let message = topic_message(&a, "t", 1);
    assert!(a.publish_topic(&message).await.is_ok());
    assert_eq!(topics(&mut b_rx), vec![message], "the other watcher, once");
    assert!(topics(&mut a_rx).is_empty(), "not the publisher");
    assert!(
        topics(&mut c_rx).is_empty(),
        "not a server watching another topic"
    );
}

#[tokio::test]
async fn watching_is_idempotent_and_unwatch_stops_delivery() {
    let (a, _a_rx) = started(InProcessCluster::new());
    let (b, mut b_rx) = started(a.join());
    assert!(b.watch_topic("t").await.is_ok());
    assert!(b.watch_topic("t").await.is_ok());
    assert!(a.publish_topic(&topic_message(&a, "t", 1)).await.is_ok());
    assert_eq!(topics(&mut b_rx).len(), 1, "watched twice, delivered once");
    assert!(b.unwatch_topic("t").await.is_ok());
    assert!(b.unwatch_topic("t").await.is_ok());
    assert!(a.publish_topic(&topic_message(&a, "t", 2)).await.is_ok());
    assert!(topics(&mut b_rx).is_empty(), "one unwatch ends it");
}

#[tokio::test]
async fn bad_topic_names_are_refused_everywhere() {
    let (a, _rx) = started(InProcessCluster::new());
    let bad = "has space";
    assert!(matches!(
        a.watch_topic(bad).await,
        Err(ClusterError::InvalidTopic(_))
    ));
    assert!(matches!(
        a.unwatch_topic(bad).await,
        Err(ClusterError::InvalidTopic(_))
    ));
    assert!(matches!(
        a.publish_topic(&topic_message(&a, bad, 1)).await,
        Err(ClusterError::InvalidTopic(_))
    ));
}

#[tokio::test]
async fn a_forwarded_message_reaches_the_owner_and_its_answer_returns() {
    let (a, _a_rx) = started(InProcessCluster::new());
    let (b, mut b_rx) = started(a.join());
    let owner = tokio::spawn(async move {
        match b_rx.recv().await {
            Some(Inbound::Message { request, reply }) => {
                let _ = reply.send(MessageResponse::delivered(request.request_id.clone()));
                Some(*request)
            }
            _ => None,
        }
    });
    let sent = request(&a, &b, "m1");
    let pending = a.forward_message(sent.clone()).await;
    let answer = match pending {
        Ok(pending) => pending.await.ok(),
        Err(error) => panic!("not sent: {error}"),
    };
    assert_eq!(answer, Some(MessageResponse::delivered("m1")));
    assert_eq!(
        owner.await.ok().flatten(),
        Some(sent),
        "the owner got it as sent"
    );
}

#[tokio::test]
async fn a_forwarded_message_times_out_when_the_owner_does_not_answer() {
    let (a, _a_rx) =
        started(InProcessCluster::new().with_operation_timeout(Duration::from_millis(50)));
    let (b, mut b_rx) = started(a.join());
    let pending = a.forward_message(request(&a, &b, "m2")).await;
    let held = b_rx.recv().await; // received, never answered
    let answer = match pending {
        Ok(pending) => pending.await,
        Err(error) => panic!("not sent: {error}"),
    };
    match answer {
        Err(ClusterError::Timeout(text)) => assert_eq!(text, "Cluster message timeout after 50ms"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    drop(held);
}

#[tokio::test]
async fn a_message_to_a_member_that_is_gone_fails_at_once() {
    let (a, _a_rx) = started(InProcessCluster::new());
    let (b, _b_rx) = started(a.join());
    b.crash();
    assert!(matches!(
        a.forward_message(request(&a, &b, "m3")).await,
        Err(ClusterError::Backend(_))
    ));
}
