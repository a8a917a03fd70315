//! The runtime side of a cluster: routes inbound traffic to local actors, and gives each
//! singleton actor a [`SingletonLink`] that runs its background work (heartbeat or owner
//! watch, ordered publishing and mirroring, action forwarding) so that the actor itself
//! never waits on the backend.

use super::{
    ActionRequest, ActionResponse, Claim, ClusterAdapter, ClusterError, ClusterInbox, Inbound,
    MirroredState, Renewal, RoomMessage, SingletonMessage, SingletonOwner,
};
use crate::protocol::ids::new_id;
use crate::protocol::outbound::{self, Reply};
use crate::runtime::outbox::Outbox;
use crate::runtime::rooms::{RoomCommand, Rooms};
use crate::runtime::{Call, ComponentHandle, Control};
use crate::support::{lock, now_ms};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

/// A local singleton actor, for routing.
#[derive(Debug)]
struct Registered {
    handle: ComponentHandle,
    kick: Arc<Notify>,
}

/// A room change waiting to be published.
type RoomOut = (Arc<str>, RoomMessage);

/// One server's membership in a cluster.
#[derive(Debug)]
pub(crate) struct ClusterNode {
    adapter: Arc<dyn ClusterAdapter>,
    instance_id: Arc<str>,
    heartbeat: Duration,
    timeout: Duration,
    /// Local singleton actors by name.
    singletons: Mutex<HashMap<String, Registered>>,
    /// Room changes to publish, in order.
    room_out: mpsc::UnboundedSender<RoomOut>,
    room_out_rx: Mutex<Option<mpsc::UnboundedReceiver<RoomOut>>>,
    /// Owner publisher tasks (each ends after its hand-off); awaited on shutdown.
    publishers: Mutex<Vec<JoinHandle<()>>>,
    next_request: AtomicU64,
    /// When the adapter last reconnected to the backend.
    reconnected: Mutex<Option<Instant>>,
}

impl ClusterNode {
    /// A node on `adapter` (not started yet).
    pub(crate) fn new(adapter: Arc<dyn ClusterAdapter>) -> Arc<Self> {
        let (room_out, room_out_rx) = mpsc::unbounded_channel();
        Arc::new(Self {
            instance_id: Arc::from(adapter.instance_id()),
            heartbeat: adapter.heartbeat_interval().max(Duration::from_millis(10)),
            timeout: adapter.operation_timeout(),
            adapter,
            singletons: Mutex::new(HashMap::new()),
            room_out,
            room_out_rx: Mutex::new(Some(room_out_rx)),
            publishers: Mutex::new(Vec::new()),
            next_request: AtomicU64::new(0),
            reconnected: Mutex::new(None),
        })
    }

    /// Starts the adapter and the tasks that route its traffic to `rooms` and the local
    /// singletons.
    pub(crate) fn start(self: &Arc<Self>, rooms: &Arc<Rooms>) {
        let (inbox, inbound) = ClusterInbox::new();
        if let Err(error) = self.adapter.start(inbox) {
            tracing::error!(%error, "cluster adapter failed to start; serving locally");
        }
        tokio::spawn(dispatch(
            Arc::downgrade(self),
            Arc::downgrade(rooms),
            inbound,
        ));
        if let Some(rx) = lock(&self.room_out_rx).take() {
            tokio::spawn(publish_rooms(Arc::clone(&self.adapter), self.timeout, rx));
        }
    }

    /// This server's instance id.
    pub(crate) fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Whether the adapter reconnected recently (two heartbeats and a second): a missing
    /// claim may then be the backend's lost data, not a dead owner.
    fn in_reconnect_grace(&self) -> bool {
        let grace = self.heartbeat.saturating_mul(2) + Duration::from_secs(1);
        lock(&self.reconnected).is_some_and(|at| at.elapsed() < grace)
    }

    /// Runs one backend operation with the operation timeout.
    async fn op<T>(
        &self,
        what: &str,
        future: impl Future<Output = Result<T, ClusterError>>,
    ) -> Result<T, ClusterError> {
        match tokio::time::timeout(self.timeout, future).await {
            Ok(result) => result,
            Err(_) => Err(ClusterError::Timeout(format!(
                "cluster {what} took longer than {}ms",
                self.timeout.as_millis()
            ))),
        }
    }

