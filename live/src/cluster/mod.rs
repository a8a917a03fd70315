//! Horizontal scaling: several Live servers behind a load balancer, as one.
//!
//! A [`ClusterAdapter`] connects a server to the others through a shared backend (Redis in
//! `RedisCluster`, feature `redis`). With one, the server:
//!
//! - keeps each **singleton** on exactly one server, its *owner*, which holds a claim in the
//!   backend and renews it on every heartbeat. Every other server runs a *proxy*: its clients
//!   mount the singleton, receive its state and deltas, and call its actions, which are
//!   forwarded to the owner with the caller's identity and answered through the backend.
//! - mirrors the owner's state into the backend, so that when the owner dies, its claim
//!   expires and another server claims the singleton and carries on from the mirror; clients
//!   see the state continue.
//! - fans room events and room state changes out to the servers that have members of the
//!   room.
//! - carries **topic** messages to the servers watching the topic, and messages for a
//!   singleton to its owner.
//!
//! Without an adapter (the default), a server is a cluster of one: everything is local,
//! nothing is mirrored. See `docs/scaling.md` for keys, channels, guarantees and how to
//! implement the trait for another backend.

mod memory;
mod messages;
#[cfg(feature = "redis")]
mod redis;
mod topics;

pub use memory::InProcessCluster;
pub(crate) use messages::message_timeout;
pub use messages::{MessageRequest, MessageResponse};
#[cfg(feature = "redis")]
pub use redis::{RedisCluster, RedisClusterConfig};
pub use topics::{MAX_TOPIC_CHARS, TopicMessage, validate_topic};

use crate::security::identity::Session;
use crate::support::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Why a cluster operation failed. Never fatal: the runtime logs it and carries on with
/// local state; the operation is retried on the next heartbeat where that makes sense.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// The backend could not be reached or answered with an error (see
    /// [`ClusterError::backend`]).
    #[error("cluster backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The backend did not answer in time.
    #[error("{0}")]
    Timeout(String),
    /// The adapter is shutting down.
    #[error("Cluster adapter shutting down")]
    ShuttingDown,
    /// A setting is unusable.
    #[error("invalid cluster configuration: {0}")]
    Config(String),
    /// A topic name breaks the rule of [`validate_topic`].
    #[error("invalid topic name {0}")]
    InvalidTopic(String),
}

impl ClusterError {
    /// A [`Backend`](Self::Backend) error keeping `error` as its source (a message string
    /// works too).
    pub fn backend(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Backend(error.into())
    }
}

/// Who owns a singleton: the claim's value `"<instanceId>:<componentId>"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SingletonOwner {
    /// The owning server instance.
    pub instance_id: String,
    /// The singleton's component id on the owner.
    pub component_id: String,
}

impl SingletonOwner {
    /// The owner of a claim value `"<instanceId>:<componentId>"`; `None` unless both parts
    /// are non-empty.
    pub fn parse(token: &str) -> Option<Self> {
        let (instance_id, component_id) = token.split_once(':')?;
        (!instance_id.is_empty() && !component_id.is_empty()).then(|| Self {
            instance_id: instance_id.to_owned(),
            component_id: component_id.to_owned(),
        })
    }

    /// The claim value, `"<instanceId>:<componentId>"`.
    pub fn token(&self) -> String {
        format!("{}:{}", self.instance_id, self.component_id)
    }
}

/// The result of [`ClusterAdapter::claim_singleton`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This instance now owns the singleton.
    Claimed,
    /// Another claim holds it (`None` if it expired between the attempt and the lookup).
    Taken(Option<SingletonOwner>),
}

/// The result of [`ClusterAdapter::renew_singleton`] (one heartbeat).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Renewal {
    /// The claim was ours and its time to live starts again.
    Renewed,
    /// The claim had vanished (e.g. the backend lost its data) and was taken again.
    Reclaimed,
    /// Another instance holds the claim: stop serving (split-brain guard).
    Lost(Option<SingletonOwner>),
}

/// A singleton's mirrored state (`<prefix>singleton-state:{name}`), written only by the
/// owner, after changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MirroredState {
    /// The component id the owner uses (a new owner keeps it).
    pub component_id: String,
    /// The claim value of the writer.
    pub owner: String,
    /// The sequence number of the last change included (see [`SingletonMessage`]).
    pub seq: u64,
    /// The state.
    pub state: Value,
    /// When it was written, in milliseconds since the epoch.
    pub updated_at: u64,
}

