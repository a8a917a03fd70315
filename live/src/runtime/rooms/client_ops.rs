//! A client's room messages (`ROOM_*`), run by the component actor they name.

use super::command::{JoinKind, RoomCommand, RoomHandle};
use super::ops::{JOIN_ATTEMPTS, TypedRoomOps, leave, stopped};
use crate::protocol::kinds::ServerKind;
use crate::protocol::outbound::Reply;
use crate::protocol::refusal::Refusal;
use crate::room::{EventSender, LeaveReason, RoomError, is_valid_room_id};
use crate::runtime::mailbox::{Caller, ClientRoomOp};
use crate::runtime::outbox::Outbox;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::oneshot;

/// Runs a client's room message for `member`, sent by `caller`; replies go to `outbox`.
/// Joins and leaves update the component's memberships.
pub(crate) async fn run_client_op(
    ops: &TypedRoomOps,
    caller: &Caller,
    op: ClientRoomOp,
    outbox: &Outbox,
    request_id: Option<&str>,
) -> Result<ClientRoomOutcome, RoomError> {
    let member = &ops.member;
    match op {
        ClientRoomOp::Join {
            room_id,
            initial_state,
        } => {
            if !is_valid_room_id(&room_id) {
                return Err(RoomError::new(Refusal::InvalidRoomId.text()));
            }
            for _ in 0..JOIN_ATTEMPTS {
                let handle = ops.rooms.untyped(&room_id, initial_state.clone()).await?;
                let (reply, answer) = oneshot::channel();
                let join = RoomCommand::Join {
                    member: member.clone(),
                    payload: Value::Null,
                    kind: JoinKind::Client {
                        request_id: request_id.map(str::to_owned),
                    },
                    handler: false,
                    presence: Box::default(),
                    reply,
                };
                if !handle.send(join).await {
                    continue;
                }
                match answer.await {
                    Ok(result) => {
                        result?;
                        ops.memberships.joined(&room_id, &handle);
                        return Ok(ClientRoomOutcome::Joined);
                    }
                    Err(_) => continue,
                }
            }
            Err(stopped())
        }
        ClientRoomOp::Leave { room_id } => {
            ops.memberships.left(&room_id);
            if let Some(handle) = ops.rooms.get(&room_id).await {
                leave(
                    &handle,
                    Arc::clone(&member.component_id),
                    LeaveReason::Leave,
                )
                .await;
            }
            let payload = json!({ "roomId": room_id });
            let reply = Reply::with_payload(
                ServerKind::RoomLeft,
                Some(&member.component_id),
                &payload,
                request_id,
            );
            outbox.push_text(reply.encode());
            Ok(ClientRoomOutcome::Done)
        }
        ClientRoomOp::Emit {
            room_id,
            event,
            data,
        } => {
            let handle = member_room(ops, &room_id).await?;
            let (reply, answer) = oneshot::channel();
            // The room checks the event against its type and sends it as from this client.
            let client = EventSender::Client {
                component_id: Arc::clone(&member.component_id),
                connection_id: Arc::clone(&caller.connection_id),
                identity: caller.identity.clone(),
            };
            let emit = RoomCommand::Emit {
                sender: Arc::clone(&member.component_id),
                include_sender: false,
                event,
                data,
                client: Some(client),
                reply: Some(reply),
            };
            send_and_wait(&handle, emit, answer).await?;
            Ok(ClientRoomOutcome::Done)
        }
        ClientRoomOp::SetState { room_id, state } => {
            let handle = member_room(ops, &room_id).await?;
            let (reply, answer) = oneshot::channel();
            let set = RoomCommand::SetState {
                sender: Arc::clone(&member.component_id),
                patch: state,
                reply,
            };
            send_and_wait(&handle, set, answer).await?;
            Ok(ClientRoomOutcome::Done)
        }
        ClientRoomOp::GetState { room_id } => {
            let handle = member_room(ops, &room_id).await?;
            let (reply, answer) = oneshot::channel();
            let get = RoomCommand::GetState {
                member: Some(Arc::clone(&member.component_id)),
                reply,
            };
            if !handle.send(get).await {
                return Err(RoomError::new(Refusal::NotRoomMember.text()));
            }
            let state = answer.await.map_err(|_| stopped())??;
            let payload = json!({ "roomId": room_id, "state": state.json });
            let reply = Reply::with_payload(
                ServerKind::RoomState,
                Some(&member.component_id),
                &payload,
                request_id,
            );
            outbox.push_text(reply.encode());
            Ok(ClientRoomOutcome::Done)
        }
    }
}

/// What a client room message changed for the component.
#[derive(Debug)]
pub(crate) enum ClientRoomOutcome {
    /// A `ROOM_JOIN` succeeded (it counts toward the connection's room limit).
    Joined,
    /// Anything else that succeeded.
    Done,
}

async fn member_room(ops: &TypedRoomOps, room_id: &str) -> Result<RoomHandle, RoomError> {
    ops.rooms
        .get(room_id)
        .await
        .ok_or_else(|| RoomError::new(Refusal::NotRoomMember.text()))
}

async fn send_and_wait(
    handle: &RoomHandle,
    command: RoomCommand,
    answer: oneshot::Receiver<Result<(), RoomError>>,
) -> Result<(), RoomError> {
    if !handle.send(command).await {
        return Err(RoomError::new(Refusal::NotRoomMember.text()));
    }
    answer.await.map_err(|_| stopped())?
}
