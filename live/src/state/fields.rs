//! The delta of a struct's state, found field by field against the JSON the viewers have,
//! without serializing the whole struct to a new `Value` first.
//!
//! A field whose value is a plain scalar (number, string, bool, unit, unit variant, or an
//! `Option` or newtype of one) is compared with its old JSON without being serialized;
//! any other field is serialized on its own and compared. Only changed fields become new
//! `Value`s. The result is the same as [`diff_states`](super::diff::diff_states) against
//! the whole struct's `Value`; when the struct does not serialize as the same plain list
//! of fields as the old JSON (a map, a flattened or a skipped field, another order), the
//! caller falls back to that.

use serde::Serialize;
use serde::ser::{self, Impossible, SerializeStruct};
use serde_json::{Map, Value};
use std::fmt;

use super::diff::{diff_objects, sendable_whole};

/// A changed top-level field: its position in the old JSON, its key and its new value.
pub(crate) type ChangedField = (usize, &'static str, Value);

/// How the state changed, found field by field.
#[derive(Debug, PartialEq)]
pub(crate) enum FieldChanges {
    /// The struct is not the plain list of fields `synced` holds: diff the whole state.
    NotComparable,
    /// These fields changed (none: the state is unchanged).
    Changed(Vec<ChangedField>),
}

/// Compares `state`'s top-level fields with `synced`, the JSON viewers have.
pub(crate) fn changed_fields(state: &impl Serialize, synced: &Map<String, Value>) -> FieldChanges {
    match state.serialize(Fields { synced }) {
        Ok(changed) => FieldChanges::Changed(changed),
        Err(NotComparable) => FieldChanges::NotComparable,
    }
}

/// One field of a delta: sent whole (its value is the one at this position in the
/// updated JSON), or, for an object field, only what changed in it.
#[derive(Debug, PartialEq)]
pub(crate) enum FieldDelta {
    Whole(usize),
    Nested(Map<String, Value>),
}

/// Writes `changed` into `synced` (then equal to the new state's JSON) and returns each
/// changed field's delta in order; `None` when some change is not expressible as a delta
/// (the rules of [`diff_states`](super::diff::diff_states)): then send the full state.
pub(crate) fn apply_changes(
    synced: &mut Map<String, Value>,
    changed: Vec<ChangedField>,
) -> Option<Vec<(&'static str, FieldDelta)>> {
    let mut deltas = Vec::with_capacity(changed.len());
    let mut expressible = true;
    let mut changed = changed.into_iter().peekable();
    for (index, old) in synced.values_mut().enumerate() {
        let Some((_, key, new)) = changed.next_if(|(at, _, _)| *at == index) else {
            continue;
        };
        let delta = match (&*old, &new) {
            (Value::Object(old_child), Value::Object(new_child)) => {
                diff_objects(old_child, new_child, 1).map(FieldDelta::Nested)
            }
            _ => sendable_whole(&new, 0).then_some(FieldDelta::Whole(index)),
        };
        match delta {
            Some(FieldDelta::Nested(nested)) if nested.is_empty() => {}
            Some(delta) => deltas.push((key, delta)),
            None => expressible = false,
        }
        *old = new;
    }
    expressible.then_some(deltas)
}

/// A delta's payload written from the changed fields: `{key: value-or-nested-delta}`.
pub(crate) struct DeltaPayload<'a> {
    pub(crate) synced: &'a Map<String, Value>,
    pub(crate) deltas: &'a [(&'static str, FieldDelta)],
}

impl Serialize for DeltaPayload<'_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.deltas.len()))?;
        // The deltas are in field order: one pass over the values finds them all.
        let mut values = self.synced.values().enumerate();
        for (key, delta) in self.deltas {
            match delta {
                FieldDelta::Whole(index) => {
                    let value = values.find(|(at, _)| at == index).map(|(_, value)| value);
                    map.serialize_entry(key, &value)?;
                }
                FieldDelta::Nested(nested) => map.serialize_entry(key, nested)?,
            }
        }
        map.end()
    }
}

/// Why the field-by-field comparison gave up (the caller diffs the whole state).
#[derive(Debug)]
struct NotComparable;

impl fmt::Display for NotComparable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a plain struct")
    }
}

impl std::error::Error for NotComparable {}