    /// Decides how this server runs singleton `name`: as its owner (claimed, with the
    /// mirrored state if a previous owner left one) or as a proxy of another server's.
    /// When the backend is unreachable the singleton runs locally as an owner; its
    /// heartbeat settles the claim once the backend is back.
    pub(crate) async fn resolve(&self, name: &str) -> (Arc<str>, StartRole) {
        if let Err(error) = self.op("watch", self.adapter.watch_singleton(name)).await {
            tracing::warn!(singleton = name, %error, "could not watch the singleton's channel");
        }
        let mirror = match self
            .op("load", self.adapter.load_singleton_state(name))
            .await
        {
            Ok(mirror) => mirror,
            Err(error) => {
                tracing::warn!(singleton = name, %error, "cluster unreachable; serving locally");
                return (Arc::from(new_id()), StartRole::Owner { recovered: None });
            }
        };
        let id: Arc<str> = Arc::from(
            mirror
                .as_ref()
                .map_or_else(new_id, |mirror| mirror.component_id.clone()),
        );
        for _ in 0..3 {
            match self
                .op("claim", self.adapter.claim_singleton(name, &id))
                .await
            {
                Ok(Claim::Claimed) => {
                    tracing::info!(singleton = name, id = %id, "claimed singleton");
                    return (id, StartRole::Owner { recovered: mirror });
                }
                // A proxy uses the owner's component id, so that ids match across servers.
                Ok(Claim::Taken(Some(owner))) => {
                    return (
                        Arc::from(owner.component_id.as_str()),
                        StartRole::Proxy {
                            owner: Some(owner),
                            mirror,
                        },
                    );
                }
                // The claim expired between the attempt and the lookup: try again.
                Ok(Claim::Taken(None)) => {}
                Err(error) => {
                    tracing::warn!(singleton = name, %error, "cluster unreachable; serving locally");
                    return (id, StartRole::Owner { recovered: mirror });
                }
            }
        }
        (
            id,
            StartRole::Proxy {
                owner: None,
                mirror,
            },
        )
    }

    /// Routes inbound traffic for singleton `name` to `handle`.
    pub(crate) fn register(&self, name: &str, handle: ComponentHandle, kick: Arc<Notify>) {
        lock(&self.singletons).insert(name.to_owned(), Registered { handle, kick });
    }

    /// Stops routing to the actor `id` of `name`, and stops watching `name`'s channel.
    fn unregister(self: &Arc<Self>, name: &'static str, id: &str) {
        let mut table = lock(&self.singletons);
        if table.get(name).is_some_and(|entry| &*entry.handle.id == id) {
            table.remove(name);
            drop(table);
            let node = Arc::clone(self);
            tokio::spawn(async move {
                // A new local instance may have started meanwhile: it watches again.
                if !lock(&node.singletons).contains_key(name)
                    && let Err(error) = node
                        .op("unwatch", node.adapter.unwatch_singleton(name))
                        .await
                {
                    tracing::debug!(singleton = name, %error, "unwatch failed");
                }
            });
        }
    }

    fn lookup(&self, name: &str) -> Option<(ComponentHandle, Arc<Notify>)> {
        lock(&self.singletons)
            .get(name)
            .map(|entry| (entry.handle.clone(), Arc::clone(&entry.kick)))
    }

    /// Publishes a room change (in order with the other room changes of this server).
    pub(crate) fn publish_room(&self, room_id: &Arc<str>, message: RoomMessage) {
        let _ = self.room_out.send((Arc::clone(room_id), message));
    }

    /// Starts (or stops) receiving `room_id`'s changes from other servers.
    pub(crate) fn watch_room(self: &Arc<Self>, room_id: &Arc<str>, watch: bool) {
        let node = Arc::clone(self);
        let room_id = Arc::clone(room_id);
        tokio::spawn(async move {
            let result = if watch {
                node.op("watch room", node.adapter.watch_room(&room_id))
                    .await
            } else {
                node.op("unwatch room", node.adapter.unwatch_room(&room_id))
                    .await
            };
            if let Err(error) = result {
                tracing::warn!(room = %room_id, %error, "room channel (un)subscribe failed");
            }
        });
    }

