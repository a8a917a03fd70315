//! [`Received`]: a frame a test client received, sorted by what it means.

use crate::RefusalKind;
use crate::client::{RoomFrame, ServerFrame, decode_room_frame};
use crate::protocol::kinds::ServerKind;
use serde_json::Value;

/// One thing a test client received, in arrival order ([`TestClient::received`]).
///
/// [`TestClient::received`]: super::TestClient::received
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Received {
    /// A whole state: `STATE_UPDATE` (mount) or `STATE_REHYDRATED`.
    State {
        /// The component.
        component: String,
        /// Its state.
        state: Value,
    },
    /// A change of state (`STATE_DELTA`).
    Delta {
        /// The component.
        component: String,
        /// The changed fields.
        delta: Value,
    },
    /// A successful reply to a request (mount, action, property write, ...).
    Reply(Value),
    /// A refusal: a failed reply or an `ERROR` frame.
    Refused {
        /// Which refusal, when the text is one of the server's own.
        refusal: Option<RefusalKind>,
        /// The error text.
        message: String,
        /// The whole frame.
        frame: Value,
    },
    /// A binary room frame, decoded (an event, or a room state delta).
    Room(RoomFrame),
    /// Any other JSON frame (`STATE_SIGNATURE`, room JSON events, ...).
    Other(Value),
    /// A binary frame that is not a room frame.
    Binary(Vec<u8>),
    /// The server closed the connection.
    Closed {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
}

impl Received {
    /// Sorts one frame.
    pub(super) fn from_frame(frame: ServerFrame) -> Self {
        match frame {
            ServerFrame::Json(frame) => Self::from_json(frame),
            ServerFrame::Binary(bytes) => match decode_room_frame(&bytes) {
                Ok(room) => Self::Room(room),
                Err(_) => Self::Binary(bytes.to_vec()),
            },
            ServerFrame::Closed { code, reason } => Self::Closed { code, reason },
        }
    }

    fn from_json(frame: Value) -> Self {
        let kind = frame
            .get("type")
            .and_then(Value::as_str)
            .and_then(ServerKind::parse);
        let component = frame
            .get("componentId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let field = |name: &str| {
            frame
                .get("payload")
                .and_then(|payload| payload.get(name))
                .cloned()
        };
        let failed =
            frame.get("success") == Some(&Value::Bool(false)) || kind == Some(ServerKind::Error);
        if failed {
            // A reply carries `error`; an `ERROR` frame may carry it in its payload.
            let message = frame
                .get("error")
                .or_else(|| {
                    frame
                        .get("payload")
                        .and_then(|payload| payload.get("error"))
                })
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            return Self::Refused {
                refusal: RefusalKind::of(&message),
                message,
                frame,
            };
        }
        match kind {
            Some(ServerKind::StateUpdate | ServerKind::StateRehydrated) => {
                let state = field("state").unwrap_or(Value::Null);
                Self::State { component, state }
            }
            Some(ServerKind::StateDelta) => {
                let delta = field("delta").unwrap_or(Value::Null);
                Self::Delta { component, delta }
            }
            _ if frame.get("success") == Some(&Value::Bool(true)) => Self::Reply(frame),
            _ => Self::Other(frame),
        }
    }
}
