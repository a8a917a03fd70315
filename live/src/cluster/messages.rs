//! Messages to a singleton, forwarded to the server that owns it (see
//! [`ClusterAdapter::forward_message`](super::ClusterAdapter::forward_message)).

use super::ClusterError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// A message for a singleton, sent from any server to its owner
/// (`<prefix>actions:{instanceId}` of the owner, next to forwarded actions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRequest {
    /// Matches the response to the request (unique per source instance).
    pub request_id: String,
    /// The sending server.
    pub source_instance_id: String,
    /// The owner it is meant for.
    pub target_instance_id: String,
    /// The owner's component id.
    pub component_id: String,
    /// The singleton's name.
    pub component_name: String,
    /// The message type key the owner's runtime uses to pick the decoder.
    pub message_type: String,
    /// The typed message, serialized by the runtime.
    pub payload: Value,
}

/// The owner's answer to a [`MessageRequest`]: whether the singleton took the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageResponse {
    /// The request's id.
    pub request_id: String,
    /// The singleton accepted the message.
    pub delivered: bool,
    /// Why it did not (e.g. the singleton is not running on that server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl MessageResponse {
    /// The message reached the singleton.
    pub fn delivered(request_id: impl Into<String>) -> Self {
        Self {
            request_id: request_id.into(),
            delivered: true,
            error: None,
        }
    }

    /// The message was not delivered, because of `error`.
    pub fn failure(request_id: impl Into<String>, error: impl Into<String>) -> Self {
        Self {
            request_id: request_id.into(),
            delivered: false,
            error: Some(error.into()),
        }
    }
}

/// The error of a forwarded message whose owner did not answer within `timeout`.
pub(crate) fn message_timeout(timeout: Duration) -> ClusterError {
    ClusterError::Timeout(format!(
        "Cluster message timeout after {}ms",
        timeout.as_millis()
    ))
}
