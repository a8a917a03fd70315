//! [`RedisCluster`]: the cluster adapter on Redis (feature `redis`, redis-rs 1.x).
//!
//! Commands go through a reconnecting [`ConnectionManager`]; pub/sub runs on a separate
//! subscriber connection owned by a background task that reconnects with backoff,
//! resubscribes every channel, pings to detect dead connections, and tells the runtime it
//! reconnected (so singletons re-check their claim and reload the mirror).

mod config;
mod forward;
mod scripts;
mod subscriber;

pub use config::RedisClusterConfig;

use super::{
    ActionRequest, ActionResponse, Claim, ClusterAdapter, ClusterError, ClusterInbox, Inbound,
    MessageRequest, MessageResponse, MirroredState, PendingReply, Renewal, RoomMessage,
    SingletonMessage, SingletonOwner, TopicMessage, message_timeout, validate_topic,
};
use crate::support::BoxFuture;
use crate::support::lock;
use forward::{InstanceEnvelope, Waiting, action_timeout};
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSubSink};
use scripts::{MIRROR, PUBLISH, RELEASE, RENEW};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::watch;

/// The cluster adapter on Redis.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use live::cluster::{RedisCluster, RedisClusterConfig};
/// let cluster = RedisCluster::connect("redis://127.0.0.1:6379", RedisClusterConfig::default()).await?;
/// let server = live::LiveServer::builder().cluster(cluster).build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisCluster {
    inner: Arc<Inner>,
}

struct Inner {
    instance_id: String,
    config: RedisClusterConfig,
    conn: ConnectionManager,
    subscriber: redis::Client,
    /// Channels the subscriber should be on (resubscribed after every reconnect).
    channels: Mutex<HashSet<String>>,
    /// The current subscriber connection's command half.
    sink: Mutex<Option<PubSubSink>>,
    /// Forwarded actions waiting for their owner's answer.
    actions: Waiting<ActionResponse>,
    /// Forwarded messages waiting for their owner's answer.
    messages: Waiting<MessageResponse>,
    inbox: OnceLock<ClusterInbox>,
    stop: watch::Sender<bool>,
}

impl fmt::Debug for RedisCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCluster")
            .field("instance_id", &self.inner.instance_id)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn backend(error: redis::RedisError) -> ClusterError {
    ClusterError::backend(error)
}

/// `value` as the JSON text stored in or published through Redis.
fn to_json(value: &impl Serialize) -> Result<String, ClusterError> {
    serde_json::to_string(value).map_err(ClusterError::backend)
}

