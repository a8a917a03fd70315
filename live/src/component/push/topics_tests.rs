//! The topic table in a cluster: it watches a topic while it has subscribers (any type),
//! delivers other servers' messages by type key, and drops payloads that do not decode.

use super::OnMessage;
use super::jobs::BoxJob;
use super::remote::type_key;
use super::topics::Topics;
use crate::cluster::{ClusterAdapter, ClusterInbox, InProcessCluster, Inbound, TopicMessage};
use crate::component::{ActionResult, Ctx, LiveComponent};
use crate::support::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Default, Serialize, Deserialize)]
struct Board;

impl LiveComponent for Board {
    const NAME: &'static str = "Board";
    const ACTIONS: &'static [&'static str] = &[];

    fn dispatch<'a>(
        &'a mut self,
        _action: &'a str,
        _payload: Value,
        _ctx: &'a mut Ctx<Self>,
    ) -> BoxFuture<'a, ActionResult> {
        Box::pin(async { Ok(None) })
    }
}

#[derive(Clone, Serialize, Deserialize)]
struct Score(u32);

#[derive(Clone, Serialize, Deserialize)]
struct Headline(String);

impl OnMessage<Score> for Board {
    async fn on_message(&mut self, _: Score, _ctx: &mut Ctx<Self>) {}
}

impl OnMessage<Headline> for Board {
    async fn on_message(&mut self, _: Headline, _ctx: &mut Ctx<Self>) {}
}

fn message<T>(topic: &str, payload: Value) -> TopicMessage {
    TopicMessage {
        topic: topic.to_owned(),
        message_type: type_key::<T>().to_owned(),
        payload,
        source_instance_id: "other".to_owned(),
    }
}

/// Whether a publish from `from` reaches `inbox` (the watching member's) within a while.
async fn reaches(from: &InProcessCluster, inbox: &mut mpsc::UnboundedReceiver<Inbound>) -> bool {
    for _ in 0..50 {
        let published = from.publish_topic(&message::<Score>("t", json!(1))).await;
        assert!(published.is_ok());
        while let Ok(inbound) = inbox.try_recv() {
            if matches!(inbound, Inbound::Topic(_)) {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

#[tokio::test]
async fn a_topic_is_watched_while_it_has_subscribers_of_any_type() {
    let here = InProcessCluster::new();
    let other = here.join();
    let (inbox, mut inbound) = ClusterInbox::new();
    assert!(here.start(inbox).is_ok());
    let topics = Topics::clustered(Arc::new(here));
    let (jobs, _rx) = crate::support::queue::bounded::<BoxJob<Board>>(8);

    assert!(
        !reaches(&other, &mut inbound).await,
        "not watched before a subscriber"
    );
    topics.subscribe::<Board, Score>("t", Arc::from("c1"), jobs.clone());
    topics.subscribe::<Board, Headline>("t", Arc::from("c2"), jobs.clone());
    assert!(
        reaches(&other, &mut inbound).await,
        "watched with subscribers"
    );
    topics.unsubscribe::<Score>("t", "c1");
    assert!(
        reaches(&other, &mut inbound).await,
        "still watched: c2 subscribes"
    );
    topics.unsubscribe_all("c2");
    tokio::time::sleep(Duration::from_millis(20)).await;
    while inbound.try_recv().is_ok() {}
    assert!(
        !reaches(&other, &mut inbound).await,
        "unwatched after the last one"
    );
}

#[tokio::test]
async fn remote_messages_reach_subscribers_of_their_type_and_bad_payloads_are_dropped() {
    let topics = Topics::default();
    let (jobs, mut rx) = crate::support::queue::bounded::<BoxJob<Board>>(8);
    topics.subscribe::<Board, Score>("t", Arc::from("c1"), jobs);

    assert_eq!(
        topics.deliver_remote(message::<Score>("t", json!(7))).await,
        1
    );
    assert!(rx.try_recv().is_some(), "queued for the subscriber");
    let undecodable = message::<Score>("t", json!("not a number"));
    assert_eq!(topics.deliver_remote(undecodable).await, 0);
    assert_eq!(
        topics
            .deliver_remote(message::<Headline>("t", json!("x")))
            .await,
        0
    );
    assert_eq!(
        topics.deliver_remote(message::<Score>("u", json!(7))).await,
        0
    );
    assert!(rx.try_recv().is_none(), "nothing else was queued");
}