    /// Waits (bounded) for owners to hand their singletons over, then stops the adapter.
    pub(crate) async fn shutdown(&self) {
        let publishers: Vec<JoinHandle<()>> = lock(&self.publishers).drain(..).collect();
        let wait = async {
            for publisher in publishers {
                let _ = publisher.await;
            }
        };
        if tokio::time::timeout(self.timeout.saturating_mul(2), wait)
            .await
            .is_err()
        {
            tracing::warn!("singleton hand-off did not finish before shutdown");
        }
        self.adapter.shutdown().await;
    }

    /// Serves an action forwarded by another server to a singleton owned here.
    async fn serve_action(self: Arc<Self>, request: ActionRequest) -> ActionResponse {
        let request_id = request.request_id.clone();
        let name = request.component_name.clone();
        let Some((handle, kick)) = self.lookup(&name) else {
            return ActionResponse::failure(
                request_id,
                format!("OWNERSHIP_LOST: singleton '{name}' is not running on this instance"),
            );
        };
        match self
            .op("verify", self.adapter.verify_singleton(&name, &handle.id))
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                kick.notify_one();
                return ActionResponse::failure(
                    request_id,
                    "OWNERSHIP_LOST: this instance no longer owns the singleton",
                );
            }
            Err(error) => return ActionResponse::failure(request_id, error.to_string()),
        }
        let (reply, answer) = oneshot::channel();
        if handle.call(Call::Remote { request, reply }).await.is_err() {
            return ActionResponse::failure(request_id, "Singleton stopped");
        }
        answer
            .await
            .unwrap_or_else(|_| ActionResponse::failure(request_id, "Singleton stopped"))
    }
}

/// Routes what the adapter delivers.
async fn dispatch(
    node: Weak<ClusterNode>,
    rooms: Weak<Rooms>,
    mut inbound: mpsc::UnboundedReceiver<Inbound>,
) {
    while let Some(message) = inbound.recv().await {
        let Some(node) = node.upgrade() else {
            return;
        };
        match message {
            Inbound::Singleton { name, message } => {
                if let Some((handle, _)) = node.lookup(&name) {
                    let _ = handle
                        .control
                        .send(Control::Cluster(Box::new(ClusterSignal::Remote(message))));
                }
            }
            Inbound::Action { request, reply } => {
                tokio::spawn(async move {
                    let response = node.serve_action(*request).await;
                    let _ = reply.send(response);
                });
            }
            Inbound::Room { room_id, message } => {
                let Some(rooms) = rooms.upgrade() else {
                    continue;
                };
                if let Some(room) = rooms.get(&room_id).await
                    && !room.try_send(RoomCommand::Remote(message))
                {
                    tracing::warn!(room = %room_id, "room mailbox full; remote change dropped");
                }
            }
            Inbound::Topic(_) | Inbound::Message { .. } => {}
            Inbound::Reconnected => {
                tracing::info!("cluster backend reconnected; re-checking singletons");
                *lock(&node.reconnected) = Some(Instant::now());
                for entry in lock(&node.singletons).values() {
                    entry.kick.notify_one();
                }
            }
        }
    }
}

/// Publishes room changes in order.
async fn publish_rooms(
    adapter: Arc<dyn ClusterAdapter>,
    timeout: Duration,
    mut rx: mpsc::UnboundedReceiver<RoomOut>,
) {
    while let Some((room_id, message)) = rx.recv().await {
        match tokio::time::timeout(timeout, adapter.publish_room(&room_id, &message)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(room = %room_id, %error, "room change not published"),
            Err(_) => tracing::warn!(room = %room_id, "room change publish timed out"),
        }
    }
}

/// How a singleton instance starts in a cluster.
#[derive(Debug)]
pub(crate) enum StartRole {
    /// This server owns it; `recovered` is a previous owner's mirrored state.
    Owner {
        /// The mirror left by a previous owner.
        recovered: Option<MirroredState>,
    },
    /// Another server owns it.
    Proxy {
        /// The owner, if known.
        owner: Option<SingletonOwner>,
        /// The mirrored state to start from.
        mirror: Option<MirroredState>,
    },
}

/// What a singleton actor is told by its link's tasks and by the dispatcher.
#[derive(Debug)]
pub(crate) enum ClusterSignal {
    /// A message from (what claims to be) the owner.
    Remote(SingletonMessage),
    /// The watch task claimed the singleton for this instance: become the owner, from the
    /// mirror (or the proxy's own newer state).
    Promote(Option<MirroredState>),
    /// The current owner and mirror, read by the watch task.
    Resync {
        /// The owner.
        owner: SingletonOwner,
        /// The mirror.
        mirror: Option<MirroredState>,
    },
    /// Another instance holds the claim: stop serving, become a proxy.
    Lost(Option<SingletonOwner>),
    /// The claim had vanished and was taken again: re-announce and re-mirror.
    Reclaimed,
}

