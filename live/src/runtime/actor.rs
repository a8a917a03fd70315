//! The component actor: one task per component instance, owning the component value.

use super::outbox::{Audience, OutFrame, Outbox};
use super::rooms::{
    ClientRoomOp, ClientRoomOutcome, JoinKind, Member, Memberships, RoomChange, RoomCommand,
    RoomDelivery, RoomHandle, RoomHandler, Rooms, TypedRoomOps, run_client_op,
};
use super::singletons::Singletons;
use super::stats::{Counted, Stats, StatsGuard};
use crate::cluster::node::{ClusterNode, ClusterSignal, Role, SingletonLink, StartRole};
use crate::cluster::{ActionRequest, ActionResponse, MirroredState};
use crate::security::signing::StateSigner;
use crate::security::{ActionWindows, AuthProviders};

use crate::component::{ActionError, Ctx, Identity, LiveComponent};
use crate::protocol::js::is_reserved_key;
use crate::protocol::outbound::{self, ComponentEvent, Reply};
use crate::room::{LeaveReason, RoomError, is_valid_room_id};
use crate::state::diff::{StateChange, diff_states};
use crate::support::now_ms;
use bytes::Bytes;
use futures_util::FutureExt;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, Sleep};

mod cluster_role;

/// How many calls may wait in one component's mailbox before callers wait.
const CALL_QUEUE: usize = 64;

/// How long a singleton gathers viewer joins and leaves before it publishes what its
/// `on_client_join`/`on_client_leave` hooks changed: a burst of N joins costs one delta per
/// viewer instead of N. Calls publish pending changes first, so their events and replies
/// still follow every earlier change.
const MEMBERSHIP_PUBLISH_DELAY: Duration = Duration::from_millis(10);

/// A connection that sees a component's state.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    /// The viewing connection.
    pub(crate) connection_id: Arc<str>,
    /// Where its frames go.
    pub(crate) outbox: Outbox,
    /// Its identity when it mounted.
    pub(crate) identity: Identity,
}

/// Who is calling an action.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The calling connection.
    pub(crate) connection_id: Arc<str>,
    /// Its identity now (actions are authorised with the caller's identity).
    pub(crate) identity: Identity,
}

/// What the mount reply must echo.
#[derive(Debug, Clone, Default)]
pub(crate) struct MountReply {
    /// The request's `requestId`.
    pub(crate) request_id: Option<String>,
    /// The request's `componentId` (a client-side placeholder; for rehydration, the old id).
    pub(crate) echo_id: Option<String>,
    /// Answer a `COMPONENT_REHYDRATE` (with `STATE_REHYDRATED` and `COMPONENT_REHYDRATED`)
    /// instead of a mount.
    pub(crate) rehydrate: bool,
}

/// Membership changes, handled before calls.
///
/// Every payload is boxed: tokio allocates a channel's first block of 32 slots when the
/// channel is created, so the size of this enum (16 bytes) is paid 32 times by every
/// component.
#[derive(Debug)]
pub(crate) enum Control {
    /// Another connection mounts this singleton.
    Join(Box<JoinRequest>),
    /// A connection unmounted the component or disconnected.
    Leave(Box<LeaveRequest>),
    /// A room's typed event for this member's handler.
    Room(Box<RoomDelivery>),
    /// Cluster news for a singleton (ownership, the owner's changes).
    Cluster(Box<ClusterSignal>),
    /// The server stops: destroy now.
    Shutdown,
}

/// A connection that stops viewing the component.
#[derive(Debug)]
pub(crate) struct LeaveRequest {
    /// The leaving connection.
    pub(crate) connection_id: Arc<str>,
    /// What rooms are told if the component is destroyed because of it.
    pub(crate) reason: LeaveReason,
}

/// Another connection mounting a running singleton.
#[derive(Debug)]
pub(crate) struct JoinRequest {
    /// The new viewer.
    pub(crate) viewer: Viewer,
    /// What its mount reply echoes.
    pub(crate) reply: MountReply,
}

/// Client requests that run against the component's state (boxed in the mailbox, see
/// [`Control`]).
#[derive(Debug)]
pub(crate) enum Call {
    /// `CALL_ACTION`.
    Action {
        /// The caller.
        caller: Caller,
        /// The action's wire name.
        action: String,
        /// The client's payload (`null` when absent).
        payload: Value,
        /// Whether a successful call gets a reply.
        expect_response: bool,
        /// The request's id.
        request_id: Option<String>,
    },
    /// A client room message (`ROOM_*`).
    Room {
        /// The caller.
        caller: Caller,
        /// What to do.
        op: ClientRoomOp,
        /// The request's id.
        request_id: Option<String>,
        /// Told whether a `ROOM_JOIN` succeeded (for the per-connection room limit).
        joined: Option<oneshot::Sender<bool>>,
    },
    /// An action forwarded from another server of the cluster (singleton owners only).
    Remote {
        /// The request, with the caller's identity.
        request: ActionRequest,
        /// Where the answer goes.
        reply: oneshot::Sender<ActionResponse>,
    },
    /// `PROPERTY_UPDATE`.
    SetProperty {
        /// The caller.
        caller: Caller,
        /// The top-level field.
        property: String,
        /// Its new value.
        value: Value,
        /// The request's id.
        request_id: Option<String>,
    },
}

