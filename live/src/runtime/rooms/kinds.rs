//! The two kinds of room: typed (a `LiveRoom` value, binary frames, hooks) and untyped
//! (a free JSON object, JSON frames, clients may write it).

use crate::protocol::refusal::Refusal;
use crate::room::{
    EventSender, JoinInfo, LeaveInfo, MembershipValue, RoomError, RoomType, TypedChange, TypedState,
};
use serde_json::{Map, Value};
use std::any::Any;

/// What a room task needs from its state.
pub(crate) trait RoomKind: Send + 'static {
    /// Typed rooms send binary frames and keep their state server-only.
    const TYPED: bool;
    /// The state as clients see it.
    fn to_json(&self) -> Result<Value, String>;
    /// A clone of the typed value (typed rooms only).
    fn typed_clone(&self) -> Option<Box<dyn Any + Send>>;
    /// The join hook; an error rejects the joiner, else the member's membership value.
    fn on_join(&mut self, join: &JoinInfo) -> Result<MembershipValue, RoomError>;
    /// The leave hook, given the membership value back.
    fn on_leave(&mut self, leave: &LeaveInfo, membership: MembershipValue);
    /// Runs the event observer, if the room has one; true when it ran (the state may have
    /// changed).
    fn observe_event(&mut self, event: &str, data: &Value, sender: &EventSender) -> bool;
    /// A client's `ROOM_EMIT`: the payload members get, or why it is refused. Typed rooms
    /// take only events declared `from_client` whose payload decodes; untyped rooms relay
    /// anything, as the reference does.
    fn client_event(&self, event: &str, data: Value) -> Result<Value, RoomError>;
    /// The destroy hook; false keeps the room.
    fn on_destroy(&mut self) -> bool;
    /// The member limit.
    fn max_members(&self) -> Option<usize>;
    /// Encodes a binary frame payload.
    fn encode_payload(&self, value: &Value) -> Vec<u8>;
    /// `Some(by_connection)` when the room keeps presence.
    fn presence(&self) -> Option<bool>;
    /// Runs a typed change on a copy; returns the copy to commit after the size check.
    fn try_change(&self, change: TypedChange) -> Result<Self, RoomError>
    where
        Self: Sized;
    /// Replaces the whole state (untyped rooms; typed rooms refuse).
    fn replace_json(&mut self, state: Value) -> Result<(), RoomError>;
    /// Replaces the whole state with one made on another server of the cluster (typed
    /// rooms too: the value is rebuilt from its JSON; hooks do not run).
    fn replace_remote(&mut self, state: Value) -> Result<(), RoomError>;
}

/// A typed room: the user's `LiveRoom` value.
pub(crate) struct Typed(Box<dyn TypedState>);

impl Typed {
    /// A fresh room of type `room`: its default value after its `on_create` hook.
    pub(crate) fn new(room: RoomType, room_id: &str) -> Self {
        Self((room.create)(room_id))
    }
}

impl RoomKind for Typed {
    const TYPED: bool = true;

    fn to_json(&self) -> Result<Value, String> {
        self.0.to_json().map_err(|error| error.to_string())
    }

    fn typed_clone(&self) -> Option<Box<dyn Any + Send>> {
        Some(self.0.clone_value())
    }

    fn on_join(&mut self, join: &JoinInfo) -> Result<MembershipValue, RoomError> {
        self.0.on_join(join)
    }

    fn on_leave(&mut self, leave: &LeaveInfo, membership: MembershipValue) {
        self.0.on_leave(leave, membership);
    }

    fn observe_event(&mut self, event: &str, data: &Value, sender: &EventSender) -> bool {
        if !self.0.observes_events() {
            return false;
        }
        self.0.on_event(event, data, sender);
        true
    }

    fn client_event(&self, event: &str, data: Value) -> Result<Value, RoomError> {
        self.0.client_event(event, data)
    }

    fn on_destroy(&mut self) -> bool {
        self.0.on_destroy()
    }

    fn max_members(&self) -> Option<usize> {
        self.0.max_members()
    }

    fn encode_payload(&self, value: &Value) -> Vec<u8> {
        self.0.encode_payload(value)
    }

    fn presence(&self) -> Option<bool> {
        self.0.presence()
    }

    fn try_change(&self, change: TypedChange) -> Result<Self, RoomError> {
        let mut copy = self.0.clone_state();
        change(copy.as_any_mut())?;
        Ok(Self(copy))
    }

    fn replace_json(&mut self, _state: Value) -> Result<(), RoomError> {
        Err(RoomError::new(Refusal::RoomStateServerOnly.text()))
    }

    fn replace_remote(&mut self, state: Value) -> Result<(), RoomError> {
        self.0.set_json(state).map_err(|error| {
            let detail = error.to_string();
            RoomError::new(Refusal::RemoteRoomStateMismatch { detail: &detail }.text())
        })?;
        Ok(())
    }
}

/// An untyped room: a free JSON object.
pub(crate) struct Untyped(Value);

impl Untyped {
    /// A fresh room seeded with `initial` when it is an object.
    pub(crate) fn new(initial: Option<Value>) -> Self {
        match initial {
            Some(Value::Object(object)) => Self(Value::Object(object)),
            _ => Self(Value::Object(Map::new())),
        }
    }
}

impl RoomKind for Untyped {
    const TYPED: bool = false;

    fn to_json(&self) -> Result<Value, String> {
        Ok(self.0.clone())
    }

    fn typed_clone(&self) -> Option<Box<dyn Any + Send>> {
        None
    }

    fn on_join(&mut self, _join: &JoinInfo) -> Result<MembershipValue, RoomError> {
        Ok(Box::new(()))
    }

    fn on_leave(&mut self, _leave: &LeaveInfo, _membership: MembershipValue) {}

    fn observe_event(&mut self, _event: &str, _data: &Value, _sender: &EventSender) -> bool {
        false
    }

    fn client_event(&self, _event: &str, data: Value) -> Result<Value, RoomError> {
        Ok(data)
    }

    fn on_destroy(&mut self) -> bool {
        true
    }

    fn max_members(&self) -> Option<usize> {
        None
    }

    fn encode_payload(&self, value: &Value) -> Vec<u8> {
        crate::protocol::msgpack::to_vec(value)
    }

    fn presence(&self) -> Option<bool> {
        None
    }

    fn try_change(&self, _change: TypedChange) -> Result<Self, RoomError> {
        Err(RoomError::new(Refusal::RoomNotTyped.text()))
    }

    fn replace_json(&mut self, state: Value) -> Result<(), RoomError> {
        self.0 = state;
        Ok(())
    }

    fn replace_remote(&mut self, state: Value) -> Result<(), RoomError> {
        self.replace_json(state)
    }
}
