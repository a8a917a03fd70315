//! Room operations on behalf of one component (typed rooms, from its actions and hooks).

use super::command::{JoinKind, Member, RoomCommand, RoomHandle, StateReply};
use super::registry::Rooms;
use crate::component::RoomAccess;
use crate::protocol::refusal::Refusal;
use crate::room::{LeaveReason, RoomError, RoomType, TypedChange, TypedValue, is_valid_room_id};
use crate::support::BoxFuture;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;

/// Room operations on behalf of one component.
#[derive(Debug, Clone)]
pub(crate) struct TypedRoomOps {
    /// Every room of the server.
    pub(crate) rooms: Arc<Rooms>,
    /// The component.
    pub(crate) member: Member,
    /// The rooms the component is a member of.
    pub(crate) memberships: Memberships,
}

/// The rooms one component is a member of (typed and client-joined), by id: emits check
/// membership here and go straight to the room, without a round trip through the server's
/// room table or waiting for the room's answer. Only the component's own task joins and
/// leaves, so the table is exact.
#[derive(Debug, Clone, Default)]
pub(crate) struct Memberships {
    rooms: Arc<Mutex<HashMap<String, RoomHandle>>>,
}

impl Memberships {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, RoomHandle>> {
        self.rooms
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a join.
    pub(crate) fn joined(&self, room_id: &str, handle: &RoomHandle) {
        self.lock().insert(room_id.to_owned(), handle.clone());
    }

    /// Records a leave.
    pub(crate) fn left(&self, room_id: &str) {
        self.lock().remove(room_id);
    }

    /// Forgets every room and returns their handles (the component is going away).
    pub(crate) fn take_all(&self) -> Vec<RoomHandle> {
        self.lock().drain().map(|(_, handle)| handle).collect()
    }

    /// The handle of `room_id`, if the component is a member.
    fn get(&self, room_id: &str) -> Option<RoomHandle> {
        self.lock().get(room_id).cloned()
    }
}

/// How many times a join retries when it races a room that is shutting down.
pub(super) const JOIN_ATTEMPTS: usize = 3;

pub(super) fn stopped() -> RoomError {
    RoomError::new(Refusal::RoomShuttingDown.text())
}

impl TypedRoomOps {
    /// Joins typed room `room_id` of type `room`; `handler`: whether the component runs a
    /// typed handler for the room's events.
    pub(crate) async fn join(
        &self,
        room: RoomType,
        room_id: &str,
        payload: Value,
        handler: bool,
        presence: Value,
    ) -> Result<TypedValue, RoomError> {
        if !is_valid_room_id(room_id) {
            return Err(RoomError::new(Refusal::InvalidRoomId.text()));
        }
        for _ in 0..JOIN_ATTEMPTS {
            let handle = self.rooms.typed(room, room_id).await?;
            let (reply, answer) = oneshot::channel();
            let join = RoomCommand::Join {
                member: self.member.clone(),
                payload: payload.clone(),
                kind: JoinKind::Server,
                handler,
                presence: Box::new(presence.clone()),
                reply,
            };
            if !handle.send(join).await {
                continue;
            }
            match answer.await {
                Ok(result) => {
                    let state = typed_value(result?)?;
                    self.memberships.joined(room_id, &handle);
                    return Ok(state);
                }
                Err(_) => continue,
            }
        }
        Err(stopped())
    }

    /// Leaves `room_id` (a no-op if not a member).
    pub(crate) async fn leave(&self, room_id: &str) -> Result<(), RoomError> {
        self.memberships.left(room_id);
        if let Some(handle) = self.rooms.get(room_id).await {
            leave(
                &handle,
                Arc::clone(&self.member.component_id),
                LeaveReason::Leave,
            )
            .await;
        }
        Ok(())
    }

    /// Emits an event to `room_id`'s members. Returns once the room has the event queued
    /// (it waits only when the room's mailbox is full), so an action emitting many events
    /// does not wait for each broadcast.
    pub(crate) async fn emit(
        &self,
        room_id: &str,
        event: &str,
        data: Value,
        include_self: bool,
    ) -> Result<(), RoomError> {
        let handle = self
            .memberships
            .get(room_id)
            .ok_or_else(|| RoomError::new(Refusal::NotRoomMember.text()))?;
        let emit = RoomCommand::Emit {
            sender: Arc::clone(&self.member.component_id),
            include_sender: include_self,
            event: event.to_owned(),
            data,
            client: None,
            reply: None,
        };
        if handle.send(emit).await {
            Ok(())
        } else {
            Err(stopped())
        }
    }