/// A connection's handle to a running component.
#[derive(Debug, Clone)]
pub(crate) struct ComponentHandle {
    /// The component's id.
    pub(crate) id: Arc<str>,
    /// Membership mailbox (unbounded: one message per mount or leave).
    pub(crate) control: mpsc::UnboundedSender<Control>,
    /// Call mailbox (bounded: a flood of calls waits instead of growing memory).
    calls: mpsc::Sender<Box<Call>>,
}

impl ComponentHandle {
    /// Queues a call; gives it back if the component no longer runs.
    pub(crate) async fn call(&self, call: Call) -> Result<(), Call> {
        self.calls
            .send(Box::new(call))
            .await
            .map_err(|error| *error.0)
    }

    /// Tells the component that `connection_id` stopped viewing it.
    pub(crate) fn leave(&self, connection_id: Arc<str>, reason: LeaveReason) {
        let leave = LeaveRequest {
            connection_id,
            reason,
        };
        let _ = self.control.send(Control::Leave(Box::new(leave)));
    }

    /// Stops the component (server shutdown).
    pub(crate) fn shutdown(&self) {
        let _ = self.control.send(Control::Shutdown);
    }
}

/// What a descriptor needs to start a component.
#[derive(Debug)]
pub(crate) struct SpawnRequest {
    /// The new component's id.
    pub(crate) id: Arc<str>,
    /// Client-supplied initial values (only updatable fields are accepted).
    pub(crate) props: Option<Map<String, Value>>,
    /// The mounting connection.
    pub(crate) viewer: Viewer,
    /// What the mount reply echoes.
    pub(crate) reply: MountReply,
    /// For singletons: the table to leave when the last viewer goes.
    pub(crate) singleton: Option<Arc<Singletons>>,
    /// What every component of the server shares.
    pub(crate) env: Arc<ComponentEnv>,
    /// `payload.room` at mount: an untyped room joined silently, target of `BROADCAST`.
    pub(crate) default_room: Option<String>,
    /// Rehydration: the verified state to start from (instead of default + props).
    pub(crate) restore: Option<Restore>,
    /// Cluster singletons: the node and how this instance starts (owner or proxy).
    pub(crate) cluster: Option<(Arc<ClusterNode>, StartRole)>,
}

/// A verified signed state to recreate a component from (`COMPONENT_REHYDRATE`).
#[derive(Debug)]
pub(crate) struct Restore {
    /// The decoded state, without `__componentName`.
    pub(crate) state: Map<String, Value>,
    /// The signed state's version; the new signature is `version + 1`.
    pub(crate) version: u64,
}

/// What every component of one server shares: counters, rooms, signing and auth.
#[derive(Debug)]
pub(crate) struct ComponentEnv {
    /// Counters.
    pub(crate) stats: Arc<Stats>,
    /// Rooms.
    pub(crate) rooms: Arc<Rooms>,
    /// Signs state for rehydration.
    pub(crate) signer: StateSigner,
    /// `STATE_SIGNATURE` throttle (zero: no renewals).
    pub(crate) renew_interval: Duration,
    /// Auth providers (for per-action provider checks).
    pub(crate) auth: AuthProviders,
}

