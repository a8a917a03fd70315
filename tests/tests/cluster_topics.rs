//! Topics and messages to a singleton's owner over a real `redis-server`, driven through the
//! `ClusterAdapter` trait of three `RedisCluster` instances (no Live server involved). One
//! private `redis-server` serves the whole binary's scenario.

use live::cluster::{
    ClusterAdapter, ClusterError, ClusterInbox, Inbound, MessageRequest, MessageResponse,
    RedisCluster, RedisClusterConfig, TopicMessage,
};
use live_tests::cluster::{PREFIX, Redis, redis_server};
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// How long a message that should not arrive is given to arrive anyway.
const QUIET: Duration = Duration::from_millis(300);

struct Member {
    cluster: RedisCluster,
    inbox: UnboundedReceiver<Inbound>,
}

async fn member(redis: &Redis) -> Member {
    let mut config = RedisClusterConfig::default();
    config.operation_timeout = Duration::from_millis(500);
    let cluster = RedisCluster::connect(&redis.url(), config)
        .await
        .unwrap_or_else(|error| panic!("connect: {error}"));
    let (inbox, rx) = ClusterInbox::new();
    assert!(cluster.start(inbox).is_ok());
    // Its request channel is subscribed once its subscriber connection is up.
    let actions = format!("{PREFIX}actions:{}", cluster.instance_id());
    until(&format!("{actions} subscribed"), || {
        redis.subscribers(&actions) == 1
    })
    .await;
    Member { cluster, inbox: rx }
}

/// `PUBSUB CHANNELS <prefix>topic:*`, sorted.
fn topic_channels(redis: &Redis) -> Vec<String> {
    redis.channels(&format!("{PREFIX}topic:*"))
}

async fn until(what: &str, check: impl Fn() -> bool) {
    live_tests::cluster::until(what, Duration::from_secs(5), check).await;
}

/// The next inbound within `within`, if any.
async fn next(member: &mut Member, within: Duration) -> Option<Inbound> {
    tokio::time::timeout(within, member.inbox.recv())
        .await
        .ok()
        .flatten()
}

fn score(from: &Member, topic: &str, n: i64) -> TopicMessage {
    TopicMessage {
        topic: topic.to_owned(),
        message_type: "Score".to_owned(),
        payload: json!({ "n": n }),
        source_instance_id: from.cluster.instance_id().to_owned(),
    }
}

fn reset(from: &Member, to: &Member, id: &str) -> MessageRequest {
    MessageRequest {
        request_id: id.to_owned(),
        source_instance_id: from.cluster.instance_id().to_owned(),
        target_instance_id: to.cluster.instance_id().to_owned(),
        component_id: "c1".to_owned(),
        component_name: "Scoreboard".to_owned(),
        message_type: "Reset".to_owned(),
        payload: json!({ "to": 0 }),
    }
}

#[tokio::test]
async fn topics_and_owner_messages_cross_redis() {
    let Some(redis) = redis_server() else { return };
    let mut a = member(&redis).await;
    let mut b = member(&redis).await;
    let mut c = member(&redis).await;
    topics_reach_other_watchers_once(&redis, &mut a, &mut b, &mut c).await;
    messages_reach_the_owner_and_come_back(&mut a, &mut b).await;
    for m in [&a, &b, &c] {
        m.cluster.shutdown().await;
    }
}

async fn topics_reach_other_watchers_once(
    redis: &Redis,
    a: &mut Member,
    b: &mut Member,
    c: &mut Member,
) {
    let channel = format!("{PREFIX}topic:t");
    assert!(topic_channels(redis).is_empty(), "no topic watched yet");
    assert!(a.cluster.watch_topic("t").await.is_ok());
    assert!(b.cluster.watch_topic("t").await.is_ok());
    assert!(b.cluster.watch_topic("t").await.is_ok(), "idempotent");
    assert_eq!(topic_channels(redis), vec![channel.clone()]);
    assert_eq!(redis.subscribers(&channel), 2, "A and B, once each");

    let sent = score(b, "t", 1);
    assert!(b.cluster.publish_topic(&sent).await.is_ok());
    match next(a, Duration::from_secs(2)).await {
        Some(Inbound::Topic(message)) => assert_eq!(message, sent),
        other => panic!("A expected the topic message, got {other:?}"),
    }
    assert!(next(a, QUIET).await.is_none(), "A got it once");
    assert!(
        next(b, QUIET).await.is_none(),
        "the publisher gets nothing back"
    );
    assert!(
        next(c, QUIET).await.is_none(),
        "a server not watching gets nothing"
    );

    assert!(matches!(
        b.cluster.watch_topic("t t").await,
        Err(ClusterError::InvalidTopic(_))
    ));

    assert!(a.cluster.unwatch_topic("t").await.is_ok());
    assert!(b.cluster.unwatch_topic("t").await.is_ok());
    assert!(b.cluster.unwatch_topic("t").await.is_ok(), "idempotent");
    assert!(
        topic_channels(redis).is_empty(),
        "unwatched topics leave PUBSUB CHANNELS"
    );
    assert!(c.cluster.publish_topic(&score(c, "t", 2)).await.is_ok());
    assert!(next(a, QUIET).await.is_none(), "no delivery after unwatch");
}

async fn messages_reach_the_owner_and_come_back(a: &mut Member, b: &mut Member) {
    let sent = reset(a, b, "m1");
    let pending = a.cluster.forward_message(sent.clone()).await;
    let pending = pending.unwrap_or_else(|error| panic!("not sent: {error}"));
    match next(b, Duration::from_secs(2)).await {
        Some(Inbound::Message { request, reply }) => {
            assert_eq!(*request, sent, "the owner gets it as sent");
            let _ = reply.send(MessageResponse::failure(
                "m1",
                "Scoreboard is not running here",
            ));
        }
        other => panic!("B expected the message, got {other:?}"),
    }
    let answer = pending.await.ok();
    assert_eq!(
        answer,
        Some(MessageResponse::failure(
            "m1",
            "Scoreboard is not running here"
        ))
    );

    // Received, never answered: the sender gives up after the operation timeout.
    let pending = a.cluster.forward_message(reset(a, b, "m2")).await;
    let pending = pending.unwrap_or_else(|error| panic!("not sent: {error}"));
    let held = next(b, Duration::from_secs(2)).await;
    assert!(matches!(held, Some(Inbound::Message { .. })));
    match pending.await {
        Err(ClusterError::Timeout(text)) => {
            assert_eq!(text, "Cluster message timeout after 500ms");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    drop(held);

    // Nobody listens on that instance's channel: an error at once.
    let mut lost = reset(a, b, "m3");
    lost.target_instance_id = "no-such-instance".to_owned();
    assert!(matches!(
        a.cluster.forward_message(lost).await,
        Err(ClusterError::Backend(_))
    ));
}
