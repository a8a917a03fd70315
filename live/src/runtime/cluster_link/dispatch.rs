//! Routes what the cluster adapter delivers: singleton traffic to the local singleton
//! actors, room changes to the local rooms, topic messages to the local subscribers,
//! messages for owned singletons to their work mailboxes.

use super::node::ClusterNode;
use crate::cluster::{ClusterInbox, Inbound, TopicMessage};
use crate::metrics::ClusterEvent;
use crate::runtime::actor::ComponentEnv;
use crate::runtime::mailbox::ClusterSignal;
use crate::runtime::rooms::wire::room_of;
use crate::support::lock;
use std::sync::{Arc, Weak};
use std::time::Instant;
use tokio::sync::mpsc;

impl ClusterNode {
    /// Starts the adapter and the task that routes its traffic to the rooms, topics and
    /// singletons of `env`.
    pub(crate) fn start(self: &Arc<Self>, env: &Arc<ComponentEnv>) {
        let (inbox, inbound) = ClusterInbox::new();
        if let Err(error) = self.adapter.start(inbox) {
            tracing::error!(%error, "cluster adapter failed to start; serving locally");
        }
        let (topics, topic_rx) = mpsc::unbounded_channel();
        tokio::spawn(deliver_topics(Arc::downgrade(env), topic_rx));
        tokio::spawn(dispatch(
            Arc::downgrade(self),
            Arc::downgrade(env),
            topics,
            inbound,
        ));
    }
}

/// Delivers topic messages from other servers in order, on their own task: a subscriber's
/// full mailbox holds up only topic traffic.
async fn deliver_topics(env: Weak<ComponentEnv>, mut rx: mpsc::UnboundedReceiver<TopicMessage>) {
    while let Some(message) = rx.recv().await {
        let Some(env) = env.upgrade() else {
            return;
        };
        env.topics.deliver_remote(message).await;
    }
}

/// Routes what the adapter delivers.
async fn dispatch(
    node: Weak<ClusterNode>,
    env: Weak<ComponentEnv>,
    topics: mpsc::UnboundedSender<TopicMessage>,
    mut inbound: mpsc::UnboundedReceiver<Inbound>,
) {
    while let Some(message) = inbound.recv().await {
        let Some(node) = node.upgrade() else {
            return;
        };
        match message {
            Inbound::Singleton { name, message } => {
                if let Some(room_id) = room_of(&name) {
                    if let Some(env) = env.upgrade() {
                        env.rooms.deliver_owner(room_id, message).await;
                    }
                } else if let Some((handle, _)) = node.lookup(&name) {
                    handle.signal(ClusterSignal::Remote(message));
                }
            }
            Inbound::Action { request, reply } => {
                tokio::spawn(async move {
                    let response = node.serve_action(*request).await;
                    let _ = reply.send(response);
                });
            }
            Inbound::Room { room_id, message } => {
                if let Some(env) = env.upgrade() {
                    env.rooms.deliver_remote(&room_id, message).await;
                }
            }
            Inbound::Topic(message) => {
                let _ = topics.send(message);
            }
            Inbound::Message { request, reply } if room_of(&request.component_name).is_some() => {
                if let Some(env) = env.upgrade() {
                    tokio::spawn(async move {
                        let response = env.rooms.serve_forwarded(*request).await;
                        let _ = reply.send(response);
                    });
                }
            }
            Inbound::Message { request, reply } => {
                let env = env.clone();
                tokio::spawn(async move {
                    let response = node.serve_message(*request, env).await;
                    let _ = reply.send(response);
                });
            }
            Inbound::Reconnected => {
                tracing::info!("cluster backend reconnected; re-checking singletons");
                *lock(&node.reconnected) = Some(Instant::now());
                node.metrics.cluster(ClusterEvent::Reconnect);
                for entry in lock(&node.singletons).values() {
                    entry.kick.notify_one();
                }
            }
        }
    }
}
