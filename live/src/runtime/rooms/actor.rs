//! The room task: owns one room's state and members.

use super::frames::{self, JsonRoomFrame};
use super::kinds::RoomKind;
use super::{
    JoinKind, Member, ROOM_QUEUE, RoomCommand, RoomDelivery, RoomHandle, Rooms, StateReply,
};
use crate::cluster::RoomMessage;
use crate::protocol::js::is_reserved_key;
use crate::protocol::room_frame::{ROOM_EVENT, ROOM_STATE};
use crate::room::{JoinInfo, LeaveInfo, LeaveReason, RoomError};
use crate::runtime::actor::Control;
use crate::runtime::outbox::OutFrame;
use crate::runtime::stats::{Counted, StatsGuard};
use crate::state::diff::{StateChange, apply_delta, diff_states};
use serde_json::{Map, Value, json};
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Starts the task of room `room_id`.
pub(super) fn spawn<K: RoomKind>(
    room_id: &str,
    kind: K,
    typed: Option<TypeId>,
    rooms: Arc<Rooms>,
) -> RoomHandle {
    let id: Arc<str> = Arc::from(room_id);
    let (tx, rx) = mpsc::channel(ROOM_QUEUE);
    let synced = kind.to_json().unwrap_or_else(|_| Value::Object(Map::new()));
    let counted = rooms.stats.track(Counted::Room);
    if let Some(node) = &rooms.cluster {
        node.watch_room(&id, true);
    }
    let actor = RoomActor {
        id: Arc::clone(&id),
        kind,
        synced,
        members: HashMap::new(),
        empty_since: Some(Instant::now()),
        rooms,
        mailbox: rx,
        _counted: counted,
    };
    tokio::spawn(actor.run());
    RoomHandle { id, typed, tx }
}

struct Joined {
    member: Member,
    /// The member runs a typed handler for this room's events.
    handler: bool,
    _counted: StatsGuard,
}

struct RoomActor<K> {
    id: Arc<str>,
    kind: K,
    /// The state every member's clients have.
    synced: Value,
    members: HashMap<Arc<str>, Joined>,
    /// When the room became empty (a new room starts empty).
    empty_since: Option<Instant>,
    rooms: Arc<Rooms>,
    mailbox: mpsc::Receiver<RoomCommand>,
    _counted: StatsGuard,
}

impl<K: RoomKind> RoomActor<K> {
    async fn run(mut self) {
        loop {
            let deadline = self
                .empty_since
                .map(|since| since + self.rooms.settings.empty_grace);
            tokio::select! {
                command = self.mailbox.recv() => match command {
                    Some(command) => self.handle(command),
                    None => break,
                },
                () = sleep_until(deadline), if deadline.is_some() => {
                    if self.kind.on_destroy() {
                        if self.rooms.release(&self.id, &self.mailbox).await {
                            break;
                        }
                    } else {
                        // Kept by its hook: ask again after another grace period.
                        self.empty_since = Some(Instant::now());
                    }
                }
            }
        }
        if let Some(node) = &self.rooms.cluster {
            node.watch_room(&self.id, false);
        }
        tracing::debug!(room = %self.id, "room destroyed");
    }

    fn handle(&mut self, command: RoomCommand) {
        match command {
            RoomCommand::Join {
                member,
                payload,
                kind,
                handler,
                reply,
            } => {
                let _ = reply.send(self.join(member, payload, kind, handler));
            }
            RoomCommand::Leave {
                component_id,
                reason,
                done,
            } => {
                self.leave(&component_id, reason);
                let _ = done.send(());
            }
            RoomCommand::Emit {
                sender,
                include_sender,
                event,
                data,
                reply,
            } => {
                let result = self.emit(&sender, include_sender, &event, data);
                match (reply, result) {
                    (Some(reply), result) => {
                        let _ = reply.send(result);
                    }
                    (None, Err(error)) => {
                        tracing::debug!(room = %self.id, %sender, %error, "emit refused");
                    }
                    (None, Ok(())) => {}
                }
            }
            RoomCommand::SetState {
                sender,
                patch,
                reply,
            } => {
                let _ = reply.send(self.set_state(&sender, patch));
            }
            RoomCommand::Update { change, reply } => {
                let result = self
                    .kind
                    .try_change(change)
                    .and_then(|changed| self.commit(changed))
                    .map(|()| self.state_reply());
                let _ = reply.send(result);
            }
            RoomCommand::GetState { member, reply } => {
                let result = match member {
                    Some(id) if !self.members.contains_key(&id) => Err(not_a_member()),
                    _ => Ok(self.state_reply()),
                };
                let _ = reply.send(result);
            }
            RoomCommand::Remote(message) => self.remote(message),
            RoomCommand::Broadcast { sender, frame } => {
                self.fan_out(|| RoomMessage::Broadcast {
                    frame: String::from_utf8_lossy(&frame).into_owned(),
                });
                let frame = OutFrame::Text(frame);
                for (id, joined) in &self.members {
                    if *id != sender {
                        joined.member.audience.push(frame.clone());
                    }
                }
            }
        }
    }

    fn state_reply(&self) -> StateReply {
        StateReply {
            json: self.synced.clone(),
            typed: self.kind.typed_clone(),
        }
    }

