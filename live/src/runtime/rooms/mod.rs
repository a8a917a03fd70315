//! Room instances: one task per room; members are component actors.
//!
//! A room task owns the room's state and member list. It pushes its frames straight into the
//! outboxes of each member's viewers (the member's [`Audience`]), and messages a member's
//! component actor only when the member has a typed handler to run. A handler's own frames
//! therefore always follow the room frame that caused them.

mod actor;
mod frames;
mod kinds;
mod ops;

pub(crate) use frames::broadcast as broadcast_frame;
pub(crate) use ops::{
    ClientRoomOp, ClientRoomOutcome, Memberships, RoomChange, RoomHandler, TypedRoomOps, leave,
    run_client_op,
};

use super::actor::Control;
use super::outbox::Audience;
use super::stats::Stats;
use crate::cluster::RoomMessage;
use crate::cluster::node::ClusterNode;
use crate::component::Identity;
use crate::room::{LiveRoom, RoomDescriptor, RoomError};
use bytes::Bytes;
use serde_json::{Map, Value};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{Mutex, mpsc, oneshot};

/// How many commands may wait in one room's mailbox.
const ROOM_QUEUE: usize = 1024;

/// Room settings (from [`LiveConfig`](crate::server::LiveConfig)).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoomSettings {
    /// How long an empty room lives before it is destroyed.
    pub(crate) empty_grace: Duration,
    /// Largest room state, as JSON bytes.
    pub(crate) max_state_bytes: usize,
}

/// A member: a component, its viewers' outboxes and its actor's control mailbox.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// The component's id (the `compId` of its frames).
    pub(crate) component_id: Arc<str>,
    /// The component actor's mailbox (typed events for its handlers).
    pub(crate) mailbox: mpsc::UnboundedSender<Control>,
    /// Where the room's frames go: the outboxes of the component's viewers.
    pub(crate) audience: Audience,
    /// The identity of the connection that mounted the component.
    pub(crate) identity: Identity,
}

/// A typed event for a member's handler (its clients got the frame directly).
#[derive(Debug)]
pub(crate) struct RoomDelivery {
    /// The room.
    pub(crate) room_id: Arc<str>,
    /// `(event name, payload)`.
    pub(crate) event: Arc<(String, Value)>,
}

/// How a join was requested, which decides the frame the joiner gets.
#[derive(Debug)]
pub(crate) enum JoinKind {
    /// A component joined a typed room: `ROOM_JOINED` with `roomId`/`event`/`data`.
    Server,
    /// A client sent `ROOM_JOIN`: `ROOM_JOINED` with `payload` and the `requestId`.
    Client {
        /// The request's id.
        request_id: Option<String>,
    },
    /// The component's default room at mount: no frame.
    Default,
}

/// A room's state as a reply: JSON, and for typed rooms a clone of the typed value.
pub(crate) struct StateReply {
    /// The state as clients see it.
    pub(crate) json: Value,
    /// Typed rooms: `Box<R>`.
    pub(crate) typed: Option<Box<dyn Any + Send>>,
}

impl fmt::Debug for StateReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateReply")
            .field("json", &self.json)
            .finish()
    }
}

/// A typed change to run inside the room task.
pub(crate) type TypedChange = Box<dyn FnOnce(&mut dyn Any) -> Result<(), RoomError> + Send>;

/// What a room task does.
pub(crate) enum RoomCommand {
    /// Add a member.
    Join {
        member: Member,
        payload: Value,
        kind: JoinKind,
        /// Whether the member runs a typed handler for the room's events.
        handler: bool,
        reply: oneshot::Sender<Result<StateReply, RoomError>>,
    },
    /// Remove a member (no-op if it is not one).
    Leave {
        component_id: Arc<str>,
        reason: crate::room::LeaveReason,
        done: oneshot::Sender<()>,
    },
    /// Send an event to the members (the sender must be one). Without `reply`, a refusal
    /// is only logged: the sender checked its membership itself.
    Emit {
        sender: Arc<str>,
        include_sender: bool,
        event: String,
        data: Value,
        reply: Option<oneshot::Sender<Result<(), RoomError>>>,
    },
    /// A client's `ROOM_STATE_SET` patch (untyped rooms).
    SetState {
        sender: Arc<str>,
        patch: Map<String, Value>,
        reply: oneshot::Sender<Result<(), RoomError>>,
    },
    /// A component's typed change.
    Update {
        change: TypedChange,
        reply: oneshot::Sender<Result<StateReply, RoomError>>,
    },
    /// Read the state; `member` must be one when given.
    GetState {
        member: Option<Arc<str>>,
        reply: oneshot::Sender<Result<StateReply, RoomError>>,
    },
    /// A component `BROADCAST` to the other members of its default room.
    Broadcast { sender: Arc<str>, frame: Bytes },
    /// A change made on another server of the cluster, for the local members.
    Remote(RoomMessage),
}

impl fmt::Debug for RoomCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Join { .. } => "Join",
            Self::Leave { .. } => "Leave",
            Self::Emit { .. } => "Emit",
            Self::SetState { .. } => "SetState",
            Self::Update { .. } => "Update",
            Self::GetState { .. } => "GetState",
            Self::Broadcast { .. } => "Broadcast",
            Self::Remote(_) => "Remote",
        };
        f.write_str(name)
    }
}

