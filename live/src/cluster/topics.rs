//! Topics: named channels that any server publishes to and that every server watching them
//! receives (see [`ClusterAdapter::publish_topic`](super::ClusterAdapter::publish_topic)).

use super::ClusterError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The longest topic name accepted by [`validate_topic`], in characters.
pub const MAX_TOPIC_CHARS: usize = 128;

/// A message published to a topic, as it travels between servers (`<prefix>topic:{topic}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicMessage {
    /// The topic (checked by [`validate_topic`]).
    pub topic: String,
    /// The message type key the runtime uses to pick the decoder on the receiving side.
    pub message_type: String,
    /// The typed message, serialized by the runtime.
    pub payload: Value,
    /// The publishing server. Informational: adapters leave out the publisher by their own
    /// instance id, not by this field.
    pub source_instance_id: String,
}

/// Checks a topic name: 1 to [`MAX_TOPIC_CHARS`] characters, none of them whitespace or
/// control characters. The one rule for topic names, shared by the runtime and adapters.
pub fn validate_topic(topic: &str) -> Result<(), ClusterError> {
    let invalid = |reason: &str| Err(ClusterError::InvalidTopic(format!("{topic:?}: {reason}")));
    if topic.is_empty() {
        return invalid("empty");
    }
    if topic.chars().count() > MAX_TOPIC_CHARS {
        return invalid(&format!("longer than {MAX_TOPIC_CHARS} characters"));
    }
    if topic.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid("contains whitespace or control characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_are_bounded_and_printable() {
        for good in [
            "t",
            "chat:general",
            "scores/eu-west.1",
            "élan",
            &"x".repeat(128),
        ] {
            assert!(validate_topic(good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            "a b",
            "tab\there",
            "new\nline",
            "nul\0",
            &"x".repeat(129),
        ] {
            assert!(
                matches!(validate_topic(bad), Err(ClusterError::InvalidTopic(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_long_name_is_refused_with_a_readable_reason() {
        let error = validate_topic(&"é".repeat(129))
            .err()
            .map(|e| e.to_string());
        assert!(
            error.is_some_and(|text| text.contains("longer than 128 characters")),
            "reason names the bound"
        );
    }
}