/// What a singleton's owner publishes to the servers that proxy it
/// (`<prefix>delta:{name}`), tagged with the owner's claim value so that proxies ignore a
/// deposed owner. Sequence numbers count the owner's changes from its claim on
/// (`Owner` carries the start); a proxy that sees a gap reloads the mirror.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum SingletonMessage {
    /// A new owner took the singleton: its full state.
    Owner {
        /// The owner's claim value.
        owner: String,
        /// The sequence number `state` is at.
        seq: u64,
        /// The full state.
        state: Value,
    },
    /// A change, as a `STATE_DELTA` payload.
    Delta {
        /// The owner's claim value.
        owner: String,
        /// This change's sequence number.
        seq: u64,
        /// The delta.
        delta: Value,
    },
    /// A change that is not expressible as a delta: the full state.
    State {
        /// The owner's claim value.
        owner: String,
        /// This change's sequence number.
        seq: u64,
        /// The full state.
        state: Value,
    },
    /// A custom event emitted by the singleton (`ctx.emit`).
    Event {
        /// The owner's claim value.
        owner: String,
        /// The event type.
        event: String,
        /// Its payload.
        payload: Value,
    },
    /// The owner released the singleton (its last local viewer left, or it shut down):
    /// a proxy that still has viewers should claim it now.
    Gone {
        /// The released claim value.
        owner: String,
    },
}

impl SingletonMessage {
    /// The claim value of the owner that sent it.
    pub fn owner(&self) -> &str {
        match self {
            Self::Owner { owner, .. }
            | Self::Delta { owner, .. }
            | Self::State { owner, .. }
            | Self::Event { owner, .. }
            | Self::Gone { owner } => owner,
        }
    }
}

/// An action call forwarded from a proxy to the singleton's owner
/// (`<prefix>actions:{instanceId}` of the owner).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRequest {
    /// Matches the response to the request (unique per source instance).
    pub request_id: String,
    /// The calling server.
    pub source_instance_id: String,
    /// The owner it is meant for.
    pub target_instance_id: String,
    /// The owner's component id.
    pub component_id: String,
    /// The singleton's name.
    pub component_name: String,
    /// The action's wire name.
    pub action: String,
    /// The client's payload.
    pub payload: Value,
    /// The calling connection on the source (rate limits are kept per caller).
    pub caller_connection_id: String,
    /// The caller's authenticated session (`None`: anonymous). The owner trusts it: the
    /// backend is part of the trusted network.
    pub caller_session: Option<Session>,
}

/// The owner's answer to an [`ActionRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionResponse {
    /// The request's id.
    pub request_id: String,
    /// Whether the action succeeded.
    pub success: bool,
    /// Its result, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The failure was an authorization refusal (the caller gets no `ERROR` event, as on
    /// the owner).
    #[serde(default)]
    pub denied: bool,
}

impl ActionResponse {
    /// A failed response to `request_id`.
    pub fn failure(request_id: impl Into<String>, error: impl Into<String>) -> Self {
        Self {
            request_id: request_id.into(),
            success: false,
            result: None,
            error: Some(error.into()),
            denied: false,
        }
    }
}

/// A room change fanned out to the other servers (`<prefix>room:{roomId}`), applied there
/// to the local copy of the room and delivered to its local members. Never re-published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum RoomMessage {
    /// An event emitted to the room.
    Event {
        /// The event name.
        event: String,
        /// Its data.
        data: Value,
    },
    /// A state change, as a delta of the room's state.
    State {
        /// The delta.
        delta: Value,
    },
    /// A state change that is not expressible as a delta: the full state.
    Replace {
        /// The full state.
        state: Value,
    },
    /// A component `BROADCAST` to the room's members: the frame as sent.
    Broadcast {
        /// The JSON frame.
        frame: String,
    },
}

