//! [`RedisCluster`] itself: connecting, and the [`ClusterAdapter`] impl, which hands each
//! call to the concern that serves it (singletons, rooms and topics, forwarding).

use super::config::RedisClusterConfig;
use super::inner::{Inner, backend};
use super::subscriber;
use super::waiting::Waiting;
use crate::cluster::{
    ActionRequest, Claim, ClusterAdapter, ClusterError, ClusterInbox, MessageRequest,
    MessageResponse, MirroredState, PendingReply, Renewal, RoomMessage, SingletonMessage,
    SingletonOwner, TopicMessage,
};
use crate::support::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
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

impl fmt::Debug for RedisCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCluster")
            .field("instance_id", &self.inner.instance_id)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
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
        Box::pin(self.inner.claim_singleton(name, component_id))
    }

    fn singleton_owner<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<SingletonOwner>, ClusterError>> {
        Box::pin(self.inner.singleton_owner(name))
    }

    fn renew_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<Renewal, ClusterError>> {
        Box::pin(self.inner.renew_singleton(name, component_id))
    }

    fn verify_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<bool, ClusterError>> {
        Box::pin(self.inner.verify_singleton(name, component_id))
    }

    fn release_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(self.inner.release_singleton(name, component_id))
    }

    fn save_singleton_state<'a>(
        &'a self,
        name: &'a str,
        state: &'a MirroredState,
    ) -> BoxFuture<'a, Result<bool, ClusterError>> {
        Box::pin(self.inner.save_singleton_state(name, state))
    }

    fn load_singleton_state<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<MirroredState>, ClusterError>> {
        Box::pin(self.inner.load_singleton_state(name))
    }

    fn publish_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
        message: &'a SingletonMessage,
    ) -> BoxFuture<'a, Result<bool, ClusterError>> {
        Box::pin(self.inner.publish_singleton(name, component_id, message))
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
        Box::pin(self.inner.forward_action(request))
    }

    fn publish_room<'a>(
        &'a self,
        room_id: &'a str,
        message: &'a RoomMessage,
    ) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(self.inner.publish_room(room_id, message))
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
        Box::pin(self.inner.publish_topic(message))
    }

    fn watch_topic<'a>(&'a self, topic: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(self.inner.watch_topic(topic))
    }

    fn unwatch_topic<'a>(&'a self, topic: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(self.inner.unwatch_topic(topic))
    }

    fn forward_message(
        &self,
        request: MessageRequest,
    ) -> BoxFuture<'_, Result<PendingReply<MessageResponse>, ClusterError>> {
        Box::pin(self.inner.forward_message(request))
    }
}
