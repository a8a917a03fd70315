//! What a room does when it changes: its system and custom events, and state changes
//! (a client's patch, a typed room's commit) with the size limit checked first.

use super::actor::{RoomActor, not_a_member};
use super::kinds::RoomKind;
use crate::cluster::RoomMessage;
use crate::protocol::js::is_reserved_key;
use crate::protocol::kinds::ServerKind;
use crate::protocol::refusal::Refusal;
use crate::room::{EventSender, RoomError};
use serde_json::{Map, Value, json};

impl<K: RoomKind> RoomActor<K> {
    /// `$sub:join` / `$sub:leave` with the new count, to every member but the subject.
    pub(super) fn system_event(&mut self, event: &str, subject: &str) {
        let data = json!({"subscriberId": subject, "count": self.member_total()});
        self.broadcast_event(ServerKind::RoomSystem, event, &data, Some(subject), None);
        self.share_event(ServerKind::RoomSystem, event, &data, Some(subject), None);
    }

    pub(super) fn emit(
        &mut self,
        sender: &str,
        include_sender: bool,
        event: &str,
        data: Value,
        client: Option<EventSender>,
    ) -> Result<(), RoomError> {
        let Some(member_sender) = self.member_sender(sender) else {
            return Err(not_a_member());
        };
        let (data, from) = match client {
            Some(client) => (self.kind.client_event(event, data)?, client),
            None => (data, member_sender),
        };
        self.observe_event(event, &data, &from);
        let excluded = (!include_sender).then_some(sender);
        self.broadcast_event(ServerKind::RoomEvent, event, &data, excluded, Some(&from));
        if self.cluster.is_some() {
            self.share_event(ServerKind::RoomEvent, event, &data, excluded, Some(&from));
        } else {
            self.fan_out(|| RoomMessage::Event {
                event: event.to_owned(),
                data,
            });
        }
        Ok(())
    }

    /// The room's event observer (typed rooms that have one), then its state changes.
    pub(super) fn observe_event(&mut self, event: &str, data: &Value, sender: &EventSender) {
        if self.kind.observe_event(event, data, sender) {
            self.publish_state(None);
        }
    }

    /// A client's `ROOM_STATE_SET`: top-level keys replace, reserved and `$` keys dropped.
    pub(super) fn set_state(
        &mut self,
        sender: &str,
        patch: Map<String, Value>,
    ) -> Result<(), RoomError> {
        if !self.is_member(sender) {
            return Err(not_a_member());
        }
        if K::TYPED {
            return Err(RoomError::new(Refusal::RoomStateServerOnly.text()));
        }
        let mut next = self.synced.clone();
        if let Value::Object(state) = &mut next {
            for (key, value) in patch {
                let reserved = is_reserved_key(&key);
                if !reserved && !key.starts_with('$') {
                    state.insert(key, value);
                }
            }
        }
        self.check_size(&next)?;
        self.kind.replace_json(next)?;
        self.publish_state(Some(sender));
        Ok(())
    }

    pub(super) fn commit(&mut self, changed: K) -> Result<(), RoomError> {
        let json = changed.to_json().map_err(|error| {
            RoomError::new(Refusal::RoomStateNotSerializable { detail: &error }.text())
        })?;
        self.check_size(&json)?;
        self.kind = changed;
        self.publish_state(None);
        Ok(())
    }

    /// The size limit, checked before a change is applied.
    pub(super) fn check_size(&self, state: &Value) -> Result<(), RoomError> {
        let size = serde_json::to_vec(state).map_or(usize::MAX, |bytes| bytes.len());
        if size > self.table.settings.max_state_bytes {
            return Err(RoomError::new(Refusal::RoomStateTooLarge.text()));
        }
        Ok(())
    }
}
