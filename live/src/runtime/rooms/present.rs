//! A room task's presence: the room that runs the hooks keeps the table and announces its
//! changes (`$presence:join` / `update` / `leave`, as system events to every server); a
//! joiner gets the whole list (`$presence:state`); followers keep a copy from the events.

use super::actor::RoomActor;
use super::frames::{self, JsonRoomFrame};
use super::kinds::RoomKind;
use super::presence::{Entry, Presence, Present};
use super::wire::{RosterEntry, session_id};
use crate::protocol::kinds::ServerKind;
use crate::protocol::room_frame::ROOM_EVENT;
use crate::runtime::outbox::OutFrame;
use serde_json::Value;

impl<K: RoomKind> RoomActor<K> {
    /// An empty table, if the room keeps presence.
    pub(super) fn new_presence(kind: &K) -> Option<Presence> {
        kind.presence().map(Presence::new)
    }

    /// A member joined (on the room that runs the hooks): the others hear of it.
    pub(super) fn presence_join(&mut self, present: Present) {
        let Some(table) = &mut self.presence else {
            return;
        };
        if let Some((event, data, excluded)) = table.join(present) {
            self.presence_event(event, &data, excluded.as_deref());
        }
    }

    /// A member left (on the room that runs the hooks): the others hear of it.
    pub(super) fn presence_leave(&mut self, component_id: &str) {
        let Some(table) = &mut self.presence else {
            return;
        };
        if let Some((event, data, excluded)) = table.leave(component_id) {
            self.presence_event(event, &data, excluded.as_deref());
        }
    }

    fn presence_event(&mut self, event: &str, data: &Value, excluded: Option<&str>) {
        self.broadcast_event(ServerKind::RoomSystem, event, data, excluded, None);
        self.share_event(ServerKind::RoomSystem, event, data, excluded, None);
    }

    /// The presence list, as JSON entries.
    pub(super) fn presence_list(&self) -> Vec<Entry> {
        self.presence
            .as_ref()
            .map(Presence::list)
            .unwrap_or_default()
    }

    /// `$presence:state` (the whole list) to the local member `id`.
    pub(super) fn presence_state_to(&self, id: &str) {
        let Some(table) = &self.presence else {
            return;
        };
        let data = table.state();
        let Some(joined) = self.members.get(id) else {
            return;
        };
        if K::TYPED {
            let payload = self.kind.encode_payload(&data);
            if let Ok(frame) = frames::binary(ROOM_EVENT, &self.id, "$presence:state", &payload)
                .and_then(|broadcast| broadcast.frame_for(id))
            {
                joined.member.audience.push(OutFrame::Binary(frame));
            }
        } else {
            let frame =
                JsonRoomFrame::new(ServerKind::RoomSystem, &self.id, "$presence:state", &data);
            joined
                .member
                .audience
                .push(OutFrame::Text(frame.frame_for(id)));
        }
    }

    /// Rebuilds the table from every member (a server that just took the room over).
    pub(super) fn rebuild_presence(&mut self, remote: Vec<RosterEntry>) {
        let Some(by_connection) = self.kind.presence() else {
            return;
        };
        let mut everyone: Vec<Present> = remote.iter().map(RosterEntry::present).collect();
        everyone.extend(self.members.values().map(|joined| Present {
            component_id: joined.member.component_id.to_string(),
            connection_id: joined.member.connection_id.to_string(),
            user_id: joined.member.identity.user_id().map(str::to_owned),
            session_id: joined.member.identity.session().and_then(session_id),
            joined_at: joined.joined_at,
            meta: joined.presence.clone(),
        }));
        everyone.sort_by_key(|present| present.joined_at);
        let mut table = Presence::new(by_connection);
        for present in everyone {
            table.join(present);
        }
        self.presence = Some(table);
    }
}
