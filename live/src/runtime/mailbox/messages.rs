//! What a component actor receives: membership changes and cluster news on its mailbox's
//! urgent lane, client requests on its bounded lane.

use crate::cluster::{
    ActionRequest, ActionResponse, MirroredState, SingletonMessage, SingletonOwner,
};
use crate::component::Identity;
use crate::room::{EventSender, LeaveReason};
use crate::runtime::outbox::Outbox;
use crate::upload::{UploadStore, UploadedFile};
use serde_json::{Map, Value};
use std::sync::Arc;
use tokio::sync::oneshot;

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

/// What a component actor receives, in one mailbox with two lanes: membership changes,
/// room events and cluster news on its urgent lane (unbounded, handled first), calls on
/// its bounded lane (`handles` keeps each kind to its lane).
///
/// Every payload is boxed: a mailbox's buffer holds at least four messages once used, so
/// the size of this enum (16 bytes) is paid by every component.
#[derive(Debug)]
pub(crate) enum Mail {
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
    /// A client request (the bounded lane).
    Call(Box<Call>),
}

impl Mail {
    /// The client request id of the call it carries, if any.
    pub(crate) fn request_id(&self) -> Option<&str> {
        match self {
            Self::Call(call) => call.request_id(),
            _ => None,
        }
    }

    /// The call it carries, if it is one.
    pub(crate) fn into_call(self) -> Option<Box<Call>> {
        match self {
            Self::Call(call) => Some(call),
            _ => None,
        }
    }
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

/// A typed event for a member's handler (its clients got the frame directly).
#[derive(Debug)]
pub(crate) struct RoomDelivery {
    /// The room.
    pub(crate) room_id: Arc<str>,
    /// The event, shared by the deliveries of every member.
    pub(crate) event: Arc<HandedEvent>,
}

/// A room event as handlers get it.
#[derive(Debug)]
pub(crate) struct HandedEvent {
    /// The wire name.
    pub(crate) name: String,
    /// The payload.
    pub(crate) data: Value,
    /// Who emitted it.
    pub(crate) sender: EventSender,
}

/// What a singleton actor is told by its cluster link's tasks and by the node's dispatcher.
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

/// Client requests that run against the component's state (boxed in the mailbox, see
/// [`Mail`]).
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
        /// The request, with the caller's identity (boxed: the other calls are far smaller).
        request: Box<ActionRequest>,
        /// Where the answer goes.
        reply: oneshot::Sender<ActionResponse>,
    },
    /// A finished upload for one of the component's `#[upload]` methods.
    Upload(Box<UploadCall>),
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

impl Call {
    /// The id of the client request this call answers, if it carries one.
    pub(crate) fn request_id(&self) -> Option<&str> {
        match self {
            Self::Action { request_id, .. }
            | Self::Room { request_id, .. }
            | Self::SetProperty { request_id, .. } => request_id.as_deref(),
            Self::Remote { .. } | Self::Upload(_) => None,
        }
    }
}

/// A finished, stored upload on its way to the component's `#[upload]` method.
#[derive(Debug)]
pub(crate) struct UploadCall {
    /// The uploading connection.
    pub(crate) caller: Caller,
    /// The `#[upload]` method's name.
    pub(crate) upload: &'static str,
    /// The stored file.
    pub(crate) file: UploadedFile,
    /// The upload's id (echoed in `FILE_UPLOAD_COMPLETE`).
    pub(crate) upload_id: String,
    /// The complete request's id.
    pub(crate) request_id: Option<String>,
    /// Where the file is, to delete it if the method refuses it.
    pub(crate) store: Arc<dyn UploadStore>,
}

/// A client's room message (§10.2), run by the component actor it names.
#[derive(Debug)]
pub(crate) enum ClientRoomOp {
    /// `ROOM_JOIN`.
    Join {
        /// The room.
        room_id: String,
        /// `payload.initialState`.
        initial_state: Option<Value>,
    },
    /// `ROOM_LEAVE`.
    Leave {
        /// The room.
        room_id: String,
    },
    /// `ROOM_EMIT`.
    Emit {
        /// The room.
        room_id: String,
        /// The event name.
        event: String,
        /// The event data.
        data: Value,
    },
    /// `ROOM_STATE_SET`.
    SetState {
        /// The room.
        room_id: String,
        /// The patch.
        state: Map<String, Value>,
    },
    /// `ROOM_STATE_GET`.
    GetState {
        /// The room.
        room_id: String,
    },
}
