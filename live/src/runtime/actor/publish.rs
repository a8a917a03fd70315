//! After user code ran: its events, room changes and broadcasts, then the state delta,
//! each encoded once for every viewer (and, for a cluster owner, published).

use super::instance::Actor;
use crate::component::RoomChange;
use crate::component::{Ctx, LiveComponent};
use crate::protocol::binary_delta;
use crate::protocol::outbound::{self, ComponentEvent};
use crate::runtime::outbox::OutFrame;
use crate::runtime::rooms::{RoomCommand, broadcast_frame};
use crate::state::diff::{StateChange, diff_states};
use crate::state::fields::{DeltaPayload, FieldChanges, apply_changes, changed_fields};
use serde_json::Value;
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
        if !broadcasts.is_empty() {
            // Boxed: a room send's future would otherwise be in every call's future.
            Box::pin(self.broadcast_to_default_room(broadcasts)).await;
        }
        self.publish_changes();
    }

    /// Sends `ctx.broadcast`s to the component's default room (dropped without one).
    async fn broadcast_to_default_room(&mut self, broadcasts: Vec<(String, Value)>) {
        let Some(room) = &self.default_room else {
            return;
        };
        for (kind, data) in broadcasts {
            let frame = broadcast_frame(&self.id, &room.id, &kind, &data);
            let command = RoomCommand::Broadcast {
                sender: Arc::clone(&self.id),
                frame,
            };
            room.send(command).await;
        }
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
            self.broadcast(frame);
        }
    }

    /// Diffs the state against what viewers have and sends the change, encoded once.
    pub(super) fn publish_changes(&mut self) {
        self.membership_publish_at = None;
        if self.is_proxy() {
            return;
        }
        if self.cluster.is_none() && C::BINARY_FIELDS.is_empty() && self.publish_by_fields() {
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
                self.send_delta(&delta);
                None
            }
            StateChange::Replace => {
                if let Some(link) = &mut self.cluster {
                    link.changed(None, &current);
                }
                Some(outbound::state_update(&self.id, &current, None))
            }
        };
        self.synced = current;
        self.signature_due = true;
        if let Some(frame) = frame {
            self.broadcast(frame);
        }
        self.renew_signature_if_due();
    }

    /// Publishes the change found field by field (`state::fields`), without serializing
    /// the whole struct; false when the state must be diffed whole instead.
    fn publish_by_fields(&mut self) -> bool {
        let Value::Object(synced) = &mut self.synced else {
            return false;
        };
        let changed = match changed_fields(&self.component, synced) {
            FieldChanges::NotComparable => return false,
            FieldChanges::Changed(changed) if changed.is_empty() => return true,
            FieldChanges::Changed(changed) => changed,
        };
        let frame = match apply_changes(synced, changed) {
            Some(deltas) if deltas.is_empty() => None,
            Some(deltas) => {
                let synced = &*synced;
                let payload = DeltaPayload {
                    synced,
                    deltas: &deltas,
                };
                Some(outbound::state_delta(&self.id, &payload))
            }
            None => Some(outbound::state_update(&self.id, &self.synced, None)),
        };
        self.signature_due = true;
        if let Some(frame) = frame {
            self.broadcast(frame);
        }
        self.renew_signature_if_due();
        true
    }

    /// Sends a delta to every viewer, encoded once: for a `binary_delta` component, the
    /// keys its fields carry as one binary `0x01` frame, then the rest as a `STATE_DELTA`
    /// (that order, both before the call's reply); otherwise all of it as a `STATE_DELTA`.
    pub(super) fn send_delta(&self, delta: &Value) {
        let (Value::Object(map), false) = (delta, C::BINARY_FIELDS.is_empty()) else {
            self.broadcast(outbound::state_delta(&self.id, delta));
            return;
        };
        let split = binary_delta::split(C::BINARY_FIELDS, map);
        let binary = split
            .binary
            .map(|payload| binary_delta::frame(&self.id, &payload));
        let json = match binary {
            Some(Ok(frame)) => {
                self.send_to_viewers(OutFrame::Binary(frame));
                split.json
            }
            Some(Err(error)) => {
                tracing::warn!(component = C::NAME, %error, "delta sent as JSON");
                map.clone()
            }
            None => split.json,
        };
        if !json.is_empty() {
            self.broadcast(outbound::state_delta(&self.id, &Value::Object(json)));
        }
    }
}
