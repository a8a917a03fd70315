//! A component actor's mailbox: the messages it receives and the handles that send them.
//! Everything that talks to a component actor (connections, singletons, rooms, the
//! cluster link) goes through here.

mod handles;
mod messages;
#[cfg(test)]
mod tests;

pub(crate) use handles::{ClusterMailbox, ComponentHandle, Inbox, MemberMailbox, open};
pub(crate) use messages::{
    Call, Caller, ClientRoomOp, ClusterSignal, HandedEvent, JoinRequest, Mail, MountReply,
    RoomDelivery, UploadCall, Viewer,
};
