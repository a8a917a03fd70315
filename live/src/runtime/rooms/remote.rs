//! A room's side of the cluster: its local changes go out, other servers' changes come in.

use super::actor::RoomActor;
use super::kinds::RoomKind;
use crate::cluster::RoomMessage;
use crate::protocol::kinds::ServerKind;
use crate::room::EventSender;
use crate::runtime::outbox::OutFrame;
use crate::state::diff::apply_delta;
use serde_json::Value;

impl<K: RoomKind> RoomActor<K> {
    /// Publishes a local change to the other servers of the cluster, if any.
    pub(super) fn fan_out(&self, message: impl FnOnce() -> RoomMessage) {
        if let Some(fan_out) = &self.table.fan_out {
            fan_out.publish(&self.id, message());
        }
    }

    /// A change made on another server: applied here and delivered to the local members,
    /// never published again.
    pub(super) fn remote(&mut self, message: RoomMessage) {
        match message {
            RoomMessage::Event { event, data } => {
                let from = Some(&EventSender::Remote);
                self.broadcast_event(ServerKind::RoomEvent, &event, &data, None, from);
            }
            RoomMessage::State { delta } => {
                let mut next = self.synced.clone();
                apply_delta(&mut next, &delta);
                self.replace_remote(next);
            }
            RoomMessage::Replace { state } => self.replace_remote(state),
            RoomMessage::Broadcast { frame } => {
                let frame = OutFrame::Text(bytes::Bytes::from(frame));
                for joined in self.members.values() {
                    joined.member.audience.push(frame.clone());
                }
            }
        }
    }

    pub(super) fn replace_remote(&mut self, state: Value) {
        match self.kind.replace_remote(state) {
            Ok(()) => {
                self.deliver_state(None);
            }
            Err(error) => tracing::warn!(room = %self.id, %error, "remote room state not applied"),
        }
    }
}