    fn join(
        &mut self,
        member: Member,
        payload: Value,
        kind: JoinKind,
        handler: bool,
    ) -> Result<StateReply, RoomError> {
        let already = self.members.contains_key(&member.component_id);
        if !already
            && let Some(max) = self.kind.max_members()
            && self.members.len() >= max
        {
            return Err(RoomError::new("Room is full"));
        }
        let info = JoinInfo {
            component_id: member.component_id.to_string(),
            identity: member.identity.clone(),
            payload,
        };
        self.kind
            .on_join(&info)
            .map_err(|error| RoomError::new(format!("Join rejected by room: {error}")))?;
        let id = Arc::clone(&member.component_id);
        self.publish_state(Some(&id));
        let joined = Joined {
            member,
            handler,
            _counted: self.rooms.stats.track(Counted::RoomMember),
        };
        self.members.insert(Arc::clone(&id), joined);
        self.empty_since = None;
        self.system_event("$sub:join", &id);
        if let Some(joined) = self.members.get(&id) {
            let frame = match &kind {
                JoinKind::Server => Some(frames::joined_by_server(&id, &self.id, &self.synced)),
                JoinKind::Client { request_id } => Some(frames::joined_by_client(
                    &id,
                    &self.id,
                    &self.synced,
                    request_id.as_deref(),
                )),
                JoinKind::Default => None,
            };
            if let Some(frame) = frame {
                joined.member.audience.push(OutFrame::Text(frame));
            }
        }
        Ok(self.state_reply())
    }

    fn leave(&mut self, component_id: &str, reason: LeaveReason) {
        if self.members.remove(component_id).is_none() {
            return;
        }
        self.kind.on_leave(&LeaveInfo {
            component_id: component_id.to_owned(),
            reason,
        });
        self.publish_state(None);
        self.system_event("$sub:leave", component_id);
        if self.members.is_empty() {
            self.empty_since = Some(Instant::now());
        }
    }

    /// `$sub:join` / `$sub:leave` with the new count, to every member but the subject.
    fn system_event(&self, event: &str, subject: &str) {
        let data = json!({"subscriberId": subject, "count": self.members.len()});
        self.broadcast_event("ROOM_SYSTEM", event, &data, Some(subject), false);
    }

    fn emit(
        &mut self,
        sender: &str,
        include_sender: bool,
        event: &str,
        data: Value,
    ) -> Result<(), RoomError> {
        if !self.members.contains_key(sender) {
            return Err(not_a_member());
        }
        let excluded = (!include_sender).then_some(sender);
        self.broadcast_event("ROOM_EVENT", event, &data, excluded, true);
        self.fan_out(|| RoomMessage::Event {
            event: event.to_owned(),
            data,
        });
        Ok(())
    }

    /// Publishes a local change to the other servers of the cluster, if any.
    fn fan_out(&self, message: impl FnOnce() -> RoomMessage) {
        if let Some(node) = &self.rooms.cluster {
            node.publish_room(&self.id, message());
        }
    }

    /// A change made on another server: applied here and delivered to the local members,
    /// never published again.
    fn remote(&mut self, message: RoomMessage) {
        match message {
            RoomMessage::Event { event, data } => {
                self.broadcast_event("ROOM_EVENT", &event, &data, None, true);
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

    fn replace_remote(&mut self, state: Value) {
        match self.kind.replace_remote(state) {
            Ok(()) => {
                self.deliver_state(None);
            }
            Err(error) => tracing::warn!(room = %self.id, %error, "remote room state not applied"),
        }
    }

    /// Sends an event to the members (but `excluded`): binary `0x02` for typed rooms,
    /// `json_kind` JSON frames for untyped ones. `typed_handler` also hands it to members'
    /// typed handlers.
    fn broadcast_event(
        &self,
        json_kind: &str,
        event: &str,
        data: &Value,
        excluded: Option<&str>,
        typed_handler: bool,
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
                if typed_handler && joined.handler {
                    let event =
                        handed.get_or_insert_with(|| Arc::new((event.to_owned(), data.clone())));
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

    /// A client's `ROOM_STATE_SET`: top-level keys replace, reserved and `$` keys dropped.
    fn set_state(&mut self, sender: &str, patch: Map<String, Value>) -> Result<(), RoomError> {
        if !self.members.contains_key(sender) {
            return Err(not_a_member());
        }
        if K::TYPED {
            return Err(RoomError::new("Room state is server-only"));
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

    fn commit(&mut self, changed: K) -> Result<(), RoomError> {
        let json = changed.to_json().map_err(|error| {
            RoomError::new(format!("Room state could not be serialized: {error}"))
        })?;
        self.check_size(&json)?;
        self.kind = changed;
        self.publish_state(None);
        Ok(())
    }

    /// The size limit, checked before a change is applied.
    fn check_size(&self, state: &Value) -> Result<(), RoomError> {
        let size = serde_json::to_vec(state).map_or(usize::MAX, |bytes| bytes.len());
        if size > self.rooms.settings.max_state_bytes {
            return Err(RoomError::new("Room state exceeds maximum size limit"));
        }
        Ok(())
    }

    /// Diffs the state against what members have and sends the change (`$state:update`),
    /// here and to the other servers of the cluster.
    fn publish_state(&mut self, excluded: Option<&str>) {
        if let Some(message) = self.deliver_state(excluded) {
            self.fan_out(|| message);
        }
    }

    /// Diffs the state against what members have and sends the change to the local
    /// members; returns it as a cluster message.
    fn deliver_state(&mut self, excluded: Option<&str>) -> Option<RoomMessage> {
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
            let frame = JsonRoomFrame::new("ROOM_STATE", &self.id, "$state:update", &data);
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

fn not_a_member() -> RoomError {
    RoomError::new("Not a member of this room")
}

/// Gives a typed event to a member's handler (its clients already have the frame).
fn hand_to_handler(member: &Member, room_id: &Arc<str>, event: &Arc<(String, Value)>) {
    let delivery = RoomDelivery {
        room_id: Arc::clone(room_id),
        event: Arc::clone(event),
    };
    let _ = member.mailbox.send(Control::Room(Box::new(delivery)));
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
