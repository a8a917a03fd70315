//! Pushes across the servers of a cluster, as scenarios that both the in-process cluster
//! and a real Redis run: topics reach subscribers on every server once, and messages to a
//! singleton reach its owner from any server.

use crate::push::{Bump, News, Stall, Tally};
use crate::{connect, mount};
use live::client::LiveClient;
use live::{LiveServer, PushError, RunningServer};
use serde_json::Value;
use std::time::Duration;

/// How long a message that should not arrive is given to arrive anyway.
pub const QUIET: Duration = Duration::from_millis(300);

/// The push test components on `builder` (already joined to a cluster), with `Bump`
/// registered for `Tally` so that it can be sent to another server's instance.
pub fn push_member(builder: live::LiveServerBuilder) -> LiveServer {
    crate::push::push_server_with(builder.message::<Tally, Bump>())
}

/// Waits until `client` shows component `id` with `received == n`, then a little longer to
/// see that it stays there (nothing delivered twice).
pub async fn received_exactly(client: &LiveClient, id: &str, last: &str, n: u64) {
    client
        .wait_for_state(id, |state| state["last"] == last && state["received"] == n)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "expected {n} headline(s), state is {:?}: {e}",
                client.state(id)
            )
        });
    tokio::time::sleep(QUIET).await;
    let state = client.state(id).unwrap_or(Value::Null);
    assert_eq!(
        state["received"], n,
        "delivered exactly {n} time(s): {state}"
    );
}

/// A `Watcher` on `a` and one on `b` (subscribed to `news`), none on `c`; app code on `a`
/// publishes once. `watched(n)` waits until `n` servers watch the `news` topic (the Redis
/// test checks the channel; in memory the watch is immediate). Returns the clients, so
/// that the caller can drop them and check the topic is unwatched.
pub async fn topic_reaches_every_server_once(
    a: &RunningServer,
    b: &RunningServer,
    c: &RunningServer,
    watched: impl AsyncFn(usize),
) -> Vec<LiveClient> {
    let (alice, bob) = (connect(a).await, connect(b).await);
    let on_a = mount(&alice, "Watcher").await;
    let on_b = mount(&bob, "Watcher").await;
    watched(2).await;
    let local = a.handle().publish("news", News("hello".into())).await;
    assert_eq!(local, 1, "one subscriber on the publishing server");
    received_exactly(&alice, &on_a, "hello", 1).await;
    received_exactly(&bob, &on_b, "hello", 1).await;
    assert_eq!(c.handle().subscribers("news"), 0, "C has no subscriber");
    // Published from C (no subscriber there): both get it, still once each.
    assert_eq!(c.handle().publish("news", News("from C".into())).await, 0);
    received_exactly(&alice, &on_a, "from C", 2).await;
    received_exactly(&bob, &on_b, "from C", 2).await;
    vec![alice, bob]
}

/// `Tally` owned by `a` and mounted through `b` (a proxy): app code on `b` sends `Bump`s
/// and every viewer sees the owner's count; an update closure and an unregistered type are
/// refused on `b` with their errors. `c`, where nobody mounted it, reaches the owner too;
/// once every viewer is gone the singleton is not running anywhere.
pub async fn messages_reach_the_owner(a: &RunningServer, b: &RunningServer, c: &RunningServer) {
    let (alice, bob) = (connect(a).await, connect(b).await);
    let on_a = mount(&alice, "Tally").await;
    let on_b = mount(&bob, "Tally").await;
    assert_eq!(on_a, on_b, "the proxy keeps the owner's id");
    let tally = b.handle().singleton::<Tally>();
    assert_eq!(tally.send(Bump(5)).await, Ok(()));
    assert_eq!(tally.try_send(Bump(2)).await, Ok(()));
    for client in [&alice, &bob] {
        client
            .wait_for_state(&on_a, |state| state["count"] == 7)
            .await
            .unwrap_or_else(|e| panic!("count 7 everywhere: {e}"));
    }
    let update = tally
        .update(|tally: &mut Tally, _ctx| tally.count = 0)
        .await;
    assert_eq!(update, Err(PushError::RemoteUpdate));
    let unregistered = tally.send(Stall(Duration::from_millis(1))).await;
    assert!(
        matches!(
            unregistered,
            Err(PushError::NotRegistered {
                component: "Tally",
                ..
            })
        ),
        "{unregistered:?}"
    );
    let text = unregistered
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(text.contains("LiveServerBuilder::message"), "{text}");
    // On the owner nothing changes: local sends and updates.
    let owned = a.handle().singleton::<Tally>();
    assert_eq!(
        owned
            .update(|tally: &mut Tally, _ctx| tally.count += 1)
            .await,
        Ok(())
    );
    bob.wait_for_state(&on_b, |state| state["count"] == 8)
        .await
        .unwrap_or_else(|e| panic!("the proxy sees the owner's update: {e}"));
    let from_c = c.handle().singleton::<Tally>();
    assert_eq!(from_c.send(Bump(1)).await, Ok(()));
    alice
        .wait_for_state(&on_a, |state| state["count"] == 9)
        .await
        .unwrap_or_else(|e| panic!("a send from C reaches the owner: {e}"));
    drop((alice, bob));
    let mut stopped = false;
    for _ in 0..200 {
        if from_c.send(Bump(1)).await == Err(PushError::NotRunning) {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(stopped, "with no viewer left the singleton is not running");
}