/// What arrives from the other servers; adapters hand it to [`ClusterInbox::deliver`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Inbound {
    /// A message from a singleton's owner (deliver only for singletons watched with
    /// [`ClusterAdapter::watch_singleton`]; the runtime ignores the others).
    Singleton {
        /// The singleton's name.
        name: String,
        /// The message.
        message: SingletonMessage,
    },
    /// An action forwarded to this instance; answer through `reply` (the adapter sends the
    /// answer back to the source).
    Action {
        /// The request.
        request: Box<ActionRequest>,
        /// Where the runtime puts the answer.
        reply: oneshot::Sender<ActionResponse>,
    },
    /// A room change from another server.
    Room {
        /// The room.
        room_id: String,
        /// The change.
        message: RoomMessage,
    },
    /// A message another server published to a topic this instance watches
    /// ([`ClusterAdapter::watch_topic`]).
    Topic(TopicMessage),
    /// A message for a singleton this instance owns; answer through `reply` (the adapter
    /// sends the answer back to the source).
    Message {
        /// The request.
        request: Box<MessageRequest>,
        /// Where the runtime puts the answer.
        reply: oneshot::Sender<MessageResponse>,
    },
    /// The adapter reconnected to the backend: messages may have been lost meanwhile, so
    /// every singleton re-checks its claim and reloads the mirror now.
    Reconnected,
}

/// Where an adapter delivers what arrives from other servers. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ClusterInbox {
    tx: mpsc::UnboundedSender<Inbound>,
}

impl ClusterInbox {
    /// An inbox and the receiver the runtime reads (public so that an adapter can be tested
    /// without a server).
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Inbound>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { tx }, rx)
    }

    /// Hands one inbound message to the runtime; false once the server has stopped.
    pub fn deliver(&self, inbound: Inbound) -> bool {
        self.tx.send(inbound).is_ok()
    }
}

/// The answer to a forwarded action (or, as `PendingReply<MessageResponse>`, message), once
/// the owner replies or the adapter times out.
pub type PendingReply<T = ActionResponse> = BoxFuture<'static, Result<T, ClusterError>>;

