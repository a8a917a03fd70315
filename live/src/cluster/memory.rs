//! [`InProcessCluster`]: the cluster adapter whose backend is memory shared by the servers
//! of one process.

use super::{
    ActionRequest, Claim, ClusterAdapter, ClusterError, ClusterInbox, Inbound, MessageRequest,
    MessageResponse, MirroredState, PendingReply, Renewal, RoomMessage, SingletonMessage,
    SingletonOwner, TopicMessage, message_timeout, validate_topic,
};
use crate::protocol::refusal::Refusal;
use crate::support::BoxFuture;
use crate::support::lock;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A cluster whose members are servers of the same process, sharing memory instead of a
/// backend.
///
/// A server needs no adapter to run alone; this one exists to run several servers in one
/// process (tests, demos) with exactly the cluster semantics of `RedisCluster`
/// (claims with a time to live, fenced mirror writes, forwarded actions and messages, room
/// and topic fan-out), and
/// as a compact reference for implementing [`ClusterAdapter`] on another backend.
///
/// ```
/// use live::cluster::InProcessCluster;
/// let first = InProcessCluster::new();
/// let second = first.join(); // same memory, another instance id
/// assert_ne!(live::cluster::ClusterAdapter::instance_id(&first),
///            live::cluster::ClusterAdapter::instance_id(&second));
/// ```
#[derive(Clone)]
pub struct InProcessCluster {
    shared: Arc<Shared>,
    instance_id: String,
    settings: Settings,
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    claim_ttl: Duration,
    heartbeat: Duration,
    action_timeout: Duration,
    operation_timeout: Duration,
}

#[derive(Default)]
struct Shared {
    /// Claims and mirrors, with their expiry.
    keys: Mutex<HashMap<String, (String, Option<Instant>)>>,
    /// Members by instance id.
    members: Mutex<HashMap<String, Member>>,
}

#[derive(Default)]
struct Member {
    inbox: Option<ClusterInbox>,
    singletons: HashSet<String>,
    rooms: HashSet<String>,
    topics: HashSet<String>,
}

