//! After user code ran: its events, room changes and broadcasts, then the state delta,
//! each encoded once for every viewer (and, for a cluster owner, published).

use super::instance::Actor;
use crate::component::RoomChange;
use crate::component::{Ctx, LiveComponent};
use crate::protocol::outbound::{self, ComponentEvent};
use crate::runtime::rooms::{RoomCommand, broadcast_frame};
use crate::state::diff::{StateChange, diff_states};
use std::sync::Arc;

impl<C: LiveComponent> Actor<C> {
    /// After any user code ran: its events, room changes and broadcasts, then the state delta.
    pub(super) async fn finish_call(&mut self, ctx: &mut Ctx<C>) {
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
                let frame = broadcast_frame(&self.id, &room.id, &kind, &data);
                let command = RoomCommand::Broadcast {
                    sender: Arc::clone(&self.id),
                    frame,
                };
                room.send(command).await;
            }
        }
        self.publish_changes();
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
    pub(super) fn publish_changes(&mut self) {
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
}