/// Connects one server to the other servers of a cluster (the Rust counterpart of the
/// reference's `IClusterAdapter`, protocol §13.1). Object-safe; every method is async
/// through [`BoxFuture`] and must not panic on backend faults: return an error instead.
///
/// **Claims** are compare-and-set: `claim_singleton` only succeeds when nobody holds the
/// claim; `renew_singleton`, `save_singleton_state`, `publish_singleton` and
/// `release_singleton` only act while the claim still holds this instance's value
/// (`"<instanceId>:<componentId>"`), checked atomically in the backend. That is what keeps a
/// deposed owner (paused, partitioned) from overwriting the mirror or misleading proxies.
pub trait ClusterAdapter: Send + Sync + fmt::Debug + 'static {
    /// This server's unique id in the cluster.
    fn instance_id(&self) -> &str;

    /// How often owners renew their claims and proxies look for a dead owner.
    fn heartbeat_interval(&self) -> Duration;

    /// How long one backend operation may take before the runtime gives up on it.
    fn operation_timeout(&self) -> Duration {
        Duration::from_secs(2)
    }

    /// Starts delivering inbound traffic (deltas of watched singletons, actions addressed
    /// to this instance, changes of watched rooms) to `inbox`. Called once, by `build`.
    fn start(&self, inbox: ClusterInbox) -> Result<(), ClusterError>;

    /// Stops: rejects pending forwarded actions, unsubscribes, drops connections.
    fn shutdown(&self) -> BoxFuture<'_, ()>;

    /// Atomically claims `name` for `"<instanceId>:<component_id>"` if nobody holds it.
    fn claim_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<Claim, ClusterError>>;

    /// The current owner of `name`, if any.
    fn singleton_owner<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<SingletonOwner>, ClusterError>>;

    /// One heartbeat: renews this instance's claim on `name` if it still holds it, takes it
    /// again if it vanished, reports who holds it otherwise. Atomic.
    fn renew_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<Renewal, ClusterError>>;

    /// Whether this instance still holds the claim on `name` (checked before running a
    /// forwarded action).
    fn verify_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<bool, ClusterError>>;

    /// Gives the claim up (only if this instance holds it), publishes
    /// [`SingletonMessage::Gone`], and lets the mirror expire soon (so a proxy with viewers
    /// can still take over from it).
    fn release_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<(), ClusterError>>;

    /// Mirrors the owner's state; `Ok(false)` (nothing written) when this instance no
    /// longer holds the claim on `name`.
    fn save_singleton_state<'a>(
        &'a self,
        name: &'a str,
        state: &'a MirroredState,
    ) -> BoxFuture<'a, Result<bool, ClusterError>>;

    /// The mirrored state of `name`, if any (`None` too when it is unreadable).
    fn load_singleton_state<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<MirroredState>, ClusterError>>;

    /// Publishes `message` to the servers watching `name`; `Ok(false)` (nothing sent) when
    /// this instance no longer holds the claim.
    fn publish_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
        message: &'a SingletonMessage,
    ) -> BoxFuture<'a, Result<bool, ClusterError>>;

    /// Starts delivering `name`'s [`SingletonMessage`]s to the inbox. Resolves once the
    /// subscription is in place (messages published afterwards are delivered).
    fn watch_singleton<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), ClusterError>>;

    /// Stops delivering `name`'s messages.
    fn unwatch_singleton<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), ClusterError>>;

    /// Sends `request` to its target instance. Resolves once it is sent, with the future of
    /// the answer (which fails with [`ClusterError::Timeout`] after the adapter's action
    /// timeout, `Cluster action timeout after <n>ms`).
    fn forward_action(
        &self,
        request: ActionRequest,
    ) -> BoxFuture<'_, Result<PendingReply, ClusterError>>;

    /// Publishes a room change to the other servers (once per change; receivers ignore
    /// their own messages).
    fn publish_room<'a>(
        &'a self,
        room_id: &'a str,
        message: &'a RoomMessage,
    ) -> BoxFuture<'a, Result<(), ClusterError>>;

    /// Starts delivering `room_id`'s changes from other servers to the inbox.
    fn watch_room<'a>(&'a self, room_id: &'a str) -> BoxFuture<'a, Result<(), ClusterError>>;

    /// Stops delivering `room_id`'s changes.
    fn unwatch_room<'a>(&'a self, room_id: &'a str) -> BoxFuture<'a, Result<(), ClusterError>>;

    /// Publishes `message` to the other servers watching `message.topic`; servers not
    /// watching it receive nothing, and neither does this one (the runtime delivers to its
    /// own subscribers itself). Fails with [`ClusterError::InvalidTopic`] for a name that
    /// [`validate_topic`] refuses.
    fn publish_topic<'a>(
        &'a self,
        message: &'a TopicMessage,
    ) -> BoxFuture<'a, Result<(), ClusterError>>;

    /// Starts delivering `topic`'s messages from other servers to the inbox as
    /// [`Inbound::Topic`]. Resolves once the subscription is in place. Idempotent and not
    /// counted: one `unwatch_topic` stops it however many times it was watched.
    fn watch_topic<'a>(&'a self, topic: &'a str) -> BoxFuture<'a, Result<(), ClusterError>>;

    /// Stops delivering `topic`'s messages (those already in the inbox stay there).
    /// Idempotent.
    fn unwatch_topic<'a>(&'a self, topic: &'a str) -> BoxFuture<'a, Result<(), ClusterError>>;

    /// Sends `request` to its target instance, which hands it to its runtime as
    /// [`Inbound::Message`]. Resolves once it is sent, with the future of the answer, which
    /// fails with [`ClusterError::Timeout`] (`Cluster message timeout after <n>ms`) after
    /// [`operation_timeout`](Self::operation_timeout). Fails at once when the target is not
    /// listening.
    fn forward_message(
        &self,
        request: MessageRequest,
    ) -> BoxFuture<'_, Result<PendingReply<MessageResponse>, ClusterError>>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn owner_tokens_need_two_non_empty_parts() {
        let owner = SingletonOwner::parse("I1:c1");
        assert_eq!(
            owner,
            Some(SingletonOwner {
                instance_id: "I1".into(),
                component_id: "c1".into()
            })
        );
        assert_eq!(owner.map(|o| o.token()), Some("I1:c1".to_owned()));
        assert_eq!(SingletonOwner::parse("I1:"), None);
        assert_eq!(SingletonOwner::parse(":c1"), None);
        assert_eq!(SingletonOwner::parse("nocolon"), None);
    }

    #[test]
    fn singleton_messages_are_tagged_json() {
        let message = SingletonMessage::Delta {
            owner: "I1:c1".into(),
            seq: 3,
            delta: json!({"count": 1}),
        };
        let text = serde_json::to_value(&message).unwrap_or_default();
        assert_eq!(
            text,
            json!({"type": "delta", "owner": "I1:c1", "seq": 3, "delta": {"count": 1}})
        );
        let back: Result<SingletonMessage, _> = serde_json::from_value(text);
        assert_eq!(back.ok(), Some(message));
    }
}
