//! Pushes across Live servers joined through one private `redis-server` (one per test
//! binary): topics reach subscribers on every server exactly once and are watched only by
//! servers with subscribers; messages sent through a proxy reach the singleton's owner.

use live::LiveServer;
use live::RunningServer;
use live::cluster::{RedisCluster, RedisClusterConfig};
use live_tests::cluster::{PREFIX, Redis, redis_server};
use live_tests::push_cluster::{
    messages_reach_the_owner, push_member, topic_reaches_every_server_once,
};
use live_tests::start;
use std::time::Duration;

async fn server(redis: &Redis) -> RunningServer {
    let mut config = RedisClusterConfig::default();
    config.operation_timeout = Duration::from_millis(1000);
    let cluster = RedisCluster::connect(&redis.url(), config)
        .await
        .unwrap_or_else(|error| panic!("connect: {error}"));
    let server = push_member(LiveServer::builder().cluster(cluster));
    let running = start(&server).await;
    // Forwarded requests need its request channel: subscribed once its subscriber is up.
    let id = server.cluster_instance_id().unwrap_or_default();
    let actions = format!("{PREFIX}actions:{id}");
    until(&format!("{actions} subscribed"), || {
        redis.subscribers(&actions) == 1
    })
    .await;
    running
}

/// `PUBSUB CHANNELS <prefix>topic:*`, sorted.
fn topic_channels(redis: &Redis) -> Vec<String> {
    redis.channels(&format!("{PREFIX}topic:*"))
}

async fn until(what: &str, check: impl Fn() -> bool) {
    live_tests::cluster::until(what, Duration::from_secs(10), check).await;
}

#[tokio::test]
async fn topics_and_singleton_messages_cross_redis() {
    let Some(redis) = redis_server() else { return };
    let a = server(&redis).await;
    let b = server(&redis).await;
    let c = server(&redis).await;
    let news = format!("{PREFIX}topic:news");
    assert!(topic_channels(&redis).is_empty(), "no topic watched yet");

    let watched = async |servers: usize| {
        until("A and B watch the news topic", || {
            redis.subscribers(&news) == servers
        })
        .await;
    };
    let clients = topic_reaches_every_server_once(&a, &b, &c, watched).await;
    // Two servers (A and B) subscribe to the channel; C, with no subscriber, does not.
    assert_eq!(topic_channels(&redis), vec![news.clone()]);
    assert_eq!(redis.subscribers(&news), 2);

    drop(clients);
    until("the news channel disappears", || {
        topic_channels(&redis).is_empty()
    })
    .await;

    messages_reach_the_owner(&a, &b, &c).await;
    for running in [a, b, c] {
        running.shutdown().await;
    }
}