/// A handle to a running room.
#[derive(Debug, Clone)]
pub(crate) struct RoomHandle {
    /// The room id.
    pub(crate) id: Arc<str>,
    /// `Some(TypeId of R)` for typed rooms.
    typed: Option<TypeId>,
    tx: mpsc::Sender<RoomCommand>,
}

impl RoomHandle {
    /// Sends a command; false if the room has stopped.
    pub(crate) async fn send(&self, command: RoomCommand) -> bool {
        self.tx.send(command).await.is_ok()
    }

    /// Sends a command without waiting; false if the room has stopped or its mailbox is
    /// full.
    pub(crate) fn try_send(&self, command: RoomCommand) -> bool {
        self.tx.try_send(command).is_ok()
    }
}

/// Every live room of one server.
pub(crate) struct Rooms {
    table: Mutex<HashMap<Arc<str>, RoomHandle>>,
    typed_prefixes: RwLock<HashMap<&'static str, TypeId>>,
    settings: RoomSettings,
    stats: Arc<Stats>,
    /// The cluster rooms fan their changes out to (`None`: this server runs alone).
    cluster: Option<Arc<ClusterNode>>,
}

impl fmt::Debug for Rooms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rooms")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Rooms {
    /// An empty registry; `typed` prefixes refuse client joins from the start.
    pub(crate) fn new(
        settings: RoomSettings,
        typed: &[RoomDescriptor],
        stats: Arc<Stats>,
        cluster: Option<Arc<ClusterNode>>,
    ) -> Self {
        let prefixes = typed
            .iter()
            .map(|descriptor| (descriptor.prefix(), TypeId::of::<()>()))
            .collect();
        Self {
            table: Mutex::new(HashMap::new()),
            typed_prefixes: RwLock::new(prefixes),
            settings,
            stats,
            cluster,
        }
    }

    /// Whether `room_id`'s prefix belongs to a typed room.
    pub(crate) fn is_typed_id(&self, room_id: &str) -> bool {
        let prefix = room_id.split(':').next().unwrap_or_default();
        room_id.contains(':')
            && self
                .typed_prefixes
                .read()
                .is_ok_and(|prefixes| prefixes.contains_key(prefix))
    }

    fn claim_prefix<R: LiveRoom>(&self) -> Result<(), RoomError> {
        let mut prefixes = self
            .typed_prefixes
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let wanted = TypeId::of::<R>();
        match prefixes.get(R::PREFIX).copied() {
            Some(existing) if existing == wanted => Ok(()),
            // Registered by descriptor only (placeholder type): claim it.
            Some(existing) if existing == TypeId::of::<()>() => {
                prefixes.insert(R::PREFIX, wanted);
                Ok(())
            }
            Some(_) => Err(RoomError::new(format!(
                "Room prefix '{}' belongs to another room type",
                R::PREFIX
            ))),
            None => {
                prefixes.insert(R::PREFIX, wanted);
                Ok(())
            }
        }
    }

    /// The typed room `room_id` of type `R`, created if needed.
    pub(crate) async fn typed<R: LiveRoom>(
        self: &Arc<Self>,
        room_id: &str,
    ) -> Result<RoomHandle, RoomError> {
        self.claim_prefix::<R>()?;
        let mut table = self.table.lock().await;
        if let Some(handle) = table.get(room_id) {
            return if handle.typed == Some(TypeId::of::<R>()) {
                Ok(handle.clone())
            } else {
                Err(RoomError::new(format!(
                    "Room '{room_id}' is not a '{}' room",
                    R::PREFIX
                )))
            };
        }
        let handle = actor::spawn(
            room_id,
            kinds::Typed::<R>::new(room_id),
            Some(TypeId::of::<R>()),
            Arc::clone(self),
        );
        table.insert(Arc::clone(&handle.id), handle.clone());
        Ok(handle)
    }

    /// The untyped room `room_id`, created with `initial_state` if needed.
    pub(crate) async fn untyped(
        self: &Arc<Self>,
        room_id: &str,
        initial_state: Option<Value>,
    ) -> Result<RoomHandle, RoomError> {
        if self.is_typed_id(room_id) {
            return Err(RoomError::new(
                "Room requires server-side join via component action",
            ));
        }
        let mut table = self.table.lock().await;
        if let Some(handle) = table.get(room_id) {
            return if handle.typed.is_none() {
                Ok(handle.clone())
            } else {
                Err(RoomError::new(
                    "Room requires server-side join via component action",
                ))
            };
        }
        let handle = actor::spawn(
            room_id,
            kinds::Untyped::new(initial_state),
            None,
            Arc::clone(self),
        );
        table.insert(Arc::clone(&handle.id), handle.clone());
        Ok(handle)
    }

    /// The running room `room_id`, if any.
    pub(crate) async fn get(&self, room_id: &str) -> Option<RoomHandle> {
        self.table.lock().await.get(room_id).cloned()
    }

    /// Called by an empty room whose grace period ended: removes it unless a command is
    /// already waiting for it.
    async fn release(&self, room_id: &str, mailbox: &mpsc::Receiver<RoomCommand>) -> bool {
        let mut table = self.table.lock().await;
        if !mailbox.is_empty() {
            return false;
        }
        table.remove(room_id);
        true
    }
}
