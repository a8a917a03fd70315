//! What a room task is asked to do, and the handle that asks it.

use super::link::Signal;
use crate::cluster::RoomMessage;
use crate::component::Identity;
use crate::room::{EventSender, LeaveReason, RoomError, TypedChange};
use crate::runtime::mailbox::MemberMailbox;
use crate::runtime::outbox::Audience;
use bytes::Bytes;
use serde_json::{Map, Value};
use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{mpsc, oneshot};

/// A member: a component, its viewers' outboxes and a way to reach its handler.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// The component's id (the `compId` of its frames).
    pub(crate) component_id: Arc<str>,
    /// The component actor, for typed events to its handlers.
    pub(crate) mailbox: MemberMailbox,
    /// Where the room's frames go: the outboxes of the component's viewers.
    pub(crate) audience: Audience,
    /// The identity of the connection that mounted the component.
    pub(crate) identity: Identity,
    /// The connection that mounted the component.
    pub(crate) connection_id: Arc<str>,
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

/// What a room task does.
pub(crate) enum RoomCommand {
    /// Add a member.
    Join {
        member: Member,
        payload: Value,
        kind: JoinKind,
        /// Whether the member runs a typed handler for the room's events.
        handler: bool,
        /// Its presence metadata (rooms with presence; boxed: joins are rare, other
        /// commands need not carry its size).
        presence: Box<Value>,
        reply: oneshot::Sender<Result<StateReply, RoomError>>,
    },
    /// Remove a member (no-op if it is not one).
    Leave {
        component_id: Arc<str>,
        reason: LeaveReason,
        done: oneshot::Sender<()>,
    },
    /// Send an event to the members (the sender must be one). Without `reply`, a refusal
    /// is only logged: the sender checked its membership itself.
    Emit {
        sender: Arc<str>,
        include_sender: bool,
        event: String,
        data: Value,
        /// `Some`: a client's `ROOM_EMIT`, checked by the room (typed rooms take only
        /// `from_client` events that decode) and sent as from this client. `None`: the
        /// sender component's own code.
        client: Option<EventSender>,
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
    /// An event from app code (no sender): every member gets it.
    Announce {
        /// The event name.
        event: String,
        /// The event data.
        data: Value,
    },
    /// The presence list (JSON entries; empty for rooms without presence).
    Presence { reply: oneshot::Sender<Vec<Value>> },
    /// Read the state; `member` must be one when given.
    GetState {
        member: Option<Arc<str>>,
        reply: oneshot::Sender<Result<StateReply, RoomError>>,
    },
    /// A component `BROADCAST` to the other members of its default room.
    Broadcast { sender: Arc<str>, frame: Bytes },
    /// A change made on another server of the cluster, for the local members.
    Remote(RoomMessage),
    /// The room's cluster side: its claim task, its owner's outcomes, requests for it.
    Cluster(Signal),
}

impl fmt::Debug for RoomCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Join { .. } => "Join",
            Self::Leave { .. } => "Leave",
            Self::Emit { .. } => "Emit",
            Self::Announce { .. } => "Announce",
            Self::SetState { .. } => "SetState",
            Self::Update { .. } => "Update",
            Self::GetState { .. } => "GetState",
            Self::Presence { .. } => "Presence",
            Self::Broadcast { .. } => "Broadcast",
            Self::Remote(_) => "Remote",
            Self::Cluster(_) => "Cluster",
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
    pub(super) typed: Option<TypeId>,
    pub(super) tx: mpsc::Sender<RoomCommand>,
    /// Its member count, kept by the room's task (for the inspector).
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(super) members: Arc<AtomicUsize>,
}

impl RoomHandle {
    /// How many members the room has.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn member_count(&self) -> usize {
        self.members.load(Ordering::Relaxed)
    }

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
