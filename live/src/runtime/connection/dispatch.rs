//! Inbound frames: the rate limit, then validation, then each message to its handler.

use super::Connection;
use super::calls::PendingCall;
use super::mount::Seed;
use super::uploads::ChunkData;
use crate::metrics::FrameRefusal;
use crate::protocol::inbound::FileUploadKind;
use crate::protocol::inbound::{ClientMessage, Envelope, InboundError, parse_text_frame};
use crate::protocol::kinds::ServerKind;
use crate::protocol::outbound::{self, encode};
use crate::protocol::refusal::Refusal;
use crate::protocol::upload::decode_binary_chunk;
use crate::runtime::mailbox::{Call, ClientRoomOp};
use crate::security::TokenBucket;
use serde_json::Value;
use std::pin::Pin;

impl Connection {
    /// The rate limit (§14.1): every frame takes a token; without one the frame is dropped.
    fn admit(&mut self) -> bool {
        let admitted = self.rate.as_mut().is_none_or(TokenBucket::try_take);
        if !admitted {
            self.hub.metrics.frame_refused(FrameRefusal::RateLimited);
            let error = Refusal::RateLimitExceeded.text();
            self.outbox.push_text(outbound::connection_error(&error));
        }
        admitted
    }

    /// Handles one text frame as far as it can without waiting: the rate limit, the
    /// validation and, for an action call or a property write whose component's mailbox
    /// has room, all of it (the common case, run without a future). What is left is for
    /// [`finish_text`](Self::finish_text).
    fn on_text_now(&mut self, text: &str) -> Option<TextWork> {
        if !self.admit() {
            return None;
        }
        match parse_text_frame(text, &self.limits) {
            Ok(envelope) => self.dispatch_now(envelope),
            Err(error) => {
                self.hub.metrics.frame_refused(refusal_reason(&error));
                self.outbox.push_text(encode(&error.reply()));
                None
            }
        }
    }

    /// Handles one text frame: [`on_text_now`](Self::on_text_now), and what is left as
    /// one boxed future. Only the box's pointer is kept in the caller's future while it
    /// runs (the frame's own state would otherwise take room in every idle connection's).
    pub(crate) fn on_text(&mut self, text: &str) -> Option<Pin<Box<impl Future<Output = ()>>>> {
        let work = self.on_text_now(text)?;
        Some(Box::pin(self.finish_text(work)))
    }

    /// Finishes a text frame that [`on_text_now`](Self::on_text_now) could not.
    async fn finish_text(&mut self, work: TextWork) {
        match work {
            TextWork::Message(envelope) => self.dispatch(envelope).await,
            TextWork::Call(pending) => self.deliver(pending).await,
        }
    }

    /// Handles one binary frame: clients send binary frames only for upload chunks
    /// (`[headerLen:u32 LE][header JSON][bytes]`); the reply echoes the header's `requestId`.
    pub(crate) async fn on_binary(&mut self, bytes: &[u8]) {
        if !self.admit() {
            return;
        }
        if bytes.len() > self.limits.max_message_bytes {
            self.hub.metrics.frame_refused(FrameRefusal::TooLarge);
            let error = Refusal::MessageTooLarge.text();
            self.outbox.push_text(outbound::connection_error(&error));
            return;
        }
        match decode_binary_chunk(bytes) {
            Ok(chunk) => {
                let request_id = chunk.header.get("requestId").and_then(Value::as_str);
                let data = ChunkData::Raw(chunk.data);
                self.upload_chunk(&chunk.header, data, request_id).await;
            }
            Err(error) => {
                self.hub.metrics.frame_refused(FrameRefusal::Binary);
                let detail = error.detail();
                let error = Refusal::UploadFrameInvalid { detail }.text();
                self.outbox.push_text(outbound::connection_error(&error));
            }
        }
    }

