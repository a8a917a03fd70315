//! The adapter's shared state ([`Inner`]) and what every concern uses: keys, the command
//! connection, subscriptions, and the envelope every channel message travels in.

use super::config::RedisClusterConfig;
use super::waiting::Waiting;
use crate::cluster::{
    ActionResponse, ClusterError, ClusterInbox, Inbound, MessageResponse, TopicMessage,
};
use crate::support::lock;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, PubSubSink};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::watch;

/// The adapter's shared state: connections, subscriptions and forwarded requests.
pub(super) struct Inner {
    pub(super) instance_id: String,
    pub(super) config: RedisClusterConfig,
    pub(super) conn: ConnectionManager,
    pub(super) subscriber: redis::Client,
    /// Channels the subscriber should be on (resubscribed after every reconnect).
    pub(super) channels: Mutex<HashSet<String>>,
    /// The current subscriber connection's command half.
    pub(super) sink: Mutex<Option<PubSubSink>>,
    /// Forwarded actions waiting for their owner's answer.
    pub(super) actions: Waiting<ActionResponse>,
    /// Forwarded messages waiting for their owner's answer.
    pub(super) messages: Waiting<MessageResponse>,
    pub(super) inbox: OnceLock<ClusterInbox>,
    pub(super) stop: watch::Sender<bool>,
}

pub(super) fn backend(error: redis::RedisError) -> ClusterError {
    ClusterError::backend(error)
}

/// `value` as the JSON text stored in or published through Redis.
pub(super) fn to_json(value: &impl Serialize) -> Result<String, ClusterError> {
    serde_json::to_string(value).map_err(ClusterError::backend)
}

pub(super) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// A message on a singleton, room or topic channel, with its sender.
#[derive(Deserialize)]
struct Envelope<T> {
    origin: String,
    message: T,
}

/// [`Envelope`], borrowed, for sending.
#[derive(Serialize)]
struct EnvelopeRef<'a, T> {
    origin: &'a str,
    message: &'a T,
}

impl Inner {
    pub(super) fn key(&self, kind: &str, name: &str) -> String {
        format!("{}{kind}:{name}", self.config.prefix)
    }

    pub(super) fn token(&self, component_id: &str) -> String {
        format!("{}:{component_id}", self.instance_id)
    }

    pub(super) fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// The string stored at `kind:name`, if any.
    pub(super) async fn get(&self, kind: &str, name: &str) -> Result<Option<String>, ClusterError> {
        self.conn().get(self.key(kind, name)).await.map_err(backend)
    }

    pub(super) async fn subscribe(&self, channel: String) -> Result<(), ClusterError> {
        lock(&self.channels).insert(channel.clone());
        // Set before the subscriber task snapshots `channels`, or read after it set the
        // sink: either way the channel is covered.
        let sink = lock(&self.sink).clone();
        match sink {
            Some(mut sink) => sink.subscribe(&channel).await.map_err(backend),
            // Disconnected: the subscriber task subscribes it on reconnect.
            None => Ok(()),
        }
    }

    pub(super) async fn unsubscribe(&self, channel: String) -> Result<(), ClusterError> {
        lock(&self.channels).remove(&channel);
        let sink = lock(&self.sink).clone();
        match sink {
            Some(mut sink) => sink.unsubscribe(&channel).await.map_err(backend),
            None => Ok(()),
        }
    }

    pub(super) fn deliver(&self, inbound: Inbound) {
        if let Some(inbox) = self.inbox.get() {
            inbox.deliver(inbound);
        }
    }

    /// One pub/sub message, by channel: `delta:<name>`, `room:<id>` and `topic:<topic>`
    /// relay another instance's message; `actions:<instance>` carries forwarded actions and
    /// messages, and their answers.
    pub(super) fn on_message(self: &Arc<Self>, channel: &str, payload: &[u8]) {
        let Some(rest) = channel.strip_prefix(self.config.prefix.as_str()) else {
            return;
        };
        let handled = if let Some(name) = rest.strip_prefix("delta:") {
            self.relay(payload, |message| Inbound::Singleton {
                name: name.to_owned(),
                message,
            })
        } else if let Some(room_id) = rest.strip_prefix("room:") {
            self.relay(payload, |message| Inbound::Room {
                room_id: room_id.to_owned(),
                message,
            })
        } else if let Some(topic) = rest.strip_prefix("topic:") {
            if lock(&self.channels).contains(channel) {
                self.relay(payload, |mut message: TopicMessage| {
                    message.topic = topic.to_owned();
                    Inbound::Topic(message)
                })
            } else {
                Ok(()) // unwatched since it was sent
            }
        } else if rest.starts_with("actions:") {
            serde_json::from_slice(payload).map(|envelope| self.on_request_channel(envelope))
        } else {
            Ok(())
        };
        if let Err(error) = handled {
            tracing::warn!(channel, %error, "bad cluster message ignored");
        }
    }

    /// Delivers another instance's [`Envelope`] as `inbound(message)`; this instance's own
    /// are dropped.
    fn relay<T: DeserializeOwned>(
        &self,
        payload: &[u8],
        inbound: impl FnOnce(T) -> Inbound,
    ) -> Result<(), serde_json::Error> {
        let envelope: Envelope<T> = serde_json::from_slice(payload)?;
        if envelope.origin != self.instance_id {
            self.deliver(inbound(envelope.message));
        }
        Ok(())
    }

    /// `message` in an [`Envelope`] from this instance, as JSON text.
    pub(super) fn envelope<T: Serialize>(&self, message: &T) -> Result<String, ClusterError> {
        to_json(&EnvelopeRef {
            origin: self.instance_id.as_str(),
            message,
        })
    }
}
