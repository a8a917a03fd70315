//! Room instances: one task per room; members are component actors.
//!
//! A room task owns the room's state and member list. It pushes its frames straight into the
//! outboxes of each member's viewers (the member's [`Audience`](crate::runtime::outbox::Audience)),
//! and messages a member's component actor (through its
//! [`MemberMailbox`](crate::runtime::mailbox::MemberMailbox)) only when the member has a
//! typed handler to run. A handler's own frames therefore always follow the room frame that
//! caused them.

mod actor;
mod app_ops;
mod changes;
mod client_ops;
mod clustered;
mod command;
mod delivery;
mod digest;
mod fan_out;
mod follower;
mod frames;
mod kinds;
mod link;
mod ops;
mod owner;
mod presence;
mod present;
mod registry;
mod remote;
mod table;
pub(crate) mod wire;

pub(crate) use client_ops::{ClientRoomOutcome, run_client_op};
pub(crate) use command::{JoinKind, Member, RoomCommand, RoomHandle};
pub(crate) use fan_out::RoomFanOut;
pub(crate) use frames::broadcast as broadcast_frame;
pub(crate) use ops::{Memberships, TypedRoomOps, leave};
pub(crate) use registry::Rooms;
pub(crate) use table::{RoomSettings, RoomTable};