/// The role of a singleton instance.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Role {
    /// This instance serves the singleton.
    Owner {
        /// Changes published since the claim.
        seq: u64,
    },
    /// Another instance serves it; this one relays.
    Proxy {
        /// The owner, if known.
        owner: Option<SingletonOwner>,
        /// The last change applied from that owner (`None`: no state from it yet).
        seq: Option<u64>,
    },
}

/// What an owner's publisher task does, in order.
#[derive(Debug)]
enum Publish {
    Message(SingletonMessage),
    Mirror(MirroredState),
    Release,
}

/// A call forwarded by a proxy, with where its reply goes.
#[derive(Debug)]
pub(crate) struct Forward {
    /// The request (its target filled in by the link).
    pub(crate) request: ActionRequest,
    /// The caller's queue.
    pub(crate) outbox: Outbox,
    /// The proxy's component id (what the caller knows).
    pub(crate) component_id: Arc<str>,
    /// Whether a successful call gets a reply.
    pub(crate) expect_response: bool,
    /// The client's request id.
    pub(crate) client_request_id: Option<String>,
}

/// A singleton actor's connection to the cluster.
#[derive(Debug)]
pub(crate) struct SingletonLink {
    node: Arc<ClusterNode>,
    name: &'static str,
    id: Arc<str>,
    role: Role,
    kick: Arc<Notify>,
    control: mpsc::WeakUnboundedSender<Control>,
    /// The heartbeat (owner) or watch (proxy) task.
    task: Option<JoinHandle<()>>,
    /// The owner's ordered publisher.
    publisher: Option<mpsc::UnboundedSender<Publish>>,
    /// The proxy's ordered forwarder.
    forwarder: Option<mpsc::UnboundedSender<Forward>>,
}

impl SingletonLink {
    /// A link for singleton `name` running as `id` in `role` (tasks start with
    /// [`Self::start`]).
    pub(crate) fn new(
        node: Arc<ClusterNode>,
        name: &'static str,
        id: Arc<str>,
        role: Role,
        control: mpsc::WeakUnboundedSender<Control>,
    ) -> Self {
        Self {
            node,
            name,
            id,
            role,
            kick: Arc::new(Notify::new()),
            control,
            task: None,
            publisher: None,
            forwarder: None,
        }
    }

    /// Routes inbound traffic for this singleton to `handle` (its actor).
    pub(crate) fn register(&self, handle: ComponentHandle) {
        self.node
            .register(self.name, handle, Arc::clone(&self.kick));
    }

    /// Wakes the heartbeat or watch task now.
    pub(crate) fn kick_handle(&self) -> Arc<Notify> {
        Arc::clone(&self.kick)
    }

    /// The role.
    pub(crate) fn role(&self) -> &Role {
        &self.role
    }

    /// Whether another server owns the singleton.
    pub(crate) fn is_proxy(&self) -> bool {
        matches!(self.role, Role::Proxy { .. })
    }

    /// This instance's claim value.
    fn token(&self) -> String {
        format!("{}:{}", self.node.instance_id, self.id)
    }

    /// Starts the background work of the current role; an owner announces `state`.
    pub(crate) fn start(&mut self, state: &Value) {
        match self.role {
            Role::Owner { .. } => self.start_owner(state),
            Role::Proxy { .. } => self.start_proxy(),
        }
    }

    fn start_owner(&mut self, state: &Value) {
        let (tx, rx) = mpsc::unbounded_channel();
        let publisher = tokio::spawn(publisher(
            Arc::clone(&self.node),
            self.name,
            Arc::clone(&self.id),
            rx,
            self.control.clone(),
        ));
        {
            let mut publishers = lock(&self.node.publishers);
            publishers.retain(|task| !task.is_finished());
            publishers.push(publisher);
        }
        self.publisher = Some(tx);
        self.forwarder = None;
        self.announce(state);
        self.replace_task(tokio::spawn(heartbeat(
            Arc::clone(&self.node),
            self.name,
            Arc::clone(&self.id),
            Arc::clone(&self.kick),
            self.control.clone(),
        )));
    }

