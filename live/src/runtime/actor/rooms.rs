//! The component's rooms: its default room, client room messages, typed room events for
//! its handlers, and leaving them all.

use super::instance::Actor;
use crate::component::LiveComponent;
use crate::protocol::kinds::ServerKind;
use crate::protocol::outbound::Reply;
use crate::room::{LeaveReason, RoomError, is_valid_room_id};
use crate::runtime::mailbox::{Caller, ClientRoomOp, RoomDelivery};
use crate::runtime::outbox::Outbox;
use crate::runtime::rooms::{ClientRoomOutcome, JoinKind, RoomCommand, leave, run_client_op};
use serde_json::Value;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::oneshot;

impl<C: LiveComponent> Actor<C> {
    pub(super) async fn client_room_op(
        &mut self,
        caller: &Caller,
        op: ClientRoomOp,
        request_id: Option<&str>,
        joined: Option<oneshot::Sender<bool>>,
    ) {
        let Some(outbox) = self.viewers.get(&caller.connection_id).cloned() else {
            return;
        };
        let outcome = run_client_op(&self.rooms, caller, op, &outbox, request_id).await;
        let mut success = false;
        match outcome {
            Ok(ClientRoomOutcome::Joined) => success = true,
            Ok(ClientRoomOutcome::Done) => {}
            Err(error) => push_room_error(&outbox, &self.id, &error, request_id),
        }
        if let Some(joined) = joined {
            let _ = joined.send(success);
        }
    }

    /// Joins the untyped default room given at mount (errors are logged, as the reference
    /// swallows them).
    pub(super) async fn join_default_room(&mut self, room_id: &str) {
        if !is_valid_room_id(room_id) {
            tracing::debug!(room_id, "invalid default room ignored");
            return;
        }
        match self.rooms.rooms.untyped(room_id, None).await {
            Ok(handle) => {
                let (reply, answer) = oneshot::channel();
                let join = RoomCommand::Join {
                    member: self.rooms.member.clone(),
                    payload: Value::Null,
                    kind: JoinKind::Default,
                    handler: false,
                    presence: Box::default(),
                    reply,
                };
                if handle.send(join).await && matches!(answer.await, Ok(Ok(_))) {
                    self.default_room = Some(handle);
                }
            }
            Err(error) => tracing::debug!(room_id, %error, "default room not joined"),
        }
    }

    /// A room's typed event: runs the component's handler for that room (the viewers
    /// already got the frame from the room).
    pub(super) async fn room_delivery(&mut self, delivery: RoomDelivery) {
        let event = delivery.event;
        let Some(&handler) = self.handlers.get(&*delivery.room_id) else {
            return;
        };
        let mut ctx = self.ctx(Arc::clone(&self.owner), self.rooms.member.identity.clone());
        let component = &mut self.component;
        let room_id = &*delivery.room_id;
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            handler(
                component,
                room_id,
                &event.name,
                &event.data,
                &event.sender,
                &mut ctx,
            )
        }));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::warn!(component = C::NAME, room = room_id, %error, "room event handler failed")
            }
            Err(_) => tracing::error!(
                component = C::NAME,
                room = room_id,
                "room event handler panicked"
            ),
        }
        self.finish_call(&mut ctx).await;
    }

    /// Leaves every room (the component is going away).
    pub(super) async fn leave_rooms(&mut self, reason: LeaveReason) {
        self.handlers.clear();
        let mut rooms = self.rooms.memberships.take_all();
        rooms.extend(self.default_room.take());
        for handle in rooms {
            super::rooms::leave(&handle, Arc::clone(&self.id), reason).await;
        }
    }
}

/// A room error as the reference sends it: `ERROR` with the component and request echoed.
pub(super) fn push_room_error(
    outbox: &Outbox,
    component_id: &str,
    error: &RoomError,
    request_id: Option<&str>,
) {
    let reply = Reply {
        kind: ServerKind::Error.as_str(),
        component_id: Some(component_id),
        error: Some(error.message()),
        request_id,
        ..Reply::default()
    };
    outbox.push_text(reply.encode());
}
