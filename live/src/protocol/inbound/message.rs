//! The validated result of one text frame: the limits, the [`Envelope`] and the typed
//! [`ClientMessage`].

use serde_json::{Map, Value};

/// Default `maxMessageSize` (§14.1): 4 MiB.
pub(crate) const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// Default `maxJsonDepth` (§14.1).
pub(crate) const DEFAULT_MAX_JSON_DEPTH: usize = 32;

/// Limits applied to every inbound text frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InboundLimits {
    /// Largest accepted frame, in UTF-8 bytes (`maxMessageSize`).
    pub(crate) max_message_bytes: usize,
    /// Deepest accepted bracket nesting (`maxJsonDepth`); `None` disables the check
    /// (serde_json's own recursion limit of 128 still refuses deeper text as
    /// "Invalid JSON", so the parser cannot overflow the stack).
    pub(crate) max_json_depth: Option<usize>,
}

impl Default for InboundLimits {
    /// 4 MiB and depth 32, the upstream defaults.
    fn default() -> Self {
        Self {
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_json_depth: Some(DEFAULT_MAX_JSON_DEPTH),
        }
    }
}

/// One validated client message with the envelope fields the server uses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Envelope {
    /// Envelope `componentId` (a string when present; for PING only kept if it is one).
    pub(crate) component_id: Option<String>,
    /// Envelope `requestId` (a string when present; for PING only kept if it is one).
    pub(crate) request_id: Option<String>,
    /// Envelope `expectResponse`; `false` when absent.
    pub(crate) expect_response: bool,
    /// The typed message body.
    pub(crate) message: ClientMessage,
}

/// The accepted client message types (§3 step 9, §4.2) and their validated fields.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ClientMessage {
    /// `PING` heartbeat: no reply, nothing validated.
    Ping,
    /// `AUTH` with its optional credentials object.
    Auth {
        /// The credentials (`token`, `provider`, …), sanitized.
        payload: Option<Map<String, Value>>,
    },
    /// `COMPONENT_MOUNT`. `payload.userId`/`payload.debugLabel` are checked but dropped.
    Mount {
        /// Registry name (`payload.component`).
        component: String,
        /// Initial props (`payload.props`), sanitized.
        props: Option<Map<String, Value>>,
        /// Default room (`payload.room`).
        room: Option<String>,
    },
    /// `COMPONENT_UNMOUNT`; the envelope's `component_id` is guaranteed `Some`.
    Unmount,
    /// `COMPONENT_REHYDRATE`; the envelope's `component_id` (the old id) is `Some`.
    ///
    /// The §9.2 shape check of `signedState` belongs to the signed-state code, so the
    /// runtime runs it; a failure is refused with [`InboundError::malformed_signed_state`](super::error::InboundError::malformed_signed_state).
    /// Upstream checks `payload.room` and `payload.userId` after that shape, so their
    /// refusal waits in `room` until the shape check passed.
    Rehydrate {
        /// Registry name (`payload.component`).
        component: String,
        /// `payload.signedState` as sent (`Null` when absent), not yet shape-checked.
        signed_state: Value,
        /// Default room (`payload.room`), or the reason `payload.room` or
        /// `payload.userId` is invalid (see [`InboundError::invalid`](super::error::InboundError::invalid)).
        room: Result<Option<String>, &'static str>,
    },
    /// `CALL_ACTION`; the envelope's `component_id` is guaranteed `Some`.
    CallAction {
        /// Action name (may be empty; the action security checks refuse it).
        action: String,
        /// Any JSON, sanitized; `Null` when absent.
        payload: Value,
    },
    /// `PROPERTY_UPDATE`; the envelope's `component_id` is guaranteed `Some`.
    PropertyUpdate {
        /// The top-level state key to write.
        property: String,
        /// The new value (`payload.value`), sanitized.
        value: Value,
    },
    /// `ROOM_JOIN` (the envelope's `component_id` may be `None`: "Component not found" later).
    RoomJoin {
        /// The non-empty room id (format not checked here).
        room_id: String,
        /// `payload.initialState` as sent; used only if it is an object.
        initial_state: Option<Value>,
    },
    /// `ROOM_LEAVE`.
    RoomLeave {
        /// The non-empty room id.
        room_id: String,
    },
    /// `ROOM_EMIT`.
    RoomEmit {
        /// The non-empty room id.
        room_id: String,
        /// Event name (`payload.event`).
        event: String,
        /// Event data (`payload.data`); `Null` when absent.
        data: Value,
    },
    /// `ROOM_STATE_SET`.
    RoomStateSet {
        /// The non-empty room id.
        room_id: String,
        /// The partial room state (`payload.state`), sanitized.
        state: Map<String, Value>,
    },
    /// `ROOM_STATE_GET`.
    RoomStateGet {
        /// The non-empty room id.
        room_id: String,
    },
    /// `FILE_UPLOAD_START` / `_CHUNK` / `_COMPLETE`: only the envelope is checked here.
    FileUpload {
        /// Which upload message it is.
        kind: FileUploadKind,
        /// Every top-level field except `type`, `componentId`, `requestId` and
        /// `expectResponse` (those are in the [`Envelope`]), in frame order;
        /// `payload`, if any, sanitized.
        fields: Map<String, Value>,
    },
}

/// The three JSON file-upload message types (§15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileUploadKind {
    /// `FILE_UPLOAD_START`.
    Start,
    /// `FILE_UPLOAD_CHUNK` (JSON variant, base64 data).
    Chunk,
    /// `FILE_UPLOAD_COMPLETE`.
    Complete,
}
