//! Rooms with one owner per room across real demo server processes sharing a private
//! `redis-server` (2 s claim time to live, 300 ms heartbeat): hooks run once cluster-wide,
//! so the demo `ChatRoom`'s `userCount` is the same on every server; the room survives its
//! owner's death; a paused owner never writes again.
//!
//! Each test prints its measurements (`METRIC …` lines; run with `--nocapture`), which
//! `docs/scaling.md` reports.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::client::LiveClient;
use live_tests::cluster::{Node, PREFIX, Redis, Timing, redis_server, report};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_demo_node");
const TIMING: Timing = Timing::FAST;
/// The demo chat room's claim name (`$room:` + its id).
const ROOM_CLAIM: &str = "$room:chat:general";

async fn client(node: &Node) -> LiveClient {
    match LiveClient::connect(&node.url).await {
        Ok(client) => client.with_timeout(Duration::from_secs(10)),
        Err(error) => panic!("client failed to connect to {}: {error}", node.url),
    }
}

/// A client of `node` with a mounted `LiveChat` (which joins `chat:general`).
async fn chatter(node: &Node) -> (LiveClient, String) {
    let client = client(node).await;
    let started = Instant::now();
    loop {
        match client.mount("LiveChat", json!({})).await {
            Ok(mounted) => return (client, mounted.id),
            // A join during an owner change may be refused: try again.
            Err(error) => assert!(
                started.elapsed() < Duration::from_secs(15),
                "LiveChat never mounted: {error}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The room's `userCount` as `node`'s copy of the room has it.
async fn user_count(client: &LiveClient, id: &str) -> Option<i64> {
    let result = client.call(id, "user_count", json!(null)).await.ok()?;
    result.and_then(|value| value.as_i64())
}

/// Polls until every observer's server says `count`; returns how long it took.
async fn counts_reach(
    observers: &[(LiveClient, String)],
    count: i64,
    within: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let mut seen = Vec::new();
        for (client, id) in observers {
            seen.push(user_count(client, id).await);
        }
        if seen.iter().all(|c| *c == Some(count)) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "userCount never reached {count} everywhere: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls until every observer's server lists the same `len` presence entries; returns how
/// long it took.
async fn presence_agrees(
    observers: &[(LiveClient, String)],
    len: usize,
    within: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let mut lists = Vec::new();
        for (client, id) in observers {
            let list = client.call(id, "who", json!(null)).await.ok().flatten();
            lists.push(list.unwrap_or(Value::Null));
        }
        let same = lists.iter().all(|list| list == &lists[0]);
        if same && lists[0].as_array().is_some_and(|l| l.len() == len) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "presence lists never agreed on {len} entries: {:?}",
            lists
                .iter()
                .map(|l| l.as_array().map(Vec::len))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The instance id of the room's owner, from its claim `"<instanceId>:<token>"`.
fn owner(redis: &Redis) -> Option<String> {
    let token = redis.owner_of(ROOM_CLAIM)?;
    token.split(':').next().map(str::to_owned)
}

/// Latency from `sender` posting until `receiver` gets the `message:new` event.
async fn event_latency(
    sender: &(LiveClient, String),
    receiver: &LiveClient,
    label: &str,
    samples: usize,
) -> Vec<Duration> {
    // Drop what is buffered so that old frames do not count.
    let _ = receiver.take_frames().await;
    let mut latencies = Vec::with_capacity(samples);
    for i in 0..samples {
        let text = format!("{label}{i}");
        let sent = Instant::now();
        let (called, seen) = tokio::join!(
            sender.0.fire(&sender.1, "send", json!({"text": text})),
            tokio::time::timeout(Duration::from_secs(5), async {
                loop {
                    let Ok(frame) = receiver.next_room_frame().await else {
                        continue;
                    };
                    if frame.event == "message:new" && frame.payload["text"] == text {
                        return;
                    }
                }
            })
        );
        assert!(
            called.is_ok() && seen.is_ok(),
            "message {text} did not cross"
        );
        latencies.push(sent.elapsed());
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    latencies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_clients_on_three_servers_see_one_user_count() {
    let Some(redis) = redis_server() else { return };
    let nodes = [
        Node::start(BIN, &redis, TIMING),
        Node::start(BIN, &redis, TIMING),
        Node::start(BIN, &redis, TIMING),
    ];
    let mut chatters = Vec::new();
    for i in 0..30 {
        chatters.push(chatter(&nodes[i % 3]).await);
    }
    let took = counts_reach(&chatters[..3], 30, Duration::from_secs(10)).await;
    eprintln!(
        "METRIC userCount = 30 on all 3 servers {:.0}ms after the 30th join",
        took.as_secs_f64() * 1000.0
    );
    // Every client's server agrees, not only the first three.
    for (client, id) in &chatters {
        assert_eq!(user_count(client, id).await, Some(30));
    }
    let took = presence_agrees(&chatters[..3], 30, Duration::from_secs(10)).await;
    eprintln!(
        "METRIC presence lists identical on all 3 servers (30 entries) {:.0}ms after userCount",
        took.as_secs_f64() * 1000.0
    );
    let owner = owner(&redis).unwrap_or_else(|| panic!("the room has no owner"));
    let owner_at = nodes
        .iter()
        .position(|node| node.instance == owner)
        .unwrap_or_else(|| panic!("the owner {owner} is none of the servers"));
    let followers: Vec<usize> = (0..3).filter(|i| *i != owner_at).collect();
    // Cross-server room events: owner -> follower, follower -> follower.
    let mut from_owner =
        event_latency(&chatters[owner_at], &chatters[followers[0]].0, "o", 100).await;
    report(
        "room event owner -> member on another server",
        &mut from_owner,
    );
    let mut between =
        event_latency(&chatters[followers[0]], &chatters[followers[1]].0, "f", 100).await;
    report(
        "room event follower -> member on another follower",
        &mut between,
    );

    // Ten leave (their connections close): every server counts 20.
    for (client, _) in chatters.drain(..10) {
        drop(client);
    }
    counts_reach(&chatters[..3], 20, Duration::from_secs(10)).await;
    presence_agrees(&chatters[..3], 20, Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_room_owner_keeps_the_room_and_heals_its_members() {
    let Some(redis) = redis_server() else { return };
    let mut nodes = [
        Node::start(BIN, &redis, TIMING),
        Node::start(BIN, &redis, TIMING),
        Node::start(BIN, &redis, TIMING),
    ];
    let mut chatters = Vec::new();
    for i in 0..9 {
        chatters.push(chatter(&nodes[i % 3]).await);
    }
    counts_reach(&chatters[..3], 9, Duration::from_secs(10)).await;
    let (client, id) = &chatters[0];
    client
        .call(id, "send", json!({"text": "before the crash"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The owner mirrors after it answers: wait for the mirror (what a crash can lose is
    // the changes not mirrored yet; docs/scaling.md).
    let mirrored = Instant::now();
    while !redis.mirror_of(ROOM_CLAIM).is_some_and(|mirror| {
        mirror["state"]["state"]["messages"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
    }) {
        assert!(
            mirrored.elapsed() < Duration::from_secs(5),
            "never mirrored"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let owner_id = owner(&redis).unwrap_or_else(|| panic!("no owner"));
    let owner_at = nodes
        .iter()
        .position(|node| node.instance == owner_id)
        .unwrap_or_else(|| panic!("owner unknown"));
    let killed = Instant::now();
    nodes[owner_at].kill9();
    let survivors: Vec<(LiveClient, String)> = chatters
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != owner_at)
        .map(|(_, chatter)| chatter)
        .collect();
    // A new owner takes over within the claim's time to live and a heartbeat (and slack
    // for a loaded machine).
    let bound = TIMING.ttl() + TIMING.heartbeat() + Duration::from_secs(2);
    loop {
        if owner(&redis).is_some_and(|o| o != owner_id) {
            break;
        }
        assert!(killed.elapsed() < bound, "no new owner within {bound:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took_over = killed.elapsed();
    // The dead server's three members leave; the six others stay.
    let healed = counts_reach(&survivors[..2], 6, Duration::from_secs(15)).await;
    presence_agrees(&survivors[..2], 6, Duration::from_secs(5)).await;
    // The state survived: a newcomer sees the message sent before the crash.
    let survivor = nodes
        .iter()
        .enumerate()
        .find(|(i, _)| *i != owner_at)
        .map(|(_, node)| node)
        .unwrap_or_else(|| panic!("no survivor"));
    let (newcomer, id) = chatter(survivor).await;
    let state = newcomer.state(&id).unwrap_or(Value::Null);
    assert!(
        state["messages"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["text"] == "before the crash")),
        "the room's history survived the owner: {state}"
    );
    counts_reach(&survivors[..2], 7, Duration::from_secs(10)).await;
    eprintln!(
        "METRIC room owner killed: new owner after {:.0}ms, members healed {:.0}ms later",
        took_over.as_secs_f64() * 1000.0,
        healed.as_secs_f64() * 1000.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_room_owner_never_writes_again() {
    let Some(redis) = redis_server() else { return };
    let nodes = [
        Node::start(BIN, &redis, TIMING),
        Node::start(BIN, &redis, TIMING),
    ];
    let on_a = chatter(&nodes[0]).await;
    let on_b = chatter(&nodes[1]).await;
    let owner_id = owner(&redis).unwrap_or_else(|| panic!("no owner"));
    let (owner_at, other) = if nodes[0].instance == owner_id {
        (0, 1)
    } else {
        (1, 0)
    };
    let chatters = [on_a, on_b];
    counts_reach(&chatters, 2, Duration::from_secs(10)).await;
    let old_token = redis
        .owner_of(ROOM_CLAIM)
        .unwrap_or_else(|| panic!("no claim"));

    nodes[owner_at].signal("STOP");
    let bound = TIMING.ttl() + TIMING.heartbeat() + Duration::from_secs(2);
    let paused = Instant::now();
    while owner(&redis).is_none_or(|o| o == owner_id) {
        assert!(paused.elapsed() < bound, "no new owner within {bound:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let new_token = redis
        .owner_of(ROOM_CLAIM)
        .unwrap_or_else(|| panic!("no claim"));
    let (client, id) = &chatters[other];
    client
        .call(id, "send", json!({"text": "while paused"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    nodes[owner_at].signal("CONT");
    let watch_until = Instant::now() + TIMING.heartbeat() * 6;
    while Instant::now() < watch_until {
        let mirror = redis
            .mirror_of(ROOM_CLAIM)
            .unwrap_or_else(|| panic!("mirror missing"));
        assert_ne!(mirror["owner"], json!(old_token), "the paused owner wrote");
        assert_eq!(mirror["owner"], json!(new_token));
        assert_eq!(redis.owner_of(ROOM_CLAIM), Some(new_token.clone()));
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // The old owner now follows: its member's messages reach the other server.
    let mut latencies = event_latency(&chatters[owner_at], &chatters[other].0, "p", 5).await;
    report("room event from the resumed server", &mut latencies);
}

/// Publishes `outcome` on the room's channel as if its owner had: a forged outcome stands
/// for one the followers missed or got wrong (pub/sub delivers at most once).
fn forge_outcome(redis: &Redis, outcome: Value) {
    let claim = redis
        .owner_of(ROOM_CLAIM)
        .unwrap_or_else(|| panic!("the room has no owner"));
    let origin = claim.split(':').next().unwrap_or_default().to_owned();
    let message = json!({"origin": origin, "message": {
        "type": "event", "owner": claim, "event": "$room", "payload": outcome}});
    let channel = format!("{PREFIX}delta:{ROOM_CLAIM}");
    let sent = redis.command(&["PUBLISH", &channel, &message.to_string()]);
    assert!(sent.is_some(), "PUBLISH failed");
}

/// The presence list as `chatter`'s server has it.
async fn who(chatter: &(LiveClient, String)) -> Vec<Value> {
    let list = chatter
        .0
        .call(&chatter.1, "who", json!(null))
        .await
        .ok()
        .flatten();
    list.and_then(|list| list.as_array().cloned())
        .unwrap_or_default()
}

/// Polls `check` until it holds; panics after `within`. Returns how long it took.
async fn eventually<F, Fut>(what: &str, within: Duration, check: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_copy_that_diverged_heals_within_heartbeats() {
    let Some(redis) = redis_server() else { return };
    let nodes = [
        Node::start(BIN, &redis, TIMING),
        Node::start(BIN, &redis, TIMING),
    ];
    let chatters = vec![chatter(&nodes[0]).await, chatter(&nodes[1]).await];
    counts_reach(&chatters, 2, Duration::from_secs(10)).await;
    presence_agrees(&chatters, 2, Duration::from_secs(10)).await;
    let owner = owner(&redis).unwrap_or_else(|| panic!("the room has no owner"));
    let follower = &chatters[usize::from(nodes[0].instance == owner)];
    // Heartbeat rosters carry a digest of each copy; the owner publishes the room again.
    let bound = TIMING.heartbeat() * 4 + Duration::from_secs(2);
    let redis = &redis;

    // Forged again before every look: the copy heals within heartbeats, so on a loaded
    // machine one forged value could come and go between two looks.
    eventually(
        "the follower took the forged count",
        Duration::from_secs(5),
        move || async move {
            forge_outcome(redis, json!({"kind": "state", "delta": {"userCount": 999}}));
            user_count(&follower.0, &follower.1).await == Some(999)
        },
    )
    .await;
    let took = eventually("the follower's count healed", bound, move || async move {
        user_count(&follower.0, &follower.1).await == Some(2)
    })
    .await;
    eprintln!(
        "METRIC diverged follower state healed after {:.0}ms (heartbeat {:?})",
        took.as_secs_f64() * 1000.0,
        TIMING.heartbeat()
    );

    let key = who(follower)
        .await
        .first()
        .map(|entry| entry["key"].clone());
    let key = key.unwrap_or_else(|| panic!("no presence entry"));
    let leave = json!({"kind": "event", "event": "$presence:leave",
        "data": {"key": key}, "excluded": null, "system": true});
    let leave = &leave;
    eventually(
        "the follower's list lost the entry",
        Duration::from_secs(5),
        move || async move {
            forge_outcome(redis, leave.clone());
            who(follower).await.len() == 1
        },
    )
    .await;
    let took = presence_agrees(&chatters, 2, bound).await;
    eprintln!(
        "METRIC diverged follower presence list healed after {:.0}ms",
        took.as_secs_f64() * 1000.0
    );
}
