//! [`InboundError`]: why a text frame was refused, and the exact reply frame of §3.

use std::fmt;

use serde_json::{Map, Value};

use super::reason;
use crate::protocol::kinds::ServerKind;
use crate::protocol::refusal::Refusal;

/// Why a text frame was refused; [`reply`](Self::reply) gives the frame to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InboundError {
    /// "Message too large". We measure UTF-8 **bytes**; the TS server measures UTF-16
    /// code units, which are never more than the bytes, so a frame with non-ASCII text
    /// can be refused here a little below the point where TS would refuse it.
    TooLarge,
    /// "JSON nesting too deep (max N)" from the pre-parse bracket scan.
    TooDeep {
        /// The configured limit, printed in the message.
        max: usize,
    },
    /// "Invalid JSON". serde_json is stricter than `JSON.parse` in two corners:
    /// lone UTF-16 surrogate escapes (`"\ud800"`) and numbers beyond f64 range
    /// (`1e400`, which JS reads as `Infinity`) are refused here.
    InvalidJson,
    /// "Invalid message: expected object" — the frame is JSON but not an object.
    /// Separate from [`Invalid`](Self::Invalid) because upstream sends this one
    /// without `success` and without echoes (§3 step 6).
    NotObject,
    /// `Invalid message: <reason>` from the shape validation.
    Invalid {
        /// One of the §3 reasons.
        reason: String,
        /// The frame's `componentId`, only if it was a string.
        component_id: Option<String>,
        /// The frame's `requestId`, only if it was a string.
        request_id: Option<String>,
    },
    /// A string `type` that is not an accepted client type.
    UnknownType {
        /// The frame's `componentId` (a string when present).
        component_id: Option<String>,
        /// The frame's `requestId` (a string when present).
        request_id: Option<String>,
    },
}

impl InboundError {
    /// `Invalid message: <reason>`, echoing the frame's string ids.
    pub(crate) fn invalid(
        reason: &str,
        component_id: Option<&str>,
        request_id: Option<&str>,
    ) -> Self {
        Self::Invalid {
            reason: reason.to_owned(),
            component_id: component_id.map(str::to_owned),
            request_id: request_id.map(str::to_owned),
        }
    }

    /// A `COMPONENT_REHYDRATE` whose `signedState` fails the §9.2 shape check.
    pub(crate) fn malformed_signed_state(
        component_id: Option<&str>,
        request_id: Option<&str>,
    ) -> Self {
        Self::invalid(reason::SIGNED_STATE, component_id, request_id)
    }

    /// The exact reply frame of §3; fields that do not apply are absent (not `null`).
    pub(crate) fn reply(&self) -> Value {
        let mut map = Map::new();
        match self {
            Self::TooLarge | Self::TooDeep { .. } | Self::InvalidJson | Self::NotObject => {
                map.insert("type".to_owned(), Value::from(ServerKind::Error.as_str()));
                map.insert("error".to_owned(), Value::String(self.to_string()));
            }
            Self::Invalid {
                component_id,
                request_id,
                ..
            }
            | Self::UnknownType {
                component_id,
                request_id,
            } => {
                let kind = match self {
                    Self::UnknownType { .. } => ServerKind::MessageResponse,
                    _ => ServerKind::Error,
                };
                map.insert("type".to_owned(), Value::from(kind.as_str()));
                if let Some(id) = component_id {
                    map.insert("componentId".to_owned(), Value::String(id.clone()));
                }
                map.insert("success".to_owned(), Value::Bool(false));
                map.insert("error".to_owned(), Value::String(self.to_string()));
                if let Some(id) = request_id {
                    map.insert("requestId".to_owned(), Value::String(id.clone()));
                }
            }
        }
        Value::Object(map)
    }
}

impl fmt::Display for InboundError {
    /// The reply's `error` text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => Refusal::MessageTooLarge.fmt(f),
            Self::TooDeep { max } => write!(f, "JSON nesting too deep (max {max})"),
            Self::InvalidJson => f.write_str("Invalid JSON"),
            Self::NotObject => f.write_str("Invalid message: expected object"),
            Self::Invalid { reason, .. } => write!(f, "Invalid message: {reason}"),
            Self::UnknownType { .. } => f.write_str("Unknown message type"),
        }
    }
}

impl std::error::Error for InboundError {}