    fn start_proxy(&mut self) {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(forwarder(Arc::clone(&self.node), rx));
        self.forwarder = Some(tx);
        self.replace_task(tokio::spawn(watch(
            Arc::clone(&self.node),
            self.name,
            Arc::clone(&self.id),
            Arc::clone(&self.kick),
            self.control.clone(),
        )));
    }

    fn replace_task(&mut self, task: JoinHandle<()>) {
        if let Some(old) = self.task.replace(task) {
            old.abort();
        }
    }

    /// Owner: publishes the full state as a new owner's announcement, and mirrors it.
    pub(crate) fn announce(&mut self, state: &Value) {
        let Role::Owner { seq } = self.role else {
            return;
        };
        let owner = self.token();
        self.publish(Publish::Message(SingletonMessage::Owner {
            owner,
            seq,
            state: state.clone(),
        }));
        self.mirror(seq, state);
    }

    fn publish(&self, what: Publish) {
        if let Some(publisher) = &self.publisher {
            let _ = publisher.send(what);
        }
    }

    fn mirror(&self, seq: u64, state: &Value) {
        self.publish(Publish::Mirror(MirroredState {
            component_id: self.id.to_string(),
            owner: self.token(),
            seq,
            state: state.clone(),
            updated_at: now_ms(),
        }));
    }

    /// Owner: the state changed (`delta`, or `None` when it was replaced) to `state`.
    pub(crate) fn changed(&mut self, delta: Option<&Value>, state: &Value) {
        let Role::Owner { seq } = &mut self.role else {
            return;
        };
        *seq += 1;
        let seq = *seq;
        let owner = self.token();
        let message = match delta {
            Some(delta) => SingletonMessage::Delta {
                owner,
                seq,
                delta: delta.clone(),
            },
            None => SingletonMessage::State {
                owner,
                seq,
                state: state.clone(),
            },
        };
        self.publish(Publish::Message(message));
        self.mirror(seq, state);
    }

    /// Owner: a custom event for the proxies' viewers.
    pub(crate) fn event(&self, event: &str, payload: &Value) {
        if matches!(self.role, Role::Owner { .. }) {
            self.publish(Publish::Message(SingletonMessage::Event {
                owner: self.token(),
                event: event.to_owned(),
                payload: payload.clone(),
            }));
        }
    }

    /// Proxy: hands a call to the owner; its reply goes to the caller's outbox.
    pub(crate) fn forward(&self, mut forward: Forward) {
        let owner = match &self.role {
            Role::Proxy {
                owner: Some(owner), ..
            } => owner.clone(),
            _ => {
                self.kick.notify_one();
                let error = format!(
                    "Singleton '{}' has no reachable owner right now, try again",
                    self.name
                );
                fail_forward(&forward, &error);
                return;
            }
        };
        forward.request.request_id = format!(
            "{}-{}",
            self.node.instance_id,
            self.node.next_request.fetch_add(1, Ordering::Relaxed)
        );
        forward.request.source_instance_id = self.node.instance_id.to_string();
        forward.request.target_instance_id = owner.instance_id;
        forward.request.component_id = owner.component_id;
        if let Some(forwarder) = &self.forwarder
            && let Err(error) = forwarder.send(forward)
        {
            fail_forward(&error.0, "Singleton stopped");
        }
    }

    /// Proxy: adopts `owner` (from a message or the watch task).
    pub(crate) fn set_proxy_state(&mut self, owner: Option<SingletonOwner>, seq: Option<u64>) {
        self.role = Role::Proxy { owner, seq };
    }

    /// Becomes the owner (the watch task claimed the singleton) and announces `state`.
    pub(crate) fn promote(&mut self, state: &Value) {
        tracing::info!(singleton = self.name, id = %self.id, "took over singleton");
        self.role = Role::Owner { seq: 0 };
        self.start_owner(state);
    }

    /// Stops serving (another instance holds the claim) and relays `owner` instead.
    pub(crate) fn demote(&mut self, owner: Option<SingletonOwner>) {
        tracing::warn!(singleton = self.name, id = %self.id, "lost singleton ownership; now a proxy");
        // Dropping the publisher ends it without a release: the claim is not ours.
        self.publisher = None;
        self.role = Role::Proxy { owner, seq: None };
        self.start_proxy();
    }

