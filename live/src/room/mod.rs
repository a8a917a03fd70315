//! Rooms: shared state and typed events between components.
//!
//! A typed room is a struct implementing [`LiveRoom`] (usually through `#[live_room]`): its
//! serialized fields are the room's state, and [`LiveRoom::Event`] names its events. Room ids
//! are `"<prefix>:<instance>"`. Components join, emit and update through
//! [`Ctx::room`](crate::Ctx::room); members' clients receive binary frames (`0x02` events,
//! `0x03` state deltas) whose payload is encoded once per broadcast, and a component that
//! implements [`OnRoomEvent`](crate::component::OnRoomEvent) for the room gets each event as a typed value,
//! with its [`EventSender`]. A member's client may emit (`ROOM_EMIT`) only the events declared
//! `#[event("name", from_client)]` ([`RoomEvent::CLIENT_NAMES`]), with a payload that decodes.
//!
//! A room's server-only data: `#[serde(skip)]` fields (room metadata, typed, never sent)
//! and a [`LiveRoom::Membership`] value per member, handed back at leave.
//!
//! Untyped rooms (any valid id without a registered prefix) are joined by clients with
//! `ROOM_JOIN` and carry JSON frames; see `docs/rooms.md`.

pub mod codec;
pub(crate) mod descriptor;
mod erased;
mod presence;
mod sender;

pub use codec::{JsonCodec, MsgpackCodec, RoomCodec};
pub use descriptor::RoomDescriptor;
pub use presence::PresenceEntry;
pub use sender::EventSender;

pub(crate) use descriptor::registered_rooms;
pub(crate) use erased::{
    MembershipValue, RoomType, TypedChange, TypedState, TypedValue, downcast, typed_change,
};

use crate::security::identity::Identity;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;

/// The longest room id (`MAX_ROOM_NAME_LENGTH`).
pub const MAX_ROOM_ID_LENGTH: usize = 64;

/// Whether `id` matches the reference's room id rule `^[a-zA-Z0-9_:.-]{1,64}$`.
pub fn is_valid_room_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ROOM_ID_LENGTH
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'-'))
}

/// A typed room's state and lifecycle.
///
/// `#[live_room(prefix = "chat")]` implements it; every hook has a default.
pub trait LiveRoom: Serialize + DeserializeOwned + Default + Clone + Send + 'static {
    /// The id prefix: room ids are `"<PREFIX>:<instance>"`.
    const PREFIX: &'static str;
    /// Most members at once (`None`: unlimited). A join past it fails with `Room is full`.
    const MAX_MEMBERS: Option<usize> = None;
    /// The room's events.
    type Event: RoomEvent;
    /// A server-only value per member: made by [`on_join`](Self::on_join), kept while the
    /// member stays, handed back to [`on_leave`](Self::on_leave). Never sent. `()` when the
    /// room needs none (`#[live_room(membership = T)]` sets it).
    type Membership: Default + Send + 'static;
    /// The metadata a member shows in the room's presence list (set at join with
    /// [`RoomRef::join_with_presence`](crate::component::RoomRef::join_with_presence)).
    /// `()` when the room keeps no presence (`#[live_room(presence = T)]` sets it).
    type Presence: Serialize + DeserializeOwned + Clone + Send + Default + 'static;
    /// Whether the room keeps a presence list and sends `$presence:*` events
    /// (`#[live_room(presence)]` or `presence = T`).
    const PRESENCE: bool = false;
    /// Presence entries per connection instead of per user (`presence_by = connection`).
    const PRESENCE_BY_CONNECTION: bool = false;
    /// Whether [`on_event`](Self::on_event) is implemented: only then is each emitted event
    /// decoded for it. `#[live_room]` sets it when the impl block has `on_event`.
    const OBSERVES_EVENTS: bool = false;

    /// Encodes a binary frame payload. Msgpack (the browser client's subset) by default;
    /// the stock FluxStack client decodes only msgpack.
    fn encode_payload(value: &Value) -> Vec<u8> {
        crate::protocol::msgpack::to_vec(value)
    }

    /// A new room instance was created (before its first member joins).
    fn on_create(&mut self, room_id: &str) {
        let _ = room_id;
    }

    /// A component asks to join; an error rejects it (`Join rejected by room: <reason>`).
    /// The value returned is the member's [`Membership`](Self::Membership).
    fn on_join(&mut self, join: &JoinInfo) -> Result<Self::Membership, RoomError> {
        let _ = join;
        Ok(Self::Membership::default())
    }

    /// A member left (`reason` says why); `membership` is what its `on_join` returned.
    fn on_leave(&mut self, leave: &LeaveInfo, membership: Self::Membership) {
        let _ = (leave, membership);
    }

    /// Observes every event emitted in this room on this server, before it is sent; it
    /// cannot cancel it. `sender` is who emitted it, as the server knows it (a component,
    /// a member's client, app code). State changes made here reach the members like any
    /// other. Set [`OBSERVES_EVENTS`](Self::OBSERVES_EVENTS) when implementing it by hand.
    fn on_event(&mut self, event: &Self::Event, sender: &EventSender) {
        let _ = (event, sender);
    }

    /// Moves the server-only fields (`#[serde(skip)]`, never sent) of `previous` into `self`,
    /// a value just rebuilt from JSON (a cluster peer's state), so they survive the rebuild.
    /// `#[live_room]` writes it from the struct's fields.
    fn keep_server_only(&mut self, previous: &mut Self) {
        let _ = previous;
    }

    /// The room has been empty for the grace period; return false to keep it.
    fn on_destroy(&mut self) -> bool {
        true
    }
}

/// A typed room event: each variant has a wire name (`"message:new"`) and a JSON payload.
///
/// `#[live_room]` on an enum implements it from `#[event("name")]` variant attributes
/// (`#[event("name", from_client)]` for the events a client may emit).
pub trait RoomEvent: Sized + Send + 'static {
    /// Every wire name, in declaration order.
    const NAMES: &'static [&'static str];
    /// The wire names a member's client may emit with `ROOM_EMIT` (`from_client`); a
    /// client's emit of any other event is refused. None by default: components emit
    /// every event from server code.
    const CLIENT_NAMES: &'static [&'static str] = &[];
    /// This event's wire name.
    fn name(&self) -> &'static str;
    /// This event's payload as JSON.
    fn payload(&self) -> Result<Value, serde_json::Error>;
    /// Rebuilds an event from its wire name and payload.
    fn decode(name: &str, payload: Value) -> Result<Self, RoomError>;
}

/// Who is joining a room.
#[derive(Debug, Clone)]
pub struct JoinInfo {
    /// The joining component.
    pub component_id: String,
    /// The identity of the connection that mounted it.
    pub identity: Identity,
    /// What the joiner passed (`null` when nothing).
    pub payload: Value,
}

/// Why a member left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveReason {
    /// The component left on purpose.
    Leave,
    /// The component's connection closed.
    Disconnect,
    /// The component was unmounted or the server is shutting down.
    Cleanup,
}

impl LeaveReason {
    /// The reference's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Leave => "leave",
            Self::Disconnect => "disconnect",
            Self::Cleanup => "cleanup",
        }
    }
}

/// Who left a room, and why.
#[derive(Debug, Clone)]
pub struct LeaveInfo {
    /// The member that left.
    pub component_id: String,
    /// Why.
    pub reason: LeaveReason,
}

/// A room operation failed; the message is what the caller (or client) sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomError {
    message: String,
}

impl RoomError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for RoomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RoomError {}