impl fmt::Debug for InProcessCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InProcessCluster")
            .field("instance_id", &self.instance_id)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Default for InProcessCluster {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcessCluster {
    /// A new cluster with one member (claim time to live 30 s, heartbeat 10 s, action
    /// timeout 5 s, operation timeout 2 s, as `RedisClusterConfig`'s defaults).
    pub fn new() -> Self {
        Self {
            shared: Arc::default(),
            instance_id: crate::protocol::ids::new_id(),
            settings: Settings {
                claim_ttl: Duration::from_secs(30),
                heartbeat: Duration::from_secs(10),
                action_timeout: Duration::from_secs(5),
                operation_timeout: Duration::from_secs(2),
            },
        }
    }

    /// Another member of the same cluster (for another server), with a new instance id.
    pub fn join(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            instance_id: crate::protocol::ids::new_id(),
            settings: self.settings,
        }
    }

    /// Sets the claim time to live and the heartbeat interval of this member.
    pub fn with_timing(mut self, claim_ttl: Duration, heartbeat: Duration) -> Self {
        self.settings.claim_ttl = claim_ttl;
        self.settings.heartbeat = heartbeat;
        self
    }

    /// Sets how long this member waits for the answer to a forwarded message.
    pub fn with_operation_timeout(mut self, timeout: Duration) -> Self {
        self.settings.operation_timeout = timeout;
        self
    }

    /// Removes this member as if its process had died: its inbox stops receiving, its
    /// claims stay until they expire.
    pub fn crash(&self) {
        lock(&self.shared.members).remove(&self.instance_id);
    }

    fn get(&self, key: &str) -> Option<String> {
        let mut keys = lock(&self.shared.keys);
        let expired = keys
            .get(key)
            .is_some_and(|(_, expiry)| expiry.is_some_and(|at| at <= Instant::now()));
        if expired {
            keys.remove(key);
        }
        keys.get(key).map(|(value, _)| value.clone())
    }

    fn token(&self, component_id: &str) -> String {
        format!("{}:{component_id}", self.instance_id)
    }

    fn expiry(&self) -> Option<Instant> {
        Some(Instant::now() + self.settings.claim_ttl)
    }

    /// Every other member's inbox watching something, chosen by `wanted`.
    fn others(&self, wanted: impl Fn(&Member) -> bool) -> Vec<ClusterInbox> {
        lock(&self.shared.members)
            .iter()
            .filter(|(id, member)| **id != self.instance_id && wanted(member))
            .filter_map(|(_, member)| member.inbox.clone())
            .collect()
    }

    fn member<T>(&self, change: impl FnOnce(&mut Member) -> T) -> T {
        let mut members = lock(&self.shared.members);
        change(members.entry(self.instance_id.clone()).or_default())
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

fn claim_key(name: &str) -> String {
    format!("singleton:{name}")
}

fn mirror_key(name: &str) -> String {
    format!("singleton-state:{name}")
}

impl ClusterAdapter for InProcessCluster {
    fn instance_id(&self) -> &str {
        &self.instance_id
    }

    fn heartbeat_interval(&self) -> Duration {
        self.settings.heartbeat
    }

    fn operation_timeout(&self) -> Duration {
        self.settings.operation_timeout
    }

    fn start(&self, inbox: ClusterInbox) -> Result<(), ClusterError> {
        self.member(|member| member.inbox = Some(inbox));
        Ok(())
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        lock(&self.shared.members).remove(&self.instance_id);
        ready(())
    }

    fn claim_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<Claim, ClusterError>> {
        let key = claim_key(name);
        let claim = match self.get(&key) {
            Some(holder) => Claim::Taken(SingletonOwner::parse(&holder)),
            None => {
                lock(&self.shared.keys).insert(key, (self.token(component_id), self.expiry()));
                Claim::Claimed
            }
        };
        ready(Ok(claim))
    }

    fn singleton_owner<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<SingletonOwner>, ClusterError>> {
        let owner = self
            .get(&claim_key(name))
            .and_then(|v| SingletonOwner::parse(&v));
        ready(Ok(owner))
    }

    fn renew_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<Renewal, ClusterError>> {
        let key = claim_key(name);
        let token = self.token(component_id);
        let renewal = match self.get(&key) {
            Some(holder) if holder == token => {
                lock(&self.shared.keys).insert(key, (token, self.expiry()));
                Renewal::Renewed
            }
            Some(holder) => Renewal::Lost(SingletonOwner::parse(&holder)),
            None => {
                lock(&self.shared.keys).insert(key, (token, self.expiry()));
                Renewal::Reclaimed
            }
        };
        ready(Ok(renewal))
    }

    fn verify_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<bool, ClusterError>> {
        let holds = self.get(&claim_key(name)) == Some(self.token(component_id));
        ready(Ok(holds))
    }

    fn release_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
    ) -> BoxFuture<'a, Result<(), ClusterError>> {
        let token = self.token(component_id);
        if self.get(&claim_key(name)).as_deref() == Some(&token) {
            let mut keys = lock(&self.shared.keys);
            keys.remove(&claim_key(name));
            if let Some((_, expiry)) = keys.get_mut(&mirror_key(name)) {
                *expiry = Some(Instant::now() + self.settings.claim_ttl);
            }
            drop(keys);
            let gone = SingletonMessage::Gone { owner: token };
            deliver_singleton(&self.others(|m| m.singletons.contains(name)), name, &gone);
        }
        ready(Ok(()))
    }

    fn save_singleton_state<'a>(
        &'a self,
        name: &'a str,
        state: &'a MirroredState,
    ) -> BoxFuture<'a, Result<bool, ClusterError>> {
        if self.get(&claim_key(name)).as_deref() != Some(state.owner.as_str()) {
            return ready(Ok(false));
        }
        let result = serde_json::to_string(state)
            .map(|json| {
                lock(&self.shared.keys).insert(mirror_key(name), (json, None));
                true
            })
            .map_err(ClusterError::backend);
        ready(result)
    }

    fn load_singleton_state<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<MirroredState>, ClusterError>> {
        let state = self
            .get(&mirror_key(name))
            .and_then(|json| serde_json::from_str(&json).ok());
        ready(Ok(state))
    }

    fn publish_singleton<'a>(
        &'a self,
        name: &'a str,
        component_id: &'a str,
        message: &'a SingletonMessage,
    ) -> BoxFuture<'a, Result<bool, ClusterError>> {
        if self.get(&claim_key(name)) != Some(self.token(component_id)) {
            return ready(Ok(false));
        }
        deliver_singleton(&self.others(|m| m.singletons.contains(name)), name, message);
        ready(Ok(true))
    }

    fn watch_singleton<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        self.member(|member| member.singletons.insert(name.to_owned()));
        ready(Ok(()))
    }

    fn unwatch_singleton<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        self.member(|member| member.singletons.remove(name));
        ready(Ok(()))
    }

    fn forward_action(
        &self,
        request: ActionRequest,
    ) -> BoxFuture<'_, Result<PendingReply, ClusterError>> {
        let target = request.target_instance_id.clone();
        let timeout = self.settings.action_timeout;
        let pending = self.forward(
            &target,
            |reply| Inbound::Action {
                request: Box::new(request),
                reply,
            },
            timeout,
            move || {
                let ms = timeout.as_millis();
                ClusterError::Timeout(Refusal::ClusterActionTimeout { ms }.text())
            },
        );
        ready(pending)
    }

    fn publish_room<'a>(
        &'a self,
        room_id: &'a str,
        message: &'a RoomMessage,
    ) -> BoxFuture<'a, Result<(), ClusterError>> {
        for inbox in self.others(|m| m.rooms.contains(room_id)) {
            inbox.deliver(Inbound::Room {
                room_id: room_id.to_owned(),
                message: message.clone(),
            });
        }
        ready(Ok(()))
    }

    fn watch_room<'a>(&'a self, room_id: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        self.member(|member| member.rooms.insert(room_id.to_owned()));
        ready(Ok(()))
    }

    fn unwatch_room<'a>(&'a self, room_id: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        self.member(|member| member.rooms.remove(room_id));
        ready(Ok(()))
    }

    fn publish_topic<'a>(
        &'a self,
        message: &'a TopicMessage,
    ) -> BoxFuture<'a, Result<(), ClusterError>> {
        if let Err(error) = validate_topic(&message.topic) {
            return ready(Err(error));
        }
        for inbox in self.others(|m| m.topics.contains(&message.topic)) {
            inbox.deliver(Inbound::Topic(message.clone()));
        }
        ready(Ok(()))
    }

    fn watch_topic<'a>(&'a self, topic: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        if let Err(error) = validate_topic(topic) {
            return ready(Err(error));
        }
        self.member(|member| member.topics.insert(topic.to_owned()));
        ready(Ok(()))
    }

    fn unwatch_topic<'a>(&'a self, topic: &'a str) -> BoxFuture<'a, Result<(), ClusterError>> {
        if let Err(error) = validate_topic(topic) {
            return ready(Err(error));
        }
        self.member(|member| member.topics.remove(topic));
        ready(Ok(()))
    }

    fn forward_message(
        &self,
        request: MessageRequest,
    ) -> BoxFuture<'_, Result<PendingReply<MessageResponse>, ClusterError>> {
        let target = request.target_instance_id.clone();
        let timeout = self.settings.operation_timeout;
        let pending = self.forward(
            &target,
            |reply| Inbound::Message {
                request: Box::new(request),
                reply,
            },
            timeout,
            move || message_timeout(timeout),
        );
        ready(pending)
    }
}

mod forward;
#[cfg(test)]
mod tests;

fn deliver_singleton(inboxes: &[ClusterInbox], name: &str, message: &SingletonMessage) {
    for inbox in inboxes {
        inbox.deliver(Inbound::Singleton {
            name: name.to_owned(),
            message: message.clone(),
        });
    }
}
