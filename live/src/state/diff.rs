//! Exact state deltas (protocol reference §8.2–§8.4).
//!
//! Upstream diffs object levels 0–3 and sends deeper objects whole; the client then
//! MERGES such a whole object into its copy, leaving stale keys behind. Here every
//! object level is diffed, and a change that the client's merge cannot reproduce
//! exactly is reported as [`StateChange::Replace`] so the caller sends the full state.

use serde_json::{Map, Value};

/// How a state changed, in terms the client can apply.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StateChange {
    /// Nothing to send.
    Unchanged,
    /// A `STATE_DELTA` payload (always a JSON object) that [`apply_delta`] turns the
    /// old state into the new one with.
    Delta(Value),
    /// Not expressible as a delta: send the full state (`STATE_UPDATE`).
    Replace,
}

/// Computes the delta that takes `old` to `new`.
///
/// - Both must be objects, else [`StateChange::Replace`] (or `Unchanged` if equal).
/// - Equal values are skipped; two objects are diffed key by key at every depth;
///   anything else (arrays included, compared by value) is sent whole.
/// - Keys removed below the top level become `null` (the client deletes them).
/// - `Replace` when a top-level key was removed (a top-level `null` would *set*
///   `null`, not delete), when a nested value becomes `null` (it would delete the
///   key), and when a value sent whole is an object with a `null` anywhere under it
///   through objects (a client merging it would turn those into deletions). Nulls
///   inside arrays are fine: arrays are replaced, never merged.
/// - Delta keys follow the key order of `new`; deletions come after them.
pub(crate) fn diff_states(old: &Value, new: &Value) -> StateChange {
    let (Value::Object(old_map), Value::Object(new_map)) = (old, new) else {
        return if old == new {
            StateChange::Unchanged
        } else {
            StateChange::Replace
        };
    };
    if !same_keys_in_order(old_map, new_map) && old_map.keys().any(|key| !new_map.contains_key(key))
    {
        return StateChange::Replace;
    }
    match diff_objects(old_map, new_map, 0) {
        None => StateChange::Replace,
        Some(delta) if delta.is_empty() => StateChange::Unchanged,
        Some(delta) => StateChange::Delta(Value::Object(delta)),
    }
}

/// Diffs two objects at `depth` (0 = the state itself); `None` when some change is
/// not expressible. Top-level removals are handled by the caller.
pub(super) fn diff_objects(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    depth: usize,
) -> Option<Map<String, Value>> {
    let mut delta = Map::new();
    // A struct serializes its fields in the same order every time: the old value is
    // usually the one at the same position, found without hashing the key.
    let mut old_in_order = old.iter();
    for (key, new_value) in new {
        let old_value = match old_in_order.next() {
            Some((old_key, old_value)) if old_key == key => Some(old_value),
            _ => old.get(key),
        };
        match (old_value, new_value) {
            (Some(Value::Object(old_child)), Value::Object(new_child)) => {
                let child = diff_objects(old_child, new_child, depth + 1)?;
                if !child.is_empty() {
                    delta.insert(key.clone(), Value::Object(child));
                }
            }
            (Some(old_value), _) if old_value == new_value => {}
            _ => {
                if !sendable_whole(new_value, depth) {
                    return None;
                }
                delta.insert(key.clone(), new_value.clone());
            }
        }
    }
    if depth > 0 && !same_keys_in_order(old, new) {
        for key in old.keys() {
            if !new.contains_key(key) {
                delta.insert(key.clone(), Value::Null);
            }
        }
    }
    Some(delta)
}

/// Whether both maps have the same keys in the same order (then no key was removed).
fn same_keys_in_order(old: &Map<String, Value>, new: &Map<String, Value>) -> bool {
    old.len() == new.len() && old.keys().zip(new.keys()).all(|(a, b)| a == b)
}

/// Whether `value`, sent whole at `depth`, arrives unchanged through the client's merge.
pub(super) fn sendable_whole(value: &Value, depth: usize) -> bool {
    match value {
        Value::Null => depth == 0,
        Value::Object(map) => !has_null_through_objects(map),
        _ => true,
    }
}

/// Whether a `null` sits in `map` or in an object nested in it (not looking into arrays).
fn has_null_through_objects(map: &Map<String, Value>) -> bool {
    map.values().any(|value| match value {
        Value::Null => true,
        Value::Object(child) => has_null_through_objects(child),
        _ => false,
    })
}