impl ser::Error for NotComparable {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self
    }
}

/// Serializes a struct into the list of its changed fields.
struct Fields<'a> {
    synced: &'a Map<String, Value>,
}

/// The struct's fields, walked in step with the old JSON's keys.
struct FieldWalk<'a> {
    old: serde_json::map::Iter<'a>,
    index: usize,
    changed: Vec<ChangedField>,
}

impl SerializeStruct for FieldWalk<'_> {
    type Ok = Vec<ChangedField>;
    type Error = NotComparable;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), NotComparable> {
        let Some((old_key, old)) = self.old.next() else {
            return Err(NotComparable);
        };
        if old_key != key {
            return Err(NotComparable);
        }
        let new_value = || serde_json::to_value(value).map_err(|_| NotComparable);
        let changed = match value.serialize(EqualTo(old)) {
            Ok(true) => None,
            Ok(false) => Some(new_value()?),
            Err(NotComparable) => Some(new_value()?).filter(|new| new != old),
        };
        if let Some(new) = changed {
            self.changed.push((self.index, key, new));
        }
        self.index += 1;
        Ok(())
    }

    fn skip_field(&mut self, _key: &'static str) -> Result<(), NotComparable> {
        // A field left out this time changes the key set: the whole diff handles that.
        Err(NotComparable)
    }

    fn end(mut self) -> Result<Vec<ChangedField>, NotComparable> {
        match self.old.next() {
            Some(_) => Err(NotComparable),
            None => Ok(self.changed),
        }
    }
}