/// Creates component `C` from its props and starts its actor, which sends the mount frames.
pub(crate) fn spawn_component<C: LiveComponent>(
    mut request: SpawnRequest,
) -> Result<ComponentHandle, String> {
    let cluster = request.cluster.take();
    let (component, version, proxied) = match &cluster {
        // A proxy relays the owner's state; its component value is never used.
        Some((_, StartRole::Proxy { owner, mirror })) => {
            let state = mirror
                .as_ref()
                .map_or_else(|| Value::Object(Map::new()), |mirror| mirror.state.clone());
            let seq = mirror
                .as_ref()
                .filter(|mirror| owner.as_ref().is_some_and(|o| o.token() == mirror.owner))
                .map(|mirror| mirror.seq);
            let role = Role::Proxy {
                owner: owner.clone(),
                seq,
            };
            (C::default(), 0, Some((state, role)))
        }
        Some((
            _,
            StartRole::Owner {
                recovered: Some(mirror),
            },
        )) => match recovered_component::<C>(mirror) {
            Some(component) => (component, 0, None),
            None => {
                let (component, version) = seeded_component::<C>(&mut request)?;
                (component, version, None)
            }
        },
        _ => {
            let (component, version) = seeded_component::<C>(&mut request)?;
            (component, version, None)
        }
    };
    let (synced, role) = match proxied {
        Some((state, role)) => (state, role),
        None => {
            let synced = serde_json::to_value(&component).map_err(|error| {
                format!(
                    "Component '{}' state could not be serialized: {error}",
                    C::NAME
                )
            })?;
            (synced, Role::Owner { seq: 0 })
        }
    };
    let (control_tx, control_rx) = mpsc::unbounded_channel();
    let link = cluster.map(|(node, _)| {
        SingletonLink::new(
            node,
            C::NAME,
            Arc::clone(&request.id),
            role,
            control_tx.downgrade(),
        )
    });
    let (calls_tx, calls_rx) = mpsc::channel(CALL_QUEUE);
    let audience = Audience::default();
    let rooms = TypedRoomOps {
        rooms: Arc::clone(&request.env.rooms),
        member: Member {
            component_id: Arc::clone(&request.id),
            mailbox: control_tx.clone(),
            audience: audience.clone(),
            identity: request.viewer.identity.clone(),
        },
        memberships: Memberships::default(),
    };
    let actor = Actor {
        id: Arc::clone(&request.id),
        component,
        synced,
        viewers: HashMap::new(),
        audience,
        owner: Arc::clone(&request.viewer.connection_id),
        singleton: request.singleton,
        control: control_rx,
        calls: calls_rx,
        rooms,
        handlers: HashMap::new(),
        default_room: None,
        version,
        signature_due: false,
        last_signature: None,
        membership_publish_at: None,
        timer: None,
        timer_armed: None,
        windows: ActionWindows::default(),
        _counted: request.env.stats.track(Counted::Component),
        env: request.env,
        cluster: link.map(Box::new),
    };
    let handle = ComponentHandle {
        id: request.id,
        control: control_tx,
        calls: calls_tx,
    };
    if let Some(link) = &actor.cluster {
        link.register(handle.clone());
    }
    tokio::spawn(Box::new(actor).run(request.viewer, request.reply, request.default_room));
    Ok(handle)
}

/// The component from the client's props, or from a verified signed state (rehydration).
fn seeded_component<C: LiveComponent>(request: &mut SpawnRequest) -> Result<(C, u64), String> {
    match request.restore.take() {
        Some(restore) => Ok((restored_component::<C>(restore.state)?, restore.version)),
        None => Ok((initial_component::<C>(request.props.take())?, 0)),
    }
}

/// The component a previous owner's mirrored state describes (cluster failover); `None`
/// (logged) when the state no longer fits the type.
fn recovered_component<C: LiveComponent>(mirror: &MirroredState) -> Option<C> {
    match serde_json::from_value(mirror.state.clone()) {
        Ok(component) => Some(component),
        Err(error) => {
            tracing::error!(component = C::NAME, %error, "mirrored state does not fit; starting fresh");
            None
        }
    }
}

/// The component a verified signed state describes. Every field comes from the state (it
/// was signed by this server), `#[serde(skip)]` fields start from their defaults.
fn restored_component<C: LiveComponent>(state: Map<String, Value>) -> Result<C, String> {
    serde_json::from_value(Value::Object(state)).map_err(|error| {
        format!(
            "Component '{}' state could not be restored: {error}",
            C::NAME
        )
    })
}

/// `C::default()` with the client's props written through [`LiveComponent::set_property`].
///
/// Deviation from the reference: props may only set updatable fields (the TS server lets a
/// client seed any state key at mount).
fn initial_component<C: LiveComponent>(props: Option<Map<String, Value>>) -> Result<C, String> {
    let mut component = C::default();
    for (key, value) in props.unwrap_or_default() {
        if !C::UPDATABLE_FIELDS.contains(&key.as_str()) {
            return Err(format!(
                "Mount rejected: prop '{key}' is not an updatable field of '{}'",
                C::NAME
            ));
        }
        component
            .set_property(&key, value)
            .map_err(|error| format!("Mount rejected: invalid value for prop '{key}': {error}"))?;
    }
    Ok(component)
}

