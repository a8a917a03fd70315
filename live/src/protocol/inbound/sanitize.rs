//! Dropping reserved keys from `payload` (§14.3) before anything reads it.

use serde_json::Value;

use crate::protocol::js::is_reserved_key;

/// Deepest level of `payload` whose object keys are sanitized (§14.3); the payload
/// itself is level 0. Fixed, like upstream: it does not follow `max_json_depth`.
const SANITIZE_MAX_DEPTH: usize = 32;

/// Recursively drops [`RESERVED_KEYS`](crate::protocol::js::RESERVED_KEYS) from objects,
/// including objects inside arrays, down to [`SANITIZE_MAX_DEPTH`] (deeper values are left as they are).
pub(super) fn sanitize(value: &mut Value, depth: usize) {
    if depth > SANITIZE_MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            map.retain(|key, _| !is_reserved_key(key));
            for child in map.values_mut() {
                sanitize(child, depth + 1);
            }
        }
        Value::Array(items) => {
            for item in items {
                sanitize(item, depth + 1);
            }
        }
        _ => {}
    }
}