    /// The instance is going away: an owner mirrors `state` and hands the claim over.
    pub(crate) fn close(mut self, state: &Value) {
        if let Role::Owner { seq } = self.role {
            self.mirror(seq, state);
            self.publish(Publish::Release);
        }
        self.publisher = None;
        self.node.unregister(self.name, &self.id);
    }
}

impl Drop for SingletonLink {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn signal(control: &mpsc::WeakUnboundedSender<Control>, signal: ClusterSignal) -> bool {
    control
        .upgrade()
        .is_some_and(|control| control.send(Control::Cluster(Box::new(signal))).is_ok())
}

/// Sleeps one heartbeat, or until kicked.
async fn tick(node: &ClusterNode, kick: &Notify) {
    tokio::select! {
        () = tokio::time::sleep(node.heartbeat) => {}
        () = kick.notified() => {}
    }
}

/// The owner's heartbeat: renews the claim (compare-and-renew) every interval.
async fn heartbeat(
    node: Arc<ClusterNode>,
    name: &'static str,
    id: Arc<str>,
    kick: Arc<Notify>,
    control: mpsc::WeakUnboundedSender<Control>,
) {
    loop {
        tick(&node, &kick).await;
        match node
            .op("renew", node.adapter.renew_singleton(name, &id))
            .await
        {
            Ok(Renewal::Renewed) => {}
            Ok(Renewal::Reclaimed) => {
                tracing::warn!(singleton = name, "claim had vanished; reclaimed it");
                if !signal(&control, ClusterSignal::Reclaimed) {
                    return;
                }
            }
            Ok(Renewal::Lost(owner)) => {
                signal(&control, ClusterSignal::Lost(owner));
                return;
            }
            Err(error) => tracing::warn!(singleton = name, %error, "heartbeat failed"),
        }
    }
}

/// A proxy's watch: looks for a dead owner every interval (and at once), claims the
/// singleton when the claim is free, and otherwise reports the owner and mirror.
async fn watch(
    node: Arc<ClusterNode>,
    name: &'static str,
    id: Arc<str>,
    kick: Arc<Notify>,
    control: mpsc::WeakUnboundedSender<Control>,
) {
    let mut first = true;
    loop {
        if !first {
            tick(&node, &kick).await;
        }
        first = false;
        let owner = match node.op("owner", node.adapter.singleton_owner(name)).await {
            Ok(owner) => owner,
            Err(error) => {
                tracing::warn!(singleton = name, %error, "owner lookup failed");
                continue;
            }
        };
        let ours = |owner: &SingletonOwner| {
            owner.instance_id == *node.instance_id && owner.component_id == *id
        };
        let owner = match owner {
            Some(owner) if !ours(&owner) => owner,
            // Ours already (an earlier attempt claimed it): serve it.
            Some(_) => {
                take_over(&node, name, &control).await;
                return;
            }
            // Just after a backend restart the claim may be missing while its owner lives:
            // give the owner's heartbeat the first chance to take it back.
            None if node.in_reconnect_grace() => continue,
            None => match node
                .op("claim", node.adapter.claim_singleton(name, &id))
                .await
            {
                Ok(Claim::Claimed) => {
                    take_over(&node, name, &control).await;
                    return;
                }
                Ok(Claim::Taken(Some(owner))) if !ours(&owner) => owner,
                Ok(Claim::Taken(Some(_))) => {
                    take_over(&node, name, &control).await;
                    return;
                }
                Ok(Claim::Taken(None)) => continue,
                Err(error) => {
                    tracing::warn!(singleton = name, %error, "claim attempt failed");
                    continue;
                }
            },
        };
        let mirror = match node
            .op("load", node.adapter.load_singleton_state(name))
            .await
        {
            Ok(mirror) => mirror,
            Err(error) => {
                tracing::warn!(singleton = name, %error, "mirror load failed");
                None
            }
        };
        if !signal(&control, ClusterSignal::Resync { owner, mirror }) {
            return;
        }
    }
}

/// The watch task holds the claim: the actor becomes the owner, from the mirror.
async fn take_over(
    node: &ClusterNode,
    name: &'static str,
    control: &mpsc::WeakUnboundedSender<Control>,
) {
    let mirror = node
        .op("load", node.adapter.load_singleton_state(name))
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(singleton = name, %error, "mirror unreadable at takeover");
            None
        });
    signal(control, ClusterSignal::Promote(mirror));
}