/// Implements every `serialize_*` of a [`ser::Serializer`] whose value is not a plain
/// scalar as "not comparable".
macro_rules! not_comparable {
    ($($method:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(
            fn $method(self, $(_: $arg),*) -> Result<$ret, NotComparable> {
                Err(NotComparable)
            }
        )*
    };
}

/// Implements `serialize_*` methods of a narrower integer by widening it (as `serde_json`
/// stores every integer as an `i64` or a `u64`).
macro_rules! widened {
    ($($method:ident($narrow:ty) => $wide:ident;)*) => {
        $(
            fn $method(self, value: $narrow) -> Result<bool, NotComparable> {
                self.$wide(value.into())
            }
        )*
    };
}

impl<'a> ser::Serializer for Fields<'a> {
    type Ok = Vec<ChangedField>;
    type Error = NotComparable;
    type SerializeSeq = Impossible<Self::Ok, NotComparable>;
    type SerializeTuple = Impossible<Self::Ok, NotComparable>;
    type SerializeTupleStruct = Impossible<Self::Ok, NotComparable>;
    type SerializeTupleVariant = Impossible<Self::Ok, NotComparable>;
    type SerializeMap = Impossible<Self::Ok, NotComparable>;
    type SerializeStruct = FieldWalk<'a>;
    type SerializeStructVariant = Impossible<Self::Ok, NotComparable>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<FieldWalk<'a>, NotComparable> {
        Ok(FieldWalk {
            old: self.synced.iter(),
            index: 0,
            changed: Vec::new(),
        })
    }

    not_comparable! {
        serialize_bool(bool) -> Self::Ok;
        serialize_i8(i8) -> Self::Ok;
        serialize_i16(i16) -> Self::Ok;
        serialize_i32(i32) -> Self::Ok;
        serialize_i64(i64) -> Self::Ok;
        serialize_u8(u8) -> Self::Ok;
        serialize_u16(u16) -> Self::Ok;
        serialize_u32(u32) -> Self::Ok;
        serialize_u64(u64) -> Self::Ok;
        serialize_f32(f32) -> Self::Ok;
        serialize_f64(f64) -> Self::Ok;
        serialize_char(char) -> Self::Ok;
        serialize_str(&str) -> Self::Ok;
        serialize_bytes(&[u8]) -> Self::Ok;
        serialize_none() -> Self::Ok;
        serialize_unit() -> Self::Ok;
        serialize_unit_struct(&'static str) -> Self::Ok;
        serialize_unit_variant(&'static str, u32, &'static str) -> Self::Ok;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<Self::Ok, NotComparable> {
        Err(NotComparable)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, NotComparable> {
        Err(NotComparable)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, NotComparable> {
        Err(NotComparable)
    }
}

/// Whether a value serializes to exactly the JSON `self.0` (as `serde_json::to_value`
/// would make it), for plain scalars; anything else is "not comparable".
struct EqualTo<'a>(&'a Value);

impl ser::Serializer for EqualTo<'_> {
    type Ok = bool;
    type Error = NotComparable;
    type SerializeSeq = Impossible<bool, NotComparable>;
    type SerializeTuple = Impossible<bool, NotComparable>;
    type SerializeTupleStruct = Impossible<bool, NotComparable>;
    type SerializeTupleVariant = Impossible<bool, NotComparable>;
    type SerializeMap = Impossible<bool, NotComparable>;
    type SerializeStruct = Impossible<bool, NotComparable>;
    type SerializeStructVariant = Impossible<bool, NotComparable>;

    fn serialize_bool(self, value: bool) -> Result<bool, NotComparable> {
        Ok(self.0.as_bool() == Some(value))
    }
    widened! {
        serialize_i8(i8) => serialize_i64;
        serialize_i16(i16) => serialize_i64;
        serialize_i32(i32) => serialize_i64;
        serialize_u8(u8) => serialize_u64;
        serialize_u16(u16) => serialize_u64;
        serialize_u32(u32) => serialize_u64;
    }
    fn serialize_i64(self, value: i64) -> Result<bool, NotComparable> {
        Ok(*self.0 == value)
    }
    fn serialize_u64(self, value: u64) -> Result<bool, NotComparable> {
        Ok(*self.0 == value)
    }
    fn serialize_f64(self, value: f64) -> Result<bool, NotComparable> {
        // As `to_value` makes it: a float number (`5.0` is not the integer `5`), `null`
        // when not finite.
        Ok(match serde_json::Number::from_f64(value) {
            Some(number) => self.0.as_number() == Some(&number),
            None => self.0.is_null(),
        })
    }
    fn serialize_char(self, value: char) -> Result<bool, NotComparable> {
        self.serialize_str(value.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, value: &str) -> Result<bool, NotComparable> {
        Ok(self.0.as_str() == Some(value))
    }
    fn serialize_none(self) -> Result<bool, NotComparable> {
        Ok(self.0.is_null())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<bool, NotComparable> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<bool, NotComparable> {
        Ok(self.0.is_null())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<bool, NotComparable> {
        Ok(self.0.is_null())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<bool, NotComparable> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<bool, NotComparable> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, NotComparable> {
        Err(NotComparable)
    }

    not_comparable! {
        serialize_f32(f32) -> bool;
        serialize_i128(i128) -> bool;
        serialize_u128(u128) -> bool;
        serialize_bytes(&[u8]) -> bool;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::state::diff::{StateChange, diff_states};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Debug, Clone, Serialize)]
    enum Kind {
        Plain,
        Tuple(i64),
        Named { x: i64 },
    }

    #[derive(Debug, Clone, Serialize)]
    struct Inner {
        a: i64,
        b: Option<String>,
    }

    #[derive(Debug, Clone, Serialize)]
    struct Wrapped(u32);

    /// A state with a field of every shape the comparison treats differently.
    #[derive(Debug, Clone, Serialize)]
    struct State {
        n: i64,
        u: u8,
        f: f64,
        single: f32,
        text: String,
        letter: char,
        flag: bool,
        maybe: Option<i32>,
        list: Vec<i64>,
        inner: Inner,
        table: BTreeMap<String, Option<i64>>,
        kind: Kind,
        wrapped: Wrapped,
        nothing: (),
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![
            Just(Kind::Plain),
            (-2i64..2).prop_map(Kind::Tuple),
            (-2i64..2).prop_map(|x| Kind::Named { x }),
        ]
    }

    fn state() -> impl Strategy<Value = State> {
        (
            (
                -2i64..2,
                0u8..3,
                prop_oneof![
                    Just(0.5),
                    Just(2.0),
                    Just(-0.0),
                    Just(f64::NAN),
                    any::<f64>()
                ],
                prop_oneof![Just(0.5f32), Just(f32::INFINITY)],
            ),
            (
                prop_oneof![Just(String::new()), Just("a\"b".to_owned())],
                prop_oneof![Just('x'), Just('é')],
                any::<bool>(),
            ),
            (
                proptest::option::of(-1i32..2),
                proptest::collection::vec(-1i64..2, 0..3),
            ),
            (-1i64..2, proptest::option::of(Just("s".to_owned()))),
            proptest::collection::btree_map(
                prop_oneof![Just("k".to_owned()), Just("j".to_owned())],
                proptest::option::of(-1i64..2),
                0..3,
            ),
            (kind(), 0u32..2),
        )
            .prop_map(
                |(
                    (n, u, f, single),
                    (text, letter, flag),
                    (maybe, list),
                    (a, b),
                    table,
                    (kind, wrapped),
                )| State {
                    n,
                    u,
                    f,
                    single,
                    text,
                    letter,
                    flag,
                    maybe,
                    list,
                    inner: Inner { a, b },
                    table,
                    kind,
                    wrapped: Wrapped(wrapped),
                    nothing: (),
                },
            )
    }

    /// The field-by-field result in `diff_states`' terms, and the updated JSON.
    fn by_fields(old: &State, new: &State) -> (StateChange, Value) {
        let Value::Object(mut synced) = serde_json::to_value(old).unwrap() else {
            panic!("a struct serializes to an object");
        };
        let FieldChanges::Changed(changed) = changed_fields(new, &synced) else {
            panic!("a plain struct is comparable");
        };
        let change = match apply_changes(&mut synced, changed) {
            None => StateChange::Replace,
            Some(deltas) if deltas.is_empty() => StateChange::Unchanged,
            Some(deltas) => {
                let payload = DeltaPayload {
                    synced: &synced,
                    deltas: &deltas,
                };
                StateChange::Delta(serde_json::to_value(&payload).unwrap())
            }
        };
        (change, Value::Object(synced))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn gives_what_the_whole_diff_gives(old in state(), new in state()) {
            let whole = diff_states(&serde_json::to_value(&old).unwrap(), &serde_json::to_value(&new).unwrap());
            let (change, synced) = by_fields(&old, &new);
            prop_assert_eq!(change, whole);
            prop_assert_eq!(synced, serde_json::to_value(&new).unwrap());
        }
    }

    #[test]
    fn an_unchanged_state_makes_no_new_values() {
        let state = State {
            n: 1,
            u: 2,
            f: 0.5,
            single: 1.5,
            text: "t".into(),
            letter: 'x',
            flag: true,
            maybe: None,
            list: vec![1],
            inner: Inner { a: 1, b: None },
            table: BTreeMap::new(),
            kind: Kind::Plain,
            wrapped: Wrapped(3),
            nothing: (),
        };
        let Value::Object(synced) = serde_json::to_value(&state).unwrap() else {
            panic!("an object");
        };
        assert_eq!(
            changed_fields(&state, &synced),
            FieldChanges::Changed(Vec::new())
        );
    }

    #[test]
    fn what_is_not_the_same_plain_field_list_is_left_to_the_whole_diff() {
        #[derive(Serialize)]
        struct Skipping {
            #[serde(skip_serializing_if = "Option::is_none")]
            a: Option<i64>,
        }
        #[derive(Serialize)]
        struct Flat {
            #[serde(flatten)]
            inner: Inner,
        }
        let synced = |value: Value| match value {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let cases = [
            // A field skipped this time.
            changed_fields(&Skipping { a: None }, &synced(serde_json::json!({"a": 1}))),
            // A field the old JSON does not have, or has under another key or position.
            changed_fields(&Skipping { a: Some(1) }, &synced(serde_json::json!({}))),
            changed_fields(
                &Skipping { a: Some(1) },
                &synced(serde_json::json!({"b": 1})),
            ),
            changed_fields(
                &Skipping { a: Some(1) },
                &synced(serde_json::json!({"a": 1, "b": 2})),
            ),
            // Not a struct's field list at all.
            changed_fields(
                &Flat {
                    inner: Inner { a: 1, b: None },
                },
                &synced(serde_json::json!({"a": 1, "b": null})),
            ),
            changed_fields(
                &BTreeMap::from([("a", 1)]),
                &synced(serde_json::json!({"a": 1})),
            ),
            changed_fields(&5, &Map::new()),
        ];
        for (at, case) in cases.into_iter().enumerate() {
            assert_eq!(case, FieldChanges::NotComparable, "case {at}");
        }
    }
}
