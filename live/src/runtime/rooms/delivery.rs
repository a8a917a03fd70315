//! What a room's members receive: its events and state changes, each encoded once and
//! pushed straight into the members' audiences.

use super::actor::RoomActor;
use super::command::Member;
use super::frames::{self, JsonRoomFrame};
use super::kinds::RoomKind;
use super::wire::Outcome;
use crate::cluster::RoomMessage;
use crate::protocol::kinds::ServerKind;
use crate::protocol::room_frame::{ROOM_EVENT, ROOM_STATE};
use crate::room::EventSender;
use crate::runtime::mailbox::{HandedEvent, RoomDelivery};
use crate::runtime::outbox::OutFrame;
use crate::state::diff::{StateChange, diff_states};
use serde_json::{Value, json};
use std::sync::Arc;

impl<K: RoomKind> RoomActor<K> {
    /// Sends an event to the members (but `excluded`): binary `0x02` for typed rooms,
    /// `json_kind` JSON frames for untyped ones. With `handed_from`, also hands it to
    /// members' typed handlers, as from that sender.
    pub(super) fn broadcast_event(
        &self,
        json_kind: ServerKind,
        event: &str,
        data: &Value,
        excluded: Option<&str>,
        handed_from: Option<&EventSender>,
    ) {
        let recipients = self
            .members
            .iter()
            .filter(|(id, _)| Some(&***id) != excluded);
        if K::TYPED {
            let payload = self.kind.encode_payload(data);
            let broadcast = match frames::binary(ROOM_EVENT, &self.id, event, &payload) {
                Ok(broadcast) => broadcast,
                Err(error) => {
                    tracing::warn!(room = %self.id, event, %error, "room event not sent");
                    return;
                }
            };
            let mut handed = None;
            for (id, joined) in recipients {
                if let Ok(frame) = broadcast.frame_for(id) {
                    joined.member.audience.push(OutFrame::Binary(frame));
                }
                if let (Some(sender), true) = (handed_from, joined.handler) {
                    let event = handed.get_or_insert_with(|| {
                        Arc::new(HandedEvent {
                            name: event.to_owned(),
                            data: data.clone(),
                            sender: sender.clone(),
                        })
                    });
                    hand_to_handler(&joined.member, &self.id, event);
                }
            }
        } else {
            let frame = JsonRoomFrame::new(json_kind, &self.id, event, data);
            for (id, joined) in recipients {
                joined
                    .member
                    .audience
                    .push(OutFrame::Text(frame.frame_for(id)));
            }
        }
    }

    /// Diffs the state against what members have and sends the change (`$state:update`),
    /// here and to the other servers of the cluster.
    pub(super) fn publish_state(&mut self, excluded: Option<&str>) {
        let Some(message) = self.deliver_state(excluded) else {
            return;
        };
        if self.cluster.is_none() {
            self.fan_out(|| message);
            return;
        }
        self.touch();
        self.share(|| match message {
            RoomMessage::Replace { state } => Outcome::Replace { state },
            RoomMessage::State { delta } => Outcome::State { delta },
            // `deliver_state` makes only the two above.
            _ => Outcome::Replace { state: Value::Null },
        });
    }

    /// Diffs the state against what members have and sends the change to the local
    /// members; returns it as a cluster message.
    pub(super) fn deliver_state(&mut self, excluded: Option<&str>) -> Option<RoomMessage> {
        let current = self.kind.to_json().ok()?;
        let (delta, message) = match diff_states(&self.synced, &current) {
            StateChange::Unchanged => return None,
            StateChange::Delta(delta) => (delta.clone(), RoomMessage::State { delta }),
            StateChange::Replace => (
                replacing_delta(&self.synced, &current),
                RoomMessage::Replace {
                    state: current.clone(),
                },
            ),
        };
        self.synced = current;
        let data = json!({ "state": delta });
        let recipients = self
            .members
            .iter()
            .filter(|(id, _)| Some(&***id) != excluded);
        if K::TYPED {
            let payload = self.kind.encode_payload(&data);
            match frames::binary(ROOM_STATE, &self.id, "$state:update", &payload) {
                Ok(broadcast) => {
                    for (id, joined) in recipients {
                        if let Ok(frame) = broadcast.frame_for(id) {
                            joined.member.audience.push(OutFrame::Binary(frame));
                        }
                    }
                }
                Err(error) => tracing::warn!(room = %self.id, %error, "room state not sent"),
            }
        } else {
            let frame = JsonRoomFrame::new(ServerKind::RoomState, &self.id, "$state:update", &data);
            for (id, joined) in recipients {
                joined
                    .member
                    .audience
                    .push(OutFrame::Text(frame.frame_for(id)));
            }
        }
        Some(message)
    }
}

/// When a change cannot be a merge delta (a nested `null`, a removed key), room clients
/// still merge what they get: send every top-level value whole, and `null` for removed keys.
fn replacing_delta(old: &Value, new: &Value) -> Value {
    let mut delta = new.as_object().cloned().unwrap_or_default();
    if let Some(old) = old.as_object() {
        for key in old.keys() {
            if !delta.contains_key(key) {
                delta.insert(key.clone(), Value::Null);
            }
        }
    }
    Value::Object(delta)
}

/// Gives a typed event to a member's handler (its clients already have the frame).
fn hand_to_handler(member: &Member, room_id: &Arc<str>, event: &Arc<HandedEvent>) {
    let delivery = RoomDelivery {
        room_id: Arc::clone(room_id),
        event: Arc::clone(event),
    };
    member.mailbox.deliver(delivery);
}