/// An owner's ordered publisher: messages in order, the mirror coalesced (only the latest
/// state is written; a failed write is retried), then the hand-off on release.
async fn publisher(
    node: Arc<ClusterNode>,
    name: &'static str,
    id: Arc<str>,
    mut rx: mpsc::UnboundedReceiver<Publish>,
    control: mpsc::WeakUnboundedSender<Control>,
) {
    let retry = node.heartbeat.min(Duration::from_secs(1));
    let mut pending: Option<MirroredState> = None;
    let mut release = false;
    loop {
        // With a mirror write to retry, wait at most `retry` for more work.
        let next = if pending.is_some() {
            tokio::time::timeout(retry, rx.recv()).await.ok()
        } else {
            Some(rx.recv().await)
        };
        let mut batch: Vec<Publish> = Vec::new();
        let mut closed = false;
        match next {
            Some(Some(first)) => batch.push(first),
            Some(None) => closed = true,
            None => {}
        }
        if !closed {
            while let Ok(more) = rx.try_recv() {
                batch.push(more);
            }
        }
        if closed && pending.is_none() {
            return;
        }
        for item in batch {
            match item {
                Publish::Message(message) => {
                    match node
                        .op(
                            "publish",
                            node.adapter.publish_singleton(name, &id, &message),
                        )
                        .await
                    {
                        Ok(true) => {}
                        Ok(false) => {
                            signal(&control, ClusterSignal::Lost(None));
                            return;
                        }
                        Err(error) => {
                            tracing::warn!(singleton = name, %error, "delta not published");
                        }
                    }
                }
                Publish::Mirror(state) => pending = Some(state),
                Publish::Release => release = true,
            }
        }
        if let Some(state) = pending.take() {
            match node
                .op("mirror", node.adapter.save_singleton_state(name, &state))
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    if !release {
                        signal(&control, ClusterSignal::Lost(None));
                    }
                    return;
                }
                Err(error) => {
                    tracing::warn!(singleton = name, %error, "mirror write failed; will retry");
                    if !release && !closed {
                        pending = Some(state);
                    }
                }
            }
        }
        if release {
            if let Err(error) = node
                .op("release", node.adapter.release_singleton(name, &id))
                .await
            {
                tracing::warn!(singleton = name, %error, "release failed; the claim will expire");
            }
            return;
        }
        if closed && pending.is_none() {
            return;
        }
    }
}

/// A proxy's ordered forwarder: sends each call to the owner in order, then waits for the
/// answers concurrently.
async fn forwarder(node: Arc<ClusterNode>, mut rx: mpsc::UnboundedReceiver<Forward>) {
    while let Some(forward) = rx.recv().await {
        let sent = node
            .op(
                "forward",
                node.adapter.forward_action(forward.request.clone()),
            )
            .await;
        match sent {
            Ok(pending) => {
                tokio::spawn(async move {
                    match pending.await {
                        Ok(response) => answer_forward(&forward, response),
                        Err(error) => fail_forward(&forward, &error.to_string()),
                    }
                });
            }
            Err(error) => fail_forward(&forward, &error.to_string()),
        }
    }
}

/// The owner's answer, as the caller would have got it on the owner.
fn answer_forward(forward: &Forward, response: ActionResponse) {
    if response.success {
        if forward.expect_response {
            let reply = Reply::success(
                "ACTION_RESPONSE",
                Some(&forward.component_id),
                forward.client_request_id.as_deref(),
            )
            .with_result(response.result.as_ref())
            .encode();
            forward.outbox.push_text(reply);
        }
        return;
    }
    let error = response.error.unwrap_or_else(|| "Action failed".to_owned());
    if response.denied {
        let reply = Reply::failure(
            "ACTION_RESPONSE",
            Some(&forward.component_id),
            &error,
            forward.client_request_id.as_deref(),
        );
        forward.outbox.push_text(reply.encode());
    } else {
        fail_forward(forward, &error);
    }
}

/// A failed forwarded call: the component `ERROR` event, then the failed reply.
fn fail_forward(forward: &Forward, error: &str) {
    forward.outbox.push_text(outbound::component_error(
        &forward.component_id,
        &forward.request.action,
        error,
    ));
    let reply = Reply::failure(
        "ACTION_RESPONSE",
        Some(&forward.component_id),
        error,
        forward.client_request_id.as_deref(),
    );
    forward.outbox.push_text(reply.encode());
}