    /// The presence list of typed room `room_id` of type `room`.
    pub(crate) async fn presence(
        &self,
        room: RoomType,
        room_id: &str,
    ) -> Result<Vec<Value>, RoomError> {
        let handle = self.rooms.typed(room, room_id).await?;
        let (reply, answer) = oneshot::channel();
        if !handle.send(RoomCommand::Presence { reply }).await {
            return Err(stopped());
        }
        answer.await.map_err(|_| stopped())
    }

    /// The typed state of `room_id` of type `room`.
    pub(crate) async fn state(
        &self,
        room: RoomType,
        room_id: &str,
    ) -> Result<TypedValue, RoomError> {
        let handle = self.rooms.typed(room, room_id).await?;
        let (reply, answer) = oneshot::channel();
        if !handle
            .send(RoomCommand::GetState {
                member: None,
                reply,
            })
            .await
        {
            return Err(stopped());
        }
        typed_value(answer.await.map_err(|_| stopped())??)
    }

    /// Applies `change` to typed room `room_id` of type `room` (created if needed).
    pub(crate) async fn update(
        &self,
        room: RoomType,
        room_id: &str,
        change: TypedChange,
    ) -> Result<TypedValue, RoomError> {
        if !is_valid_room_id(room_id) {
            return Err(RoomError::new(Refusal::InvalidRoomId.text()));
        }
        let handle = self.rooms.typed(room, room_id).await?;
        let (reply, answer) = oneshot::channel();
        if !handle.send(RoomCommand::Update { change, reply }).await {
            return Err(stopped());
        }
        typed_value(answer.await.map_err(|_| stopped())??)
    }
}

/// The component model's room access: each operation is the inherent one above.
impl RoomAccess for TypedRoomOps {
    fn join<'a>(
        &'a self,
        room: RoomType,
        room_id: &'a str,
        payload: Value,
        handler: bool,
        presence: Value,
    ) -> BoxFuture<'a, Result<TypedValue, RoomError>> {
        Box::pin(TypedRoomOps::join(
            self, room, room_id, payload, handler, presence,
        ))
    }

    fn presence<'a>(
        &'a self,
        room: RoomType,
        room_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Value>, RoomError>> {
        Box::pin(TypedRoomOps::presence(self, room, room_id))
    }

    fn leave<'a>(&'a self, room_id: &'a str) -> BoxFuture<'a, Result<(), RoomError>> {
        Box::pin(TypedRoomOps::leave(self, room_id))
    }

    fn emit<'a>(
        &'a self,
        room_id: &'a str,
        event: &'a str,
        data: Value,
        include_self: bool,
    ) -> BoxFuture<'a, Result<(), RoomError>> {
        Box::pin(TypedRoomOps::emit(self, room_id, event, data, include_self))
    }

    fn state<'a>(
        &'a self,
        room: RoomType,
        room_id: &'a str,
    ) -> BoxFuture<'a, Result<TypedValue, RoomError>> {
        Box::pin(TypedRoomOps::state(self, room, room_id))
    }

    fn update<'a>(
        &'a self,
        room: RoomType,
        room_id: &'a str,
        change: TypedChange,
    ) -> BoxFuture<'a, Result<TypedValue, RoomError>> {
        Box::pin(TypedRoomOps::update(self, room, room_id, change))
    }
}

fn typed_value(reply: StateReply) -> Result<TypedValue, RoomError> {
    reply
        .typed
        .ok_or_else(|| RoomError::new(Refusal::RoomTypeMismatch.text()))
}

/// Sends a leave and waits until the room processed it.
pub(crate) async fn leave(handle: &RoomHandle, component_id: Arc<str>, reason: LeaveReason) {
    let (done, finished) = oneshot::channel();
    if handle
        .send(RoomCommand::Leave {
            component_id,
            reason,
            done,
        })
        .await
    {
        let _ = finished.await;
    }
}
