//! Room operations from app code (`LiveHandle::room`): emit, read and change a running typed
//! room without being one of its members.

use super::actor::RoomActor;
use super::command::RoomCommand;
use super::kinds::RoomKind;
use super::registry::Rooms;
use crate::cluster::RoomMessage;
use crate::component::push::{AppRoomOp, PushError};
use crate::protocol::kinds::ServerKind;
use crate::room::EventSender;
use serde_json::Value;
use std::any::{Any, TypeId};
use tokio::sync::oneshot;

impl Rooms {
    /// Runs `op` on the running room `room_id` of type `typed`: the typed state for reads and
    /// changes, nothing for emits. A room that does not run (or is of another type) is
    /// [`PushError::NoSuchRoom`]: app code does not create rooms (nobody would be in them,
    /// and they would be destroyed after the empty grace anyway).
    pub(crate) async fn app_op(
        &self,
        room_id: &str,
        typed: TypeId,
        op: AppRoomOp,
    ) -> Result<Option<Box<dyn Any + Send>>, PushError> {
        let room = self
            .get(room_id)
            .await
            .filter(|room| room.typed == Some(typed))
            .ok_or(PushError::NoSuchRoom)?;
        let (reply, answer) = oneshot::channel();
        let command = match op {
            AppRoomOp::Emit { event, data } => {
                let sent = room.send(RoomCommand::Announce { event, data }).await;
                return if sent {
                    Ok(None)
                } else {
                    Err(PushError::NoSuchRoom)
                };
            }
            AppRoomOp::State => RoomCommand::GetState {
                member: None,
                reply,
            },
            AppRoomOp::Update(change) => RoomCommand::Update { change, reply },
            AppRoomOp::Presence => {
                let (reply, answer) = oneshot::channel();
                if !room.send(RoomCommand::Presence { reply }).await {
                    return Err(PushError::NoSuchRoom);
                }
                let entries = answer.await.map_err(|_| PushError::NoSuchRoom)?;
                return Ok(Some(Box::new(entries)));
            }
        };
        if !room.send(command).await {
            return Err(PushError::NoSuchRoom);
        }
        let state = answer
            .await
            .map_err(|_| PushError::NoSuchRoom)?
            .map_err(PushError::Room)?;
        Ok(state.typed)
    }
}

impl<K: RoomKind> RoomActor<K> {
    /// An event from app code: to every member (and their typed handlers) and the cluster.
    pub(super) fn announce(&mut self, event: &str, data: Value) {
        self.observe_event(event, &data, &EventSender::App);
        self.broadcast_event(
            ServerKind::RoomEvent,
            event,
            &data,
            None,
            Some(&EventSender::App),
        );
        if self.cluster.is_some() {
            self.share_event(
                ServerKind::RoomEvent,
                event,
                &data,
                None,
                Some(&EventSender::App),
            );
        } else {
            self.fan_out(|| RoomMessage::Event {
                event: event.to_owned(),
                data,
            });
        }
    }
}