fn millis(duration: Duration) -> u64 {
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

impl RedisCluster {
    /// Connects to Redis at `url` (e.g. `redis://127.0.0.1:6379`) with `config`. Fails if
    /// Redis cannot be reached now; later outages are survived (see the module docs).
    pub async fn connect(url: &str, config: RedisClusterConfig) -> Result<Self, ClusterError> {
        config.check()?;
        let client = redis::Client::open(url).map_err(backend)?;
        let subscriber = match &config.subscriber_url {
            Some(url) => redis::Client::open(url.as_str()).map_err(backend)?,
            None => client.clone(),
        };
        let manager = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500))
            .set_connection_timeout(Some(config.operation_timeout))
            .set_response_timeout(Some(config.operation_timeout));
        let conn = tokio::time::timeout(
            config.operation_timeout.saturating_mul(2),
            ConnectionManager::new_with_config(client, manager),
        )
        .await
        .map_err(|_| ClusterError::Timeout(format!("connecting to {url} timed out")))?
        .map_err(backend)?;
        let instance_id = crate::protocol::ids::new_id();
        let actions = format!("{}actions:{instance_id}", config.prefix);
        let (stop, _) = watch::channel(false);
        Ok(Self {
            inner: Arc::new(Inner {
                instance_id,
                config,
                conn,
                subscriber,
                channels: Mutex::new(HashSet::from([actions])),
                sink: Mutex::new(None),
                actions: Waiting::default(),
                messages: Waiting::default(),
                inbox: OnceLock::new(),
                stop,
            }),
        })
    }

    /// Connects to `LIVE_REDIS_URL` with [`RedisClusterConfig::from_env`]; `None` when the
    /// variable is not set.
    pub async fn from_env() -> Option<Result<Self, ClusterError>> {
        let url = std::env::var("LIVE_REDIS_URL")
            .ok()
            .filter(|url| !url.is_empty())?;
        Some(match RedisClusterConfig::from_env() {
            Ok(config) => Self::connect(&url, config).await,
            Err(error) => Err(error),
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &RedisClusterConfig {
        &self.inner.config
    }
}

impl Inner {
    fn key(&self, kind: &str, name: &str) -> String {
        format!("{}{kind}:{name}", self.config.prefix)
    }

    fn token(&self, component_id: &str) -> String {
        format!("{}:{component_id}", self.instance_id)
    }

    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// The string stored at `kind:name`, if any.
    async fn get(&self, kind: &str, name: &str) -> Result<Option<String>, ClusterError> {
        self.conn().get(self.key(kind, name)).await.map_err(backend)
    }

    async fn subscribe(&self, channel: String) -> Result<(), ClusterError> {
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

    async fn unsubscribe(&self, channel: String) -> Result<(), ClusterError> {
        lock(&self.channels).remove(&channel);
        let sink = lock(&self.sink).clone();
        match sink {
            Some(mut sink) => sink.unsubscribe(&channel).await.map_err(backend),
            None => Ok(()),
        }
    }

    fn deliver(&self, inbound: Inbound) {
        if let Some(inbox) = self.inbox.get() {
            inbox.deliver(inbound);
        }
    }

    /// One pub/sub message, by channel: `delta:<name>`, `room:<id>` and `topic:<topic>`
    /// relay another instance's message; `actions:<instance>` carries forwarded actions and
    /// messages, and their answers.
    fn on_message(self: &Arc<Self>, channel: &str, payload: &[u8]) {
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
    fn envelope<T: Serialize>(&self, message: &T) -> Result<String, ClusterError> {
        to_json(&EnvelopeRef {
            origin: self.instance_id.as_str(),
            message,
        })
    }
}

impl ClusterAdapter for RedisCluster {
    fn instance_id(&self) -> &str {
        &self.inner.instance_id
    }

    fn heartbeat_interval(&self) -> Duration {
        self.inner.config.heartbeat_interval
    }

    fn operation_timeout(&self) -> Duration {
        self.inner.config.operation_timeout
    }

    fn start(&self, inbox: ClusterInbox) -> Result<(), ClusterError> {
        self.inner
            .inbox
            .set(inbox)
            .map_err(|_| ClusterError::Config("the adapter serves one server only".to_owned()))?;
        tokio::spawn(subscriber::subscriber(Arc::clone(&self.inner)));
        Ok(())
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.inner.stop.send_replace(true);
            self.inner.actions.clear();
            self.inner.messages.clear();
        })
    }

    fn claim_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<Claim, ClusterError>> {
        Box::pin(async move {
            let inner = &self.inner;
            let key = inner.key("singleton", name);
            let mut conn = inner.conn();
            let set: Option<String> = redis::cmd("SET")
                .arg(&key)
                .arg(inner.token(component_id))
                .arg("NX")
                .arg("PX")
                .arg(millis(inner.config.singleton_ttl))
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
            if set.is_some() {
                return Ok(Claim::Claimed);
            }
            let holder = inner.get("singleton", name).await?;
            Ok(Claim::Taken(
                holder.as_deref().and_then(SingletonOwner::parse),
            ))
        })
    }

    fn singleton_owner<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<SingletonOwner>, ClusterError>> {
        Box::pin(async move {
            let holder = self.inner.get("singleton", name).await?;
            Ok(holder.as_deref().and_then(SingletonOwner::parse))
        })
    }

    fn renew_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<Renewal, ClusterError>> {
        Box::pin(async move {
            let inner = &self.inner;
            let (code, holder): (i64, String) = RENEW
                .key(inner.key("singleton", name))
                .arg(inner.token(component_id))
                .arg(millis(inner.config.singleton_ttl))
                .invoke_async(&mut inner.conn())
                .await
                .map_err(backend)?;
            Ok(match code {
                1 => Renewal::Renewed,
                2 => Renewal::Reclaimed,
                _ => Renewal::Lost(SingletonOwner::parse(&holder)),
            })
        })
    }

    fn verify_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<bool, ClusterError>> {
        Box::pin(async move {
            let holder = self.inner.get("singleton", name).await?;
            Ok(holder.as_deref() == Some(self.inner.token(component_id).as_str()))
        })
    }

    fn release_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(async move {
            let inner = &self.inner;
            let token = inner.token(component_id);
            let gone = inner.envelope(&SingletonMessage::Gone {
                owner: token.clone(),
            })?;
            let _: i64 = RELEASE
                .key(inner.key("singleton", name))
                .key(inner.key("singleton-state", name))
                .key(inner.key("state", component_id))
                .arg(token)
                .arg(millis(inner.config.singleton_ttl))
                .arg(inner.key("delta", name))
                .arg(gone)
                .invoke_async(&mut inner.conn())
                .await
                .map_err(backend)?;
            Ok(())
        })
    }

    fn save_singleton_state<'a>(
        &'a self,
        name: &'a str,
        state: &'a MirroredState,
    ) -> BoxFuture<'a, Result<bool, ClusterError>> {
        Box::pin(async move {
            let inner = &self.inner;
            let mirror = to_json(state)?;
            // The per-component record (`<prefix>state:<componentId>`), as the reference
            // writes it.
            let record = json!({
                "componentName": name,
                "state": &state.state,
                "instanceId": &inner.instance_id,
                "updatedAt": state.updated_at,
            })
            .to_string();
            let ttl = if inner.config.state_ttl.is_zero() {
                0
            } else {
                millis(inner.config.state_ttl)
            };
            let written: i64 = MIRROR
                .key(inner.key("singleton", name))
                .key(inner.key("singleton-state", name))
                .key(inner.key("state", &state.component_id))
                .arg(&state.owner)
                .arg(mirror)
                .arg(ttl)
                .arg(record)
                .invoke_async(&mut inner.conn())
                .await
                .map_err(backend)?;
            Ok(written == 1)
        })
    }

    fn load_singleton_state<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<MirroredState>, ClusterError>> {
        Box::pin(async move {
            let text = self.inner.get("singleton-state", name).await?;
            Ok(text.and_then(|text| match serde_json::from_str(&text) {
                Ok(state) => Some(state),
                Err(error) => {
                    tracing::warn!(singleton = name, %error, "corrupt mirrored state ignored");
                    None
                }
            }))
        })
    }

    fn publish_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
        message: &'a SingletonMessage,
    ) -> BoxFuture<'a, Result<bool, ClusterError>> {
        Box::pin(async move {
            let inner = &self.inner;
            let text = inner.envelope(message)?;
            let sent: i64 = PUBLISH
                .key(inner.key("singleton", name))
                .arg(inner.token(component_id))
                .arg(inner.key("delta", name))
                .arg(text)
                .invoke_async(&mut inner.conn())
                .await
                .map_err(backend)?;
            Ok(sent == 1)
        })
    }

    fn watch_singleton<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(self.inner.subscribe(self.inner.key("delta", name)))
    }

    fn unwatch_singleton<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(self.inner.unsubscribe(self.inner.key("delta", name)))
    }

    fn forward_action(
        &self,
        request: ActionRequest,
    ) -> BoxFuture<'_, Result<PendingReply, ClusterError>> {
        Box::pin(async move {
            let inner = &self.inner;
            let target = request.target_instance_id.clone();
            let request_id = request.request_id.clone();
            let envelope = InstanceEnvelope::ActionRequest {
                origin: inner.instance_id.clone(),
                request: Box::new(request),
            };
            let timeout = inner.config.action_timeout;
            inner
                .forward(
                    &target,
                    request_id,
                    envelope,
                    |inner| &inner.actions,
                    timeout,
                    action_timeout,
                )
                .await
        })
    }

    fn publish_room<'a>(
        &'a self,
        room_id: &'a str,
        message: &'a RoomMessage,
    ) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(async move {
            let inner = &self.inner;
            let text = inner.envelope(message)?;
            let _: i64 = inner
                .conn()
                .publish(inner.key("room", room_id), text)
                .await
                .map_err(backend)?;
            Ok(())
        })
    }

    fn watch_room<'a>(&'a self, room_id: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(self.inner.subscribe(self.inner.key("room", room_id)))
    }

    fn unwatch_room<'a>(&'a self, room_id: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(self.inner.unsubscribe(self.inner.key("room", room_id)))
    }

    fn publish_topic<'a>(
        &'a self,
        message: &'a TopicMessage,
    ) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(async move {
            validate_topic(&message.topic)?;
            let inner = &self.inner;
            let text = inner.envelope(message)?;
            let _: i64 = inner
                .conn()
                .publish(inner.key("topic", &message.topic), text)
                .await
                .map_err(backend)?;
            Ok(())
        })
    }

    fn watch_topic<'a>(&'a self, topic: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(async move {
            validate_topic(topic)?;
            self.inner.subscribe(self.inner.key("topic", topic)).await
        })
    }

    fn unwatch_topic<'a>(&'a self, topic: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(async move {
            validate_topic(topic)?;
            self.inner.unsubscribe(self.inner.key("topic", topic)).await
        })
    }

    fn forward_message(
        &self,
        request: MessageRequest,
    ) -> BoxFuture<'_, Result<PendingReply<MessageResponse>, ClusterError>> {
        Box::pin(async move {
            let inner = &self.inner;
            let target = request.target_instance_id.clone();
            let request_id = request.request_id.clone();
            let envelope = InstanceEnvelope::MessageRequest {
                origin: inner.instance_id.clone(),
                request: Box::new(request),
            };
            let timeout = inner.config.operation_timeout;
            inner
                .forward(
                    &target,
                    request_id,
                    envelope,
                    |inner| &inner.messages,
                    timeout,
                    message_timeout,
                )
                .await
        })
    }
}