struct Actor<C> {
    id: Arc<str>,
    component: C,
    /// The state every viewer has, as JSON; deltas are computed against it.
    synced: Value,
    viewers: HashMap<Arc<str>, Outbox>,
    /// The viewers' outboxes, shared with the rooms the component is a member of.
    audience: Audience,
    /// The connection that created it (the context of hooks and room handlers).
    owner: Arc<str>,
    singleton: Option<Arc<Singletons>>,
    control: mpsc::UnboundedReceiver<Control>,
    calls: mpsc::Receiver<Box<Call>>,
    /// Room access as this component.
    rooms: TypedRoomOps,
    /// The typed handler of each room joined with one (the rooms themselves are in
    /// `rooms.memberships`).
    handlers: HashMap<String, RoomHandler<C>>,
    /// The untyped default room from mount.
    default_room: Option<RoomHandle>,
    /// Version of the last signed state (mount signs version 1).
    version: u64,
    /// The state changed since the last signature.
    signature_due: bool,
    /// When the last signature was sent.
    last_signature: Option<Instant>,
    /// When changes made by viewer joins and leaves are published (none pending: `None`).
    membership_publish_at: Option<Instant>,
    /// The one timer of the actor (signature renewal, membership publishing), created when
    /// first needed and reset only when its deadline moves.
    timer: Option<Pin<Box<Sleep>>>,
    /// The deadline `timer` is set to, if it is armed.
    timer_armed: Option<Instant>,
    /// Per-action rate-limit windows.
    windows: ActionWindows,
    env: Arc<ComponentEnv>,
    _counted: StatsGuard,
    /// Cluster singletons: ownership, mirroring, proxying (boxed: most components have none).
    cluster: Option<Box<SingletonLink>>,
}

impl<C> fmt::Debug for Actor<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Actor")
            .field("id", &self.id)
            .field("viewers", &self.viewers.len())
            .finish()
    }
}

impl<C: LiveComponent> Actor<C> {
    /// The actor's life. Every step that awaits runs in its own boxed future: the task then
    /// holds the actor and a small loop, not the largest of its steps' states (about 5 KiB
    /// per component otherwise, mostly idle).
    async fn run(
        mut self: Box<Self>,
        first: Viewer,
        reply: MountReply,
        default_room: Option<String>,
    ) {
        if self.is_proxy() {
            self.start_proxy(first, &reply);
        } else {
            Box::pin(self.start_with_room(first, reply, default_room)).await;
        }
        let reason = loop {
            self.arm_timer();
            tokio::select! {
                biased;
                control = self.control.recv() => match control {
                    Some(Control::Join(join)) => self.join(join.viewer, join.reply),
                    Some(Control::Leave(leave)) => {
                        if Box::pin(self.leave(&leave.connection_id)).await {
                            break leave.reason;
                        }
                    }
                    Some(Control::Room(delivery)) => Box::pin(self.room_delivery(*delivery)).await,
                    Some(Control::Cluster(signal)) => {
                        Box::pin(self.cluster_signal(*signal)).await;
                    }
                    Some(Control::Shutdown) | None => break LeaveReason::Cleanup,
                },
                Some(call) = self.calls.recv() => {
                    self.publish_membership_changes();
                    Box::pin(self.handle(*call)).await;
                }
                () = expiry(&mut self.timer), if self.timer_armed.is_some() => {
                    self.timer_armed = None;
                    self.timer_fired();
                }
            }
        };
        self.audience.clear();
        if let Some(link) = self.cluster.take() {
            let proxy = link.is_proxy();
            link.close(&self.synced);
            if proxy {
                tracing::debug!(component = C::NAME, id = %self.id, "singleton proxy closed");
                return;
            }
        }
        Box::pin(self.destroy_component(reason)).await;
        tracing::debug!(component = C::NAME, id = %self.id, "component destroyed");
    }

    /// Joins the default room given at mount, if any, then starts.
    async fn start_with_room(
        &mut self,
        first: Viewer,
        reply: MountReply,
        default_room: Option<String>,
    ) {
        if let Some(room_id) = default_room {
            self.join_default_room(&room_id).await;
        }
        self.start(first, reply).await;
    }

    /// Leaves the component's rooms and runs its destroy hook.
    async fn destroy_component(&mut self, reason: LeaveReason) {
        self.leave_rooms(reason).await;
        let component = &mut self.component;
        if std::panic::catch_unwind(AssertUnwindSafe(|| component.on_destroy())).is_err() {
            tracing::error!(component = C::NAME, id = %self.id, "on_destroy panicked");
        }
    }

    /// First viewer: initial state (signed), hooks, then the mount reply.
    async fn start(&mut self, viewer: Viewer, reply: MountReply) {
        let connection_id = Arc::clone(&viewer.connection_id);
        let signed = self.sign();
        let first_frame = match (&reply.echo_id, reply.rehydrate && self.singleton.is_none()) {
            (Some(old_id), true) => {
                outbound::state_rehydrated(&self.id, &self.synced, &signed, old_id)
            }
            _ => outbound::state_update(&self.id, &self.synced, Some(&signed)),
        };
        viewer.outbox.push_text(first_frame);
        self.add_viewer(Arc::clone(&connection_id), viewer.outbox.clone());
        if reply.rehydrate {
            let mut ctx = self.ctx(Arc::clone(&connection_id), viewer.identity.clone());
            let outcome = AssertUnwindSafe(self.component.on_rehydrate(&mut ctx))
                .catch_unwind()
                .await;
            self.finish_call(&mut ctx).await;
            self.report_hook_failure(&viewer.outbox, "onRehydrate", outcome);
        }
        let mut ctx = self.ctx(Arc::clone(&connection_id), viewer.identity);
        let outcome = AssertUnwindSafe(self.component.on_mount(&mut ctx))
            .catch_unwind()
            .await;
        self.finish_call(&mut ctx).await;
        self.report_hook_failure(&viewer.outbox, "onMount", outcome);
        if self.singleton.is_some() {
            self.notify_join(&connection_id);
            self.publish_changes();
        }
        if let Some(link) = &mut self.cluster {
            link.start(&self.synced);
        }
        self.reply_mounted(&viewer.outbox, &reply, &signed);
    }

