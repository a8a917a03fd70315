//! State tracking: each mounted component's state as `STATE_UPDATE` / `STATE_DELTA`
//! frames left it, and the requests still waiting for their reply.

use super::frames::{ServerFrame, frame_kind};
use crate::protocol::binary_delta::{BinaryField, decode_frame, decode_payload};
use crate::protocol::kinds::ServerKind;
use crate::state::diff::apply_delta;
use crate::support::lock;
use bytes::Bytes;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};

/// How many frames [`Shared::recent`] keeps.
pub(super) const RECENT_FRAMES: usize = 32;

#[derive(Default)]
pub(super) struct Shared {
    pub(super) pending: HashMap<String, oneshot::Sender<Value>>,
    pub(super) states: HashMap<String, Value>,
    /// How to decode each component's binary deltas (set by `decode_binary_deltas`).
    pub(super) binary_fields: HashMap<String, &'static [BinaryField]>,
    pub(super) closed: bool,
    /// Each component's newest signed state (mount reply, `STATE_SIGNATURE`,
    /// `STATE_REHYDRATED`).
    pub(super) signed: HashMap<String, Value>,
    /// The last [`RECENT_FRAMES`] frames received, oldest first (read or not).
    pub(super) recent: VecDeque<ServerFrame>,
}

/// Applies a frame to the component states, settles its request, and logs it.
pub(super) fn receive(
    shared: &Mutex<Shared>,
    frames: &mpsc::Sender<ServerFrame>,
    frame: ServerFrame,
) {
    {
        let mut shared = lock(shared);
        if shared.recent.len() == RECENT_FRAMES {
            shared.recent.pop_front();
        }
        shared.recent.push_back(frame.clone());
        let ServerFrame::Json(frame) = &frame else {
            drop(shared);
            let _ = frames.try_send(frame);
            return;
        };
        let component = frame.get("componentId").and_then(Value::as_str);
        let payload = frame.get("payload");
        match (frame_kind(frame), component, payload) {
            (
                Some(ServerKind::StateUpdate | ServerKind::StateRehydrated),
                Some(id),
                Some(payload),
            ) => {
                if let Some(state) = payload.get("state") {
                    shared.states.insert(id.to_owned(), state.clone());
                }
                if let Some(signed) = payload.get("signedState") {
                    shared.signed.insert(id.to_owned(), signed.clone());
                }
            }
            (Some(ServerKind::StateSignature), Some(id), Some(payload)) => {
                if let Some(signed) = payload.get("signedState") {
                    shared.signed.insert(id.to_owned(), signed.clone());
                }
            }
            (Some(ServerKind::StateDelta), Some(id), Some(payload)) => {
                if let (Some(state), Some(delta)) =
                    (shared.states.get_mut(id), payload.get("delta"))
                {
                    apply_delta(state, delta);
                }
            }
            _ => {}
        }
        if let Some(request_id) = frame.get("requestId").and_then(Value::as_str)
            && let Some(waiting) = shared.pending.remove(request_id)
        {
            let _ = waiting.send(frame.clone());
        }
    }
    if frames.try_send(frame).is_err() {
        tracing::debug!("client frame log full; dropping a frame");
    }
}

/// Applies a binary delta (`0x01`) to its component's state when the client knows the
/// component's fields, then logs the frame. Frames it cannot decode are logged untouched.
pub(super) fn receive_binary(
    shared: &Mutex<Shared>,
    frames: &mpsc::Sender<ServerFrame>,
    bytes: Bytes,
) {
    {
        let mut shared = lock(shared);
        let Shared {
            states,
            binary_fields,
            ..
        } = &mut *shared;
        let decoded = decode_frame(&bytes).ok().and_then(|(id, payload)| {
            let fields = binary_fields.get(id)?;
            Some(decode_payload(fields, payload).map(|delta| (id, Value::Object(delta))))
        });
        match decoded {
            Some(Ok((id, delta))) => {
                if let Some(state) = states.get_mut(id) {
                    apply_delta(state, &delta);
                }
            }
            Some(Err(error)) => tracing::warn!(%error, "undecodable binary delta"),
            None => {}
        }
    }
    receive(shared, frames, ServerFrame::Binary(bytes));
}