    /// Queues an action call or a property write if its component's mailbox has room;
    /// every other message, or a call that must wait, is left to do.
    fn dispatch_now(&mut self, envelope: Envelope) -> Option<TextWork> {
        let Envelope {
            component_id,
            request_id,
            expect_response,
            message,
        } = envelope;
        let queued = match message {
            ClientMessage::CallAction { action, payload } => {
                let call = |caller, request_id| Call::Action {
                    caller,
                    action,
                    payload,
                    expect_response,
                    request_id,
                };
                let reply_kind = ServerKind::ActionResponse;
                self.try_call(component_id, reply_kind, request_id, call)
            }
            ClientMessage::PropertyUpdate { property, value } => {
                let call = |caller, request_id| Call::SetProperty {
                    caller,
                    property,
                    value,
                    request_id,
                };
                let reply_kind = ServerKind::MessageResponse;
                self.try_call(component_id, reply_kind, request_id, call)
            }
            message => {
                return Some(TextWork::Message(Envelope {
                    component_id,
                    request_id,
                    expect_response,
                    message,
                }));
            }
        };
        queued.err().map(TextWork::Call)
    }

    /// Runs a client message that `dispatch_now` left. The rare,
    /// heavy messages (mount, rehydrate, auth, rooms) run in boxed futures, so the
    /// connection's task stays small between messages.
    async fn dispatch(&mut self, envelope: Envelope) {
        let Envelope {
            component_id,
            request_id,
            message,
            ..
        } = envelope;
        let component_id = component_id.as_deref();
        let request_id = request_id.as_deref();
        match message {
            ClientMessage::Ping => {}
            ClientMessage::Mount {
                component,
                props,
                room,
            } => {
                let seed = Seed {
                    props,
                    room,
                    restore: None,
                };
                Box::pin(self.mount(&component, seed, component_id, request_id)).await
            }
            ClientMessage::Unmount => self.unmount(component_id, request_id),
            // Queued by `dispatch_now`, which every text frame goes through first.
            ClientMessage::CallAction { .. } | ClientMessage::PropertyUpdate { .. } => {}
            ClientMessage::Auth { payload } => {
                Box::pin(self.authenticate(payload.unwrap_or_default(), request_id)).await
            }
            ClientMessage::Rehydrate {
                component,
                signed_state,
                room,
            } => {
                let rehydrate =
                    self.rehydrate(&component, &signed_state, room, component_id, request_id);
                Box::pin(rehydrate).await
            }
            ClientMessage::RoomJoin {
                room_id,
                initial_state,
            } => {
                let op = ClientRoomOp::Join {
                    room_id,
                    initial_state,
                };
                Box::pin(self.room_op(component_id, op, request_id)).await;
            }
            ClientMessage::RoomLeave { room_id } => {
                let op = ClientRoomOp::Leave { room_id };
                Box::pin(self.room_op(component_id, op, request_id)).await;
            }
            ClientMessage::RoomEmit {
                room_id,
                event,
                data,
            } => {
                let op = ClientRoomOp::Emit {
                    room_id,
                    event,
                    data,
                };
                Box::pin(self.room_op(component_id, op, request_id)).await;
            }
            ClientMessage::RoomStateSet { room_id, state } => {
                let op = ClientRoomOp::SetState { room_id, state };
                Box::pin(self.room_op(component_id, op, request_id)).await;
            }
            ClientMessage::RoomStateGet { room_id } => {
                let op = ClientRoomOp::GetState { room_id };
                Box::pin(self.room_op(component_id, op, request_id)).await;
            }
            ClientMessage::FileUpload { kind, fields } => match kind {
                FileUploadKind::Start => {
                    Box::pin(self.upload_start(&fields, component_id, request_id)).await
                }
                FileUploadKind::Chunk => {
                    let data = ChunkData::Base64(fields.get("data"));
                    Box::pin(self.upload_chunk(&fields, data, request_id)).await
                }
                FileUploadKind::Complete => {
                    Box::pin(self.upload_complete(&fields, request_id)).await
                }
            },
        }
    }
}

/// The metrics label of a refused text frame.
fn refusal_reason(error: &InboundError) -> FrameRefusal {
    match error {
        InboundError::TooLarge => FrameRefusal::TooLarge,
        InboundError::TooDeep { .. } => FrameRefusal::TooDeep,
        InboundError::InvalidJson => FrameRefusal::InvalidJson,
        InboundError::NotObject | InboundError::Invalid { .. } => FrameRefusal::InvalidMessage,
        InboundError::UnknownType { .. } => FrameRefusal::UnknownType,
    }
}

/// What is left of a text frame after [`Connection::on_text_now`].
enum TextWork {
    /// A message that is not an action call or a property write.
    Message(Envelope),
    /// A call whose component's mailbox was full.
    Call(Box<PendingCall>),
}