    /// A failed hook is reported to the mounting client as a component `ERROR` event; the
    /// mount itself still succeeds (as in the reference).
    fn report_hook_failure(
        &self,
        outbox: &Outbox,
        hook: &str,
        outcome: Result<Result<(), ActionError>, Box<dyn std::any::Any + Send>>,
    ) {
        let failure = match outcome {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error.message().to_owned(),
            Err(_) => format!("{hook} panicked"),
        };
        let text = format!("Mount initialization failed: {failure}");
        outbox.push_text(outbound::component_error(&self.id, hook, &text));
    }

    /// Signs the current state with the next version.
    fn sign(&mut self) -> Value {
        self.version += 1;
        self.signature_due = false;
        self.last_signature = Some(Instant::now());
        let empty = Map::new();
        let state = self.synced.as_object().unwrap_or(&empty);
        self.env
            .signer
            .sign(&self.id, C::NAME, self.version, state, now_ms())
            .to_json()
    }

    /// Sets the timer to the earliest pending deadline (touching it only when that moved).
    fn arm_timer(&mut self) {
        let next = match (self.signature_deadline(), self.membership_publish_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if next != self.timer_armed {
            if let Some(deadline) = next {
                match &mut self.timer {
                    Some(timer) => timer.as_mut().reset(deadline),
                    None => self.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
                }
            }
            self.timer_armed = next;
        }
    }

    /// Runs whatever the timer was set for and is due now.
    fn timer_fired(&mut self) {
        let now = Instant::now();
        if self.membership_publish_at.is_some_and(|at| at <= now) {
            self.publish_membership_changes();
        }
        if self.signature_deadline().is_some_and(|at| at <= now) {
            self.renew_signature();
        }
    }

    /// A viewer joined or left: publish what the hooks changed a little later, together
    /// with the changes of the joins and leaves that follow it.
    fn schedule_membership_publish(&mut self) {
        if self.membership_publish_at.is_none() {
            self.membership_publish_at = Some(Instant::now() + MEMBERSHIP_PUBLISH_DELAY);
        }
    }

    /// Publishes the changes joins and leaves made, if any are pending.
    fn publish_membership_changes(&mut self) {
        if self.membership_publish_at.is_some() {
            self.publish_changes();
        }
    }

    /// Adds a viewer (to the actor's table and to the rooms' audience).
    fn add_viewer(&mut self, connection_id: Arc<str>, outbox: Outbox) {
        self.audience.add(outbox.clone());
        self.viewers.insert(connection_id, outbox);
    }

    /// When the next `STATE_SIGNATURE` is due, if one is.
    fn signature_deadline(&self) -> Option<Instant> {
        let interval = self.env.renew_interval;
        if !self.signature_due || interval.is_zero() {
            return None;
        }
        Some(
            self.last_signature
                .map_or_else(Instant::now, |last| last + interval),
        )
    }

    /// Sends a fresh signature of the current state to every viewer.
    fn renew_signature(&mut self) {
        let signed = self.sign();
        self.broadcast(&outbound::state_signature(&self.id, &signed));
    }

    /// A context for a call made by `connection_id`, with room access.
    fn ctx(&self, connection_id: Arc<str>, identity: Identity) -> Ctx<C> {
        Ctx::new(Arc::clone(&self.id), connection_id, identity).with_rooms(self.rooms.clone())
    }

    /// After any user code ran: its events, room changes and broadcasts, then the state delta.
    async fn finish_call(&mut self, ctx: &mut Ctx<C>) {
        self.send_events(ctx);
        for change in ctx.take_room_changes() {
            match change {
                RoomChange::Joined {
                    room_id,
                    handler: Some(handler),
                } => {
                    self.handlers.insert(room_id, handler);
                }
                RoomChange::Joined { room_id, .. } | RoomChange::Left { room_id } => {
                    self.handlers.remove(&room_id);
                }
            }
        }
        let broadcasts = ctx.take_broadcasts();
        if let Some(room) = &self.default_room {
            for (kind, data) in broadcasts {
                let frame = super::rooms::broadcast_frame(&self.id, &room.id, &kind, &data);
                let command = RoomCommand::Broadcast {
                    sender: Arc::clone(&self.id),
                    frame,
                };
                room.send(command).await;
            }
        }
        self.publish_changes();
    }

    /// Joins the untyped default room given at mount (errors are logged, as the reference
    /// swallows them).
    async fn join_default_room(&mut self, room_id: &str) {
        if !is_valid_room_id(room_id) {
            tracing::debug!(room_id, "invalid default room ignored");
            return;
        }
        match self.rooms.rooms.untyped(room_id, None).await {
            Ok(handle) => {
                let (reply, answer) = oneshot::channel();
                let join = RoomCommand::Join {
                    member: self.rooms.member.clone(),
                    payload: Value::Null,
                    kind: JoinKind::Default,
                    handler: false,
                    reply,
                };
                if handle.send(join).await && matches!(answer.await, Ok(Ok(_))) {
                    self.default_room = Some(handle);
                }
            }
            Err(error) => tracing::debug!(room_id, %error, "default room not joined"),
        }
    }

    /// A room's typed event: runs the component's handler for that room (the viewers
    /// already got the frame from the room).
    async fn room_delivery(&mut self, delivery: RoomDelivery) {
        let event = delivery.event;
        let Some(&handler) = self.handlers.get(&*delivery.room_id) else {
            return;
        };
        let mut ctx = self.ctx(Arc::clone(&self.owner), self.rooms.member.identity.clone());
        let (name, payload) = &*event;
        let component = &mut self.component;
        let room_id = &*delivery.room_id;
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            handler(component, room_id, name, payload, &mut ctx)
        }));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::warn!(component = C::NAME, room = room_id, %error, "room event handler failed")
            }
            Err(_) => tracing::error!(
                component = C::NAME,
                room = room_id,
                "room event handler panicked"
            ),
        }
        self.finish_call(&mut ctx).await;
    }

    /// Leaves every room (the component is going away).
    async fn leave_rooms(&mut self, reason: LeaveReason) {
        self.handlers.clear();
        let mut rooms = self.rooms.memberships.take_all();
        rooms.extend(self.default_room.take());
        for handle in rooms {
            super::rooms::leave(&handle, Arc::clone(&self.id), reason).await;
        }
    }

    /// Another connection mounts this singleton: it gets the current state, freshly signed.
    /// What `on_client_join` changes is published shortly after, with other joins.
    fn join(&mut self, viewer: Viewer, reply: MountReply) {
        let signed = self.sign();
        viewer.outbox.push_text(outbound::state_update(
            &self.id,
            &self.synced,
            Some(&signed),
        ));
        self.add_viewer(Arc::clone(&viewer.connection_id), viewer.outbox.clone());
        if !self.is_proxy() {
            self.notify_join(&viewer.connection_id);
            self.schedule_membership_publish();
        }
        self.reply_mounted(&viewer.outbox, &reply, &signed);
    }

    fn notify_join(&mut self, connection_id: &str) {
        let viewers = self.viewers.len();
        let component = &mut self.component;
        if std::panic::catch_unwind(AssertUnwindSafe(|| {
            component.on_client_join(connection_id, viewers)
        }))
        .is_err()
        {
            tracing::error!(component = C::NAME, "on_client_join panicked");
        }
    }

    /// `MESSAGE_RESPONSE` for a mount, `COMPONENT_REHYDRATED` for a rehydration.
    fn reply_mounted(&self, outbox: &Outbox, reply: &MountReply, signed: &Value) {
        let (kind, result) = if reply.rehydrate {
            ("COMPONENT_REHYDRATED", json!({"newComponentId": &*self.id}))
        } else {
            let result = json!({
                "componentId": &*self.id,
                "initialState": &self.synced,
                "signedState": signed,
            });
            ("MESSAGE_RESPONSE", result)
        };
        let frame = Reply::success(kind, reply.echo_id.as_deref(), reply.request_id.as_deref())
            .with_result(Some(&result))
            .encode();
        outbox.push_text(frame);
    }

    /// Removes a viewer; returns true when the component should be destroyed.
    async fn leave(&mut self, connection_id: &str) -> bool {
        let Some(outbox) = self.viewers.remove(connection_id) else {
            return false;
        };
        self.audience.remove(&outbox);
        self.windows.forget(connection_id);
        let Some(singletons) = self.singleton.clone() else {
            return true;
        };
        let viewers = self.viewers.len();
        if self.is_proxy() {
            return viewers == 0 && singletons.release(C::NAME, &self.id, &self.control).await;
        }
        let component = &mut self.component;
        if std::panic::catch_unwind(AssertUnwindSafe(|| {
            component.on_client_leave(connection_id, viewers)
        }))
        .is_err()
        {
            tracing::error!(component = C::NAME, "on_client_leave panicked");
        }
        self.schedule_membership_publish();
        viewers == 0 && singletons.release(C::NAME, &self.id, &self.control).await
    }

    async fn handle(&mut self, call: Call) {
        if self.is_proxy() {
            self.handle_as_proxy(call);
            return;
        }
        match call {
            Call::Remote { request, reply } => {
                let response = self.run_remote_action(request).await;
                let _ = reply.send(response);
            }
            Call::Action {
                caller,
                action,
                payload,
                expect_response,
                request_id,
            } => {
                self.run_action(
                    caller,
                    &action,
                    payload,
                    expect_response,
                    request_id.as_deref(),
                )
                .await
            }
            Call::SetProperty {
                caller,
                property,
                value,
                request_id,
            } => self.set_property(&caller, &property, value, request_id.as_deref()),
            Call::Room {
                caller,
                op,
                request_id,
                joined,
            } => {
                self.client_room_op(&caller, op, request_id.as_deref(), joined)
                    .await
            }
        }
    }

    async fn client_room_op(
        &mut self,
        caller: &Caller,
        op: ClientRoomOp,
        request_id: Option<&str>,
        joined: Option<oneshot::Sender<bool>>,
    ) {
        let Some(outbox) = self.viewers.get(&caller.connection_id).cloned() else {
            return;
        };
        let outcome = run_client_op(&self.rooms, op, &outbox, request_id).await;
        let mut success = false;
        match outcome {
            Ok(ClientRoomOutcome::Joined) => success = true,
            Ok(ClientRoomOutcome::Done) => {}
            Err(error) => push_room_error(&outbox, &self.id, &error, request_id),
        }
        if let Some(joined) = joined {
            let _ = joined.send(success);
        }
    }

    async fn run_action(
        &mut self,
        caller: Caller,
        action: &str,
        payload: Value,
        expect_response: bool,
        request_id: Option<&str>,
    ) {
        let Some(outbox) = self.viewers.get(&caller.connection_id).cloned() else {
            return;
        };
        match self.execute(caller, action, payload).await {
            Ok(value) if expect_response => {
                let reply = Reply::success("ACTION_RESPONSE", Some(&self.id), request_id)
                    .with_result(value.as_ref())
                    .encode();
                outbox.push_text(reply);
            }
            Ok(_) => {}
            Err(ActionFailure::Denied(error)) => {
                let reply = Reply::failure("ACTION_RESPONSE", Some(&self.id), &error, request_id);
                outbox.push_text(reply.encode());
            }
            Err(ActionFailure::Failed(error)) => {
                fail_action(&outbox, &self.id, action, &error, request_id);
            }
        }
    }

    /// Runs an action: checks in the reference's order (§6.2: callable, auth, rate limit),
    /// then the action itself and what it changed.
    async fn execute(
        &mut self,
        caller: Caller,
        action: &str,
        payload: Value,
    ) -> Result<Option<Value>, ActionFailure> {
        if !C::ACTIONS.contains(&action) {
            return Err(ActionFailure::Failed(format!(
                "Action '{action}' is not callable"
            )));
        }
        if let Err(denied) = self.authorize(&caller, action) {
            return Err(ActionFailure::Denied(format!("AUTH_DENIED: {denied}")));
        }
        self.check_rate_limit(&caller, action)
            .map_err(ActionFailure::Failed)?;
        let mut ctx = self.ctx(caller.connection_id, caller.identity);
        let outcome = AssertUnwindSafe(self.component.dispatch(action, payload, &mut ctx))
            .catch_unwind()
            .await;
        self.finish_call(&mut ctx).await;
        let result = outcome.unwrap_or_else(|_| {
            tracing::error!(component = C::NAME, action, "action panicked");
            Err(ActionError::new(format!("Action '{action}' panicked")))
        });
        result.map_err(|error| ActionFailure::Failed(error.message().to_owned()))
    }

    /// The action's auth rules, with the **caller's** identity (§11.3), then the default
    /// provider's check.
    fn authorize(&self, caller: &Caller, action: &str) -> Result<(), String> {
        if let Some(policy) = C::ACTION_POLICIES
            .iter()
            .find(|policy| policy.action == action)
        {
            policy.auth.authorize_action(&caller.identity, action)?;
        }
        self.env
            .auth
            .authorize_action(&caller.identity, C::NAME, action)
    }

    /// The action's own rate limit, else the component's (§6.2 g).
    fn check_rate_limit(&mut self, caller: &Caller, action: &str) -> Result<(), String> {
        let limit = C::ACTION_POLICIES
            .iter()
            .find(|policy| policy.action == action)
            .and_then(|policy| policy.rate_limit)
            .or(C::RATE_LIMIT);
        match limit {
            Some(limit) => self.windows.check(
                &caller.connection_id,
                action,
                limit,
                std::time::Instant::now(),
            ),
            None => Ok(()),
        }
    }

    fn set_property(
        &mut self,
        caller: &Caller,
        property: &str,
        value: Value,
        request_id: Option<&str>,
    ) {
        let Some(outbox) = self.viewers.get(&caller.connection_id).cloned() else {
            return;
        };
        let result = self.check_property(property).and_then(|()| {
            self.component
                .set_property(property, value)
                .map_err(|error| {
                    format!("PROPERTY_UPDATE rejected: invalid value for '{property}': {error}")
                })
        });
        let reply = match &result {
            Ok(()) => {
                self.publish_changes();
                Reply::success("MESSAGE_RESPONSE", Some(&self.id), request_id).encode()
            }
            Err(error) => {
                Reply::failure("MESSAGE_RESPONSE", Some(&self.id), error, request_id).encode()
            }
        };
        outbox.push_text(reply);
    }

    /// The reference's `PROPERTY_UPDATE` rules (§7), with the allowlist from the macro.
    fn check_property(&self, property: &str) -> Result<(), String> {
        if is_reserved_key(property) {
            return Err(format!(
                "PROPERTY_UPDATE rejected: '{property}' is a reserved key"
            ));
        }
        if property.starts_with('$') {
            return Err(format!(
                "PROPERTY_UPDATE rejected: '{property}' is server-only ($-prefixed fields cannot be written by the client). Use a server action to mutate it."
            ));
        }
        if !C::UPDATABLE_FIELDS.contains(&property) {
            return Err(format!(
                "PROPERTY_UPDATE rejected: '{property}' is not an updatable field of '{}'. Allowed: [{}]. Mark the field #[live(updatable)] to allow client writes.",
                C::NAME,
                C::UPDATABLE_FIELDS.join(", ")
            ));
        }
        Ok(())
    }

    /// Sends the custom events an action or hook emitted, encoded once, to every viewer.
    fn send_events(&self, ctx: &mut Ctx<C>) {
        for (kind, payload) in ctx.take_events() {
            if let Some(link) = &self.cluster {
                link.event(&kind, &payload);
            }
            let frame = ComponentEvent {
                kind: &kind,
                component_id: &self.id,
                payload: &payload,
            }
            .encode();
            self.broadcast(&frame);
        }
    }

    /// Diffs the state against what viewers have and sends the change, encoded once.
    fn publish_changes(&mut self) {
        self.membership_publish_at = None;
        if self.is_proxy() {
            return;
        }
        let current = match serde_json::to_value(&self.component) {
            Ok(value) => value,
            Err(error) => {
                tracing::error!(component = C::NAME, %error, "state could not be serialized");
                return;
            }
        };
        let frame = match diff_states(&self.synced, &current) {
            StateChange::Unchanged => return,
            StateChange::Delta(delta) => {
                if let Some(link) = &mut self.cluster {
                    link.changed(Some(&delta), &current);
                }
                outbound::state_delta(&self.id, &delta)
            }
            StateChange::Replace => {
                if let Some(link) = &mut self.cluster {
                    link.changed(None, &current);
                }
                outbound::state_update(&self.id, &current, None)
            }
        };
        self.synced = current;
        self.signature_due = true;
        self.broadcast(&frame);
    }

    fn broadcast(&self, frame: &Bytes) {
        for outbox in self.viewers.values() {
            outbox.push(OutFrame::Text(frame.clone()));
        }
    }
}

