//! A digest of a room copy (state and presence list) that a follower sends with its
//! heartbeat roster: the owner compares it with its own and re-publishes the room when they
//! differ, so a copy that missed an outcome (pub/sub delivers at most once) heals within a
//! heartbeat instead of waiting for the next join.

use super::actor::RoomActor;
use super::kinds::RoomKind;
use super::presence::Presence;
use super::wire::Outcome;
use serde_json::Value;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

impl<K: RoomKind> RoomActor<K> {
    /// The digest of this server's copy of the room.
    pub(super) fn copy_digest(&self) -> u64 {
        let presence = self.presence.as_ref().map_or(Value::Null, Presence::state);
        digest(&self.synced, &presence)
    }

    /// Owner: a follower's roster came with the digest of its copy; when it differs from the
    /// owner's, the whole room (state, presence list) is published again, at most once per
    /// heartbeat however many followers differ. A follower that was merely behind (an
    /// outcome in flight) applies it without a change.
    pub(super) fn resync_if_stale(&mut self, theirs: Option<u64>) {
        let Some(theirs) = theirs else {
            return;
        };
        if theirs == self.copy_digest() {
            return;
        }
        let Some(cluster) = &mut self.cluster else {
            return;
        };
        if cluster.resynced {
            return;
        }
        cluster.resynced = true;
        tracing::info!(room = %self.id, "a follower's copy differs; publishing the room again");
        let state = self.synced.clone();
        self.share(|| Outcome::Replace { state });
        if self.presence.is_some() {
            let entries = self.presence_list();
            self.share(|| Outcome::Presence { entries });
        }
    }
}

/// The digest of `state` and `presence`, the same for equal JSON values whatever their
/// objects' key order. (`DefaultHasher::new` is fixed within a build; servers built
/// differently only re-publish more often.)
pub(super) fn digest(state: &Value, presence: &Value) -> u64 {
    let mut hasher = DefaultHasher::new();
    feed(state, &mut hasher);
    feed(presence, &mut hasher);
    hasher.finish()
}

fn feed(value: &Value, hasher: &mut DefaultHasher) {
    match value {
        Value::Null => 0u8.hash(hasher),
        Value::Bool(flag) => (1u8, flag).hash(hasher),
        Value::Number(number) => (2u8, number.to_string()).hash(hasher),
        Value::String(text) => (3u8, text).hash(hasher),
        Value::Array(items) => {
            (4u8, items.len()).hash(hasher);
            for item in items {
                feed(item, hasher);
            }
        }
        Value::Object(map) => {
            (5u8, map.len()).hash(hasher);
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            for (key, item) in entries {
                key.hash(hasher);
                feed(item, hasher);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::digest;
    use serde_json::json;

    #[test]
    fn equal_values_agree_whatever_the_key_order() {
        let a = json!({"count": 1, "list": [1, {"x": 1, "y": "z"}]});
        let b = json!({"list": [1, {"y": "z", "x": 1}], "count": 1});
        assert_eq!(digest(&a, &json!(null)), digest(&b, &json!(null)));
    }

    #[test]
    fn any_difference_shows() {
        let base = json!({"count": 1, "list": [1, 2]});
        let digests = [
            digest(&base, &json!(null)),
            digest(&json!({"count": 2, "list": [1, 2]}), &json!(null)),
            digest(&json!({"count": 1, "list": [2, 1]}), &json!(null)),
            digest(
                &json!({"count": 1, "list": [1, 2], "extra": null}),
                &json!(null),
            ),
            digest(&base, &json!({"entries": []})),
            digest(&json!({"count": "1", "list": [1, 2]}), &json!(null)),
        ];
        for (i, a) in digests.iter().enumerate() {
            for b in digests.iter().skip(i + 1) {
                assert_ne!(a, b);
            }
        }
    }
}