/// Applies a delta the way the client does (§8.2): top-level `null` sets `null`,
/// nested `null` deletes the key, two objects merge recursively, anything else
/// replaces (a replacing object is taken as is). A non-object `delta` is ignored;
/// a non-object `state` first becomes `{}`.
pub(crate) fn apply_delta(state: &mut Value, delta: &Value) {
    let Value::Object(delta) = delta else {
        return;
    };
    if !state.is_object() {
        *state = Value::Object(Map::new());
    }
    let Value::Object(target) = state else {
        return;
    };
    for (key, value) in delta {
        if value.is_null() {
            target.insert(key.clone(), Value::Null);
        } else {
            assign(target, key, value);
        }
    }
}

/// Merges one non-`null` delta entry into `target`.
fn assign(target: &mut Map<String, Value>, key: &str, value: &Value) {
    match (target.get_mut(key), value) {
        (Some(Value::Object(existing)), Value::Object(delta)) => merge_nested(existing, delta),
        _ => {
            target.insert(key.to_owned(), value.clone());
        }
    }
}

/// Merges a nested delta object, where `null` means "delete this key".
fn merge_nested(target: &mut Map<String, Value>, delta: &Map<String, Value>) {
    for (key, value) in delta {
        if value.is_null() {
            target.shift_remove(key);
        } else {
            assign(target, key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{StateChange, apply_delta, diff_states};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// Applies `delta` to a copy of `old`.
    fn applied(old: &Value, delta: &Value) -> Value {
        let mut state = old.clone();
        apply_delta(&mut state, delta);
        state
    }

    /// Asserts that `old → new` gives exactly `expected` and that it round-trips.
    fn assert_delta(old: Value, new: Value, expected: Value) {
        assert_eq!(
            diff_states(&old, &new),
            StateChange::Delta(expected.clone())
        );
        assert_eq!(applied(&old, &expected), new);
    }

    #[test]
    fn reference_players_example() {
        // §8.3: p1.x changes, p2 disappears from the nested object.
        assert_delta(
            json!({"players": {"p1": {"x": 1, "y": 1}, "p2": {"x": 5, "y": 5}}}),
            json!({"players": {"p1": {"x": 2, "y": 1}}}),
            json!({"players": {"p1": {"x": 2}, "p2": null}}),
        );
    }

    #[test]
    fn reference_delta_example() {
        // §8.2 sample delta shape.
        assert_delta(
            json!({"count": 2, "players": {"p1": {"x": 1}, "p2": {"x": 3}}}),
            json!({"count": 3, "players": {"p1": {"x": 10}}}),
            json!({"count": 3, "players": {"p1": {"x": 10}, "p2": null}}),
        );
    }

    #[test]
    fn unchanged() {
        let state = json!({"a": 1, "b": {"c": [1, null, {"d": null}]}, "e": null});
        assert_eq!(diff_states(&state, &state.clone()), StateChange::Unchanged);
        assert_eq!(diff_states(&json!({}), &json!({})), StateChange::Unchanged);
        assert_eq!(diff_states(&json!(3), &json!(3)), StateChange::Unchanged);
    }

    #[test]
    fn non_objects_replace() {
        assert_eq!(diff_states(&json!([1]), &json!([2])), StateChange::Replace);
        assert_eq!(diff_states(&json!({}), &json!(null)), StateChange::Replace);
        assert_eq!(
            diff_states(&json!(null), &json!({"a": 1})),
            StateChange::Replace
        );
    }

    #[test]
    fn top_level_null_is_a_value() {
        assert_delta(
            json!({"a": 1, "b": 2}),
            json!({"a": null, "b": 2}),
            json!({"a": null}),
        );
    }

    #[test]
    fn top_level_removal_replaces() {
        assert_eq!(
            diff_states(&json!({"a": 1, "b": 2}), &json!({"b": 2})),
            StateChange::Replace
        );
    }

    #[test]
    fn new_top_level_key_is_added() {
        assert_delta(
            json!({"a": 1}),
            json!({"a": 1, "b": {"c": 1}}),
            json!({"b": {"c": 1}}),
        );
    }

    #[test]
    fn nested_null_replaces() {
        assert_eq!(
            diff_states(&json!({"a": {"b": 1}}), &json!({"a": {"b": null}})),
            StateChange::Replace
        );
        assert_eq!(
            diff_states(&json!({"a": {}}), &json!({"a": {"b": null}})),
            StateChange::Replace
        );
    }

    #[test]
    fn whole_object_with_inner_null_replaces() {
        // Sent whole at the top level…
        assert_eq!(
            diff_states(&json!({"a": 1}), &json!({"a": {"b": {"c": null}}})),
            StateChange::Replace
        );
        // …and at a nested position.
        assert_eq!(
            diff_states(&json!({"a": {"b": 1}}), &json!({"a": {"b": {"c": null}}})),
            StateChange::Replace
        );
    }

    #[test]
    fn nulls_inside_arrays_are_fine() {
        assert_delta(
            json!({"a": {"list": [1]}}),
            json!({"a": {"list": [null, {"x": null}]}}),
            json!({"a": {"list": [null, {"x": null}]}}),
        );
    }

    #[test]
    fn arrays_are_compared_by_value_and_sent_whole() {
        assert_eq!(
            diff_states(&json!({"a": [1, {"b": 2}]}), &json!({"a": [1, {"b": 2}]})),
            StateChange::Unchanged
        );
        assert_delta(
            json!({"a": [1, 2, 3]}),
            json!({"a": [1, 2]}),
            json!({"a": [1, 2]}),
        );
    }

    #[test]
    fn deep_levels_are_diffed_exactly() {
        // Beyond upstream's depth 3, a removed key still becomes a deletion.
        assert_delta(
            json!({"a": {"b": {"c": {"d": {"e": 1, "f": 2}}}}}),
            json!({"a": {"b": {"c": {"d": {"e": 1}}}}}),
            json!({"a": {"b": {"c": {"d": {"f": null}}}}}),
        );
    }

    #[test]
    fn object_replacing_a_scalar_is_sent_whole() {
        assert_delta(
            json!({"a": {"b": 1}}),
            json!({"a": {"b": {"c": 1}}}),
            json!({"a": {"b": {"c": 1}}}),
        );
        assert_delta(
            json!({"a": {"b": {"c": 1}}}),
            json!({"a": {"b": 7}}),
            json!({"a": {"b": 7}}),
        );
    }

    #[test]
    fn delta_follows_new_key_order() {
        let old = json!({"a": 1, "b": 1, "c": {"x": 1, "y": 1}});
        let new = json!({"c": {"y": 2}, "b": 2, "a": 2});
        let StateChange::Delta(delta) = diff_states(&old, &new) else {
            panic!("expected a delta");
        };
        assert_eq!(delta.to_string(), r#"{"c":{"y":2,"x":null},"b":2,"a":2}"#);
    }

    #[test]
    fn keys_in_the_same_order_and_keys_that_moved_give_the_same_delta() {
        // Same positions: the old value is found by position.
        assert_delta(
            json!({"a": 1, "b": {"x": 1, "y": 1}}),
            json!({"a": 1, "b": {"x": 1, "y": 2}}),
            json!({"b": {"y": 2}}),
        );
        // One key renamed at the same position: found by name, not taken by position.
        assert_delta(
            json!({"a": 1, "b": {"x": 1, "y": 1}}),
            json!({"a": 1, "b": {"x": 1, "z": 1}}),
            json!({"b": {"z": 1, "y": null}}),
        );
        // Same keys, other order, nothing changed.
        assert_eq!(
            diff_states(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})),
            StateChange::Unchanged
        );
        // A top-level key renamed at the same position is a removal.
        assert_eq!(
            diff_states(&json!({"a": 1, "b": 2}), &json!({"a": 1, "c": 2})),
            StateChange::Replace
        );
    }

    #[test]
    fn apply_delta_rules() {
        let mut state = json!({"a": 1, "o": {"k": 1, "m": {"z": 1}}, "s": "x"});
        apply_delta(
            &mut state,
            &json!({"a": null, "o": {"k": null, "m": {"y": 2}, "n": [null]}, "s": {"t": null}}),
        );
        assert_eq!(
            state,
            json!({"a": null, "o": {"m": {"z": 1, "y": 2}, "n": [null]}, "s": {"t": null}})
        );
        // Non-object inputs.
        let mut scalar = json!(5);
        apply_delta(&mut scalar, &json!({"a": 1}));
        assert_eq!(scalar, json!({"a": 1}));
        let mut untouched = json!({"a": 1});
        apply_delta(&mut untouched, &json!([1]));
        assert_eq!(untouched, json!({"a": 1}));
    }

    /// Leaf values; `with_null` decides whether `null` can appear.
    fn leaf(with_null: bool) -> BoxedStrategy<Value> {
        let scalars = prop_oneof![
            any::<bool>().prop_map(Value::from),
            (-3i64..3).prop_map(Value::from),
            "[a-c]{0,2}".prop_map(Value::from),
        ];
        if with_null {
            prop_oneof![1 => Just(Value::Null), 4 => scalars].boxed()
        } else {
            scalars.boxed()
        }
    }

    /// JSON values up to depth 4 with keys from a small set, so old/new overlap a lot.
    fn json_value(with_null: bool) -> BoxedStrategy<Value> {
        leaf(with_null)
            .prop_recursive(4, 48, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                    prop::collection::btree_map("[a-e]", inner, 0..4)
                        .prop_map(|map| Value::Object(map.into_iter().collect())),
                ]
            })
            .boxed()
    }

    /// A random state object.
    fn state(with_null: bool) -> BoxedStrategy<Value> {
        prop::collection::btree_map("[a-e]", json_value(with_null), 0..5)
            .prop_map(|map| Value::Object(map.into_iter().collect()))
            .boxed()
    }

    /// Two states sharing structure: `new` is `old` with some keys overwritten or
    /// dropped, recursively, which exercises the nested paths far more than two
    /// independent random states would.
    fn mutated(old: Value, with_null: bool, drop_top_level: bool) -> BoxedStrategy<(Value, Value)> {
        (Just(old.clone()), mutate(old, with_null, drop_top_level)).boxed()
    }

    /// Randomly edits `value`: per key keep, recurse, replace or (when allowed) drop.
    fn mutate(value: Value, with_null: bool, allow_drop: bool) -> BoxedStrategy<Value> {
        match value {
            Value::Object(map) => {
                let entries: Vec<BoxedStrategy<Option<(String, Value)>>> = map
                    .into_iter()
                    .map(|(key, child)| {
                        let kept = Just(Some((key.clone(), child.clone())));
                        let key2 = key.clone();
                        let edited = mutate(child, with_null, true)
                            .prop_map(move |c| Some((key2.clone(), c)));
                        let key3 = key.clone();
                        let replaced =
                            json_value(with_null).prop_map(move |c| Some((key3.clone(), c)));
                        if allow_drop {
                            prop_oneof![3 => kept, 3 => edited, 2 => replaced, 1 => Just(None)]
                                .boxed()
                        } else {
                            prop_oneof![3 => kept, 3 => edited, 2 => replaced].boxed()
                        }
                    })
                    .collect();
                let extra = prop::collection::btree_map("[f-g]", json_value(with_null), 0..2);
                (entries, extra)
                    .prop_map(|(entries, extra)| {
                        let mut out: serde_json::Map<String, Value> =
                            entries.into_iter().flatten().collect();
                        out.extend(extra);
                        Value::Object(out)
                    })
                    .boxed()
            }
            other => prop_oneof![Just(other), json_value(with_null)].boxed(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn delta_round_trips_on_independent_states(old in state(true), new in state(true)) {
            if let StateChange::Delta(delta) = diff_states(&old, &new) {
                prop_assert!(delta.is_object());
                prop_assert_eq!(applied(&old, &delta), new);
            }
        }

        #[test]
        fn delta_round_trips_on_related_states(
            (old, new) in state(true).prop_flat_map(|old| mutated(old, true, true))
        ) {
            match diff_states(&old, &new) {
                StateChange::Delta(delta) => prop_assert_eq!(applied(&old, &delta), new),
                StateChange::Unchanged => prop_assert_eq!(old, new),
                StateChange::Replace => prop_assert_ne!(old, new),
            }
        }

        #[test]
        fn diff_with_itself_is_unchanged(value in state(true)) {
            prop_assert_eq!(diff_states(&value, &value.clone()), StateChange::Unchanged);
        }

        #[test]
        fn no_nulls_and_no_top_level_removal_never_replaces(
            (old, new) in state(false).prop_flat_map(|old| mutated(old, false, false))
        ) {
            match diff_states(&old, &new) {
                StateChange::Delta(delta) => prop_assert_eq!(applied(&old, &delta), new),
                StateChange::Unchanged => prop_assert_eq!(old, new),
                StateChange::Replace => prop_assert!(false, "unexpected Replace: {} -> {}", old, new),
            }
        }

        #[test]
        fn no_nulls_and_no_top_level_removal_never_replaces_independent(
            old in state(false), new in state(false)
        ) {
            // Keep every old top-level key so only the documented cases are excluded.
            let mut new = new;
            if let (Value::Object(old_map), Value::Object(new_map)) = (&old, &mut new) {
                for (key, value) in old_map {
                    new_map.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
            let change = diff_states(&old, &new);
            prop_assert_ne!(&change, &StateChange::Replace);
            if let StateChange::Delta(delta) = change {
                prop_assert_eq!(applied(&old, &delta), new);
            }
        }
    }
}