/// Why an action did not run to success.
#[derive(Debug)]
enum ActionFailure {
    /// Refused by an auth rule: only the failed reply, no `ERROR` event.
    Denied(String),
    /// Anything else: the `ERROR` event and the failed reply.
    Failed(String),
}

/// A failed call: the component `ERROR` event `{action, error}`, then the failed reply
/// (sent even without `expectResponse`).
fn fail_action(
    outbox: &Outbox,
    component_id: &str,
    action: &str,
    error: &str,
    request_id: Option<&str>,
) {
    outbox.push_text(outbound::component_error(component_id, action, error));
    let reply = Reply::failure("ACTION_RESPONSE", Some(component_id), error, request_id);
    outbox.push_text(reply.encode());
}

/// A room error as the reference sends it: `ERROR` with the component and request echoed.
fn push_room_error(
    outbox: &Outbox,
    component_id: &str,
    error: &RoomError,
    request_id: Option<&str>,
) {
    let reply = Reply {
        kind: "ERROR",
        component_id: Some(component_id),
        error: Some(error.message()),
        request_id,
        ..Reply::default()
    };
    outbox.push_text(reply.encode());
}

/// Waits for the actor's timer (forever if it was never created).
async fn expiry(timer: &mut Option<Pin<Box<Sleep>>>) {
    match timer {
        Some(timer) => timer.as_mut().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tokio allocates a channel's first block of 32 slots up front, so every component pays
    /// 32 × the message size for each mailbox before any message arrives (docs/performance.md).
    #[test]
    fn mailbox_messages_stay_small() {
        let control = std::mem::size_of::<Control>();
        let call = std::mem::size_of::<Box<Call>>();
        println!("Control: {control} B, Box<Call>: {call} B");
        assert!(
            control <= 16,
            "Control grew to {control} B: box the new variant"
        );
        assert_eq!(call, std::mem::size_of::<usize>());
    }
}
