//! Typed rooms without their type: what the runtime needs to create a room of a
//! [`LiveRoom`] type, run its hooks and hand copies of its value back.

use super::{EventSender, JoinInfo, LeaveInfo, LiveRoom, RoomError, RoomEvent};
use crate::protocol::refusal::Refusal;
use serde_json::Value;
use std::any::{Any, TypeId};

/// A copy of a typed room's value: `Box<R>`.
pub(crate) type TypedValue = Box<dyn Any + Send>;

/// A typed change to run inside the room task, on the room's `R`.
pub(crate) type TypedChange = Box<dyn FnOnce(&mut dyn Any) -> Result<(), RoomError> + Send>;

/// A member's server-only value: `Box<R::Membership>`.
pub(crate) type MembershipValue = Box<dyn Any + Send>;

/// A typed room type: what finds or creates a room of it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoomType {
    /// The type's `TypeId`.
    pub(crate) id: TypeId,
    /// The id prefix.
    pub(crate) prefix: &'static str,
    /// A fresh room: `R::default()` after its `on_create` hook.
    pub(crate) create: fn(&str) -> Box<dyn TypedState>,
}

impl RoomType {
    /// Room type `R`.
    pub(crate) fn of<R: LiveRoom>() -> Self {
        Self {
            id: TypeId::of::<R>(),
            prefix: R::PREFIX,
            create: create::<R>,
        }
    }
}

fn create<R: LiveRoom>(room_id: &str) -> Box<dyn TypedState> {
    let mut state = R::default();
    state.on_create(room_id);
    Box::new(state)
}

/// `change` as a change of the room's value (refused if the room holds another type).
pub(crate) fn typed_change<R: LiveRoom>(
    change: impl FnOnce(&mut R) + Send + 'static,
) -> TypedChange {
    Box::new(move |state| match state.downcast_mut::<R>() {
        Some(state) => {
            change(state);
            Ok(())
        }
        None => Err(RoomError::new(Refusal::RoomTypeMismatch.text())),
    })
}

/// The room's value as `R`.
pub(crate) fn downcast<R: LiveRoom>(value: TypedValue) -> Result<R, RoomError> {
    value
        .downcast::<R>()
        .map(|state| *state)
        .map_err(|_| RoomError::new(Refusal::RoomTypeMismatch.text()))
}

/// A typed room's value: what a room task does with it.
pub(crate) trait TypedState: Send + 'static {
    /// The state as clients see it.
    fn to_json(&self) -> Result<Value, serde_json::Error>;
    /// A copy, as the value the room's callers downcast.
    fn clone_value(&self) -> TypedValue;
    /// A copy to try a change on.
    fn clone_state(&self) -> Box<dyn TypedState>;
    /// The value, for a [`TypedChange`].
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// Replaces the value with one rebuilt from JSON (hooks do not run).
    fn set_json(&mut self, state: Value) -> Result<(), serde_json::Error>;
    /// The join hook; an error rejects the joiner, else the member's membership value.
    fn on_join(&mut self, join: &JoinInfo) -> Result<MembershipValue, RoomError>;
    /// The leave hook, given the membership value back.
    fn on_leave(&mut self, leave: &LeaveInfo, membership: MembershipValue);
    /// Whether the event observer is implemented.
    fn observes_events(&self) -> bool;
    /// The event observer, for an event in wire form (skipped, logged, if it does not decode).
    fn on_event(&mut self, event: &str, data: &Value, sender: &EventSender);
    /// A client's `ROOM_EMIT`: refused unless the event is declared `from_client` and its
    /// payload decodes; else the payload re-encoded from the decoded value (what members
    /// get: fields the type does not have are dropped).
    fn client_event(&self, event: &str, data: Value) -> Result<Value, RoomError>;
    /// The destroy hook; false keeps the room.
    fn on_destroy(&mut self) -> bool;
    /// The member limit.
    fn max_members(&self) -> Option<usize>;
    /// Encodes a binary frame payload with the room's codec.
    fn encode_payload(&self, value: &Value) -> Vec<u8>;
    /// `Some(by_connection)` when the room keeps presence.
    fn presence(&self) -> Option<bool>;
}

impl<R: LiveRoom> TypedState for R {
    fn to_json(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }

    fn clone_value(&self) -> TypedValue {
        Box::new(self.clone())
    }

    fn clone_state(&self) -> Box<dyn TypedState> {
        Box::new(self.clone())
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn set_json(&mut self, state: Value) -> Result<(), serde_json::Error> {
        let mut rebuilt: R = serde_json::from_value(state)?;
        rebuilt.keep_server_only(self);
        *self = rebuilt;
        Ok(())
    }

    fn on_join(&mut self, join: &JoinInfo) -> Result<MembershipValue, RoomError> {
        LiveRoom::on_join(self, join).map(|membership| Box::new(membership) as MembershipValue)
    }

    fn on_leave(&mut self, leave: &LeaveInfo, membership: MembershipValue) {
        // Always the type `on_join` made; the default is a safe fallback.
        let membership = membership
            .downcast::<R::Membership>()
            .map(|membership| *membership)
            .unwrap_or_default();
        LiveRoom::on_leave(self, leave, membership);
    }

    fn observes_events(&self) -> bool {
        R::OBSERVES_EVENTS
    }

    fn on_event(&mut self, event: &str, data: &Value, sender: &EventSender) {
        match R::Event::decode(event, data.clone()) {
            Ok(event) => LiveRoom::on_event(self, &event, sender),
            Err(error) => {
                tracing::debug!(room = R::PREFIX, event, %error, "event not observed: it does not decode");
            }
        }
    }

    fn client_event(&self, event: &str, data: Value) -> Result<Value, RoomError> {
        client_event::<R::Event>(event, data)
    }

    fn on_destroy(&mut self) -> bool {
        LiveRoom::on_destroy(self)
    }

    fn max_members(&self) -> Option<usize> {
        R::MAX_MEMBERS
    }

    fn encode_payload(&self, value: &Value) -> Vec<u8> {
        R::encode_payload(value)
    }

    fn presence(&self) -> Option<bool> {
        R::PRESENCE.then_some(R::PRESENCE_BY_CONNECTION)
    }
}

/// A client's emit of `event` in a room whose events are `E`: refused unless `E` declares it
/// `from_client` and `data` decodes into it; else the payload as `E` encodes it.
fn client_event<E: RoomEvent>(event: &str, data: Value) -> Result<Value, RoomError> {
    if !E::CLIENT_NAMES.contains(&event) {
        let refusal = if E::NAMES.contains(&event) {
            Refusal::EventNotFromClient { event }
        } else {
            Refusal::UnknownEvent { event }
        };
        return Err(RoomError::new(refusal.text()));
    }
    E::decode(event, data)?.payload().map_err(|error| {
        let detail = error.to_string();
        RoomError::new(
            Refusal::InvalidEventPayload {
                event,
                detail: &detail,
            }
            .text(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::client_event;
    use crate::room::{RoomError, RoomEvent};
    use serde_json::{Value, json};

    /// `said` (server only, a string) and `typing` (`from_client`, a bool).
    enum Talk {
        Said(String),
        Typing(bool),
    }

    impl RoomEvent for Talk {
        const NAMES: &'static [&'static str] = &["said", "typing"];
        const CLIENT_NAMES: &'static [&'static str] = &["typing"];

        fn name(&self) -> &'static str {
            match self {
                Self::Said(_) => "said",
                Self::Typing(_) => "typing",
            }
        }

        fn payload(&self) -> Result<Value, serde_json::Error> {
            match self {
                Self::Said(text) => serde_json::to_value(text),
                Self::Typing(on) => serde_json::to_value(on),
            }
        }

        fn decode(name: &str, payload: Value) -> Result<Self, RoomError> {
            match name {
                "said" => crate::__private::decode_event_payload(name, payload).map(Self::Said),
                "typing" => crate::__private::decode_event_payload(name, payload).map(Self::Typing),
                _ => Err(crate::__private::unknown_event(name)),
            }
        }
    }

    fn refusal(event: &str, data: Value) -> String {
        match client_event::<Talk>(event, data) {
            Ok(payload) => panic!("{event} accepted: {payload}"),
            Err(error) => error.message().to_owned(),
        }
    }

    #[test]
    fn takes_only_declared_client_events_that_decode() {
        assert_eq!(client_event::<Talk>("typing", json!(true)), Ok(json!(true)));
        assert_eq!(
            refusal("said", json!("hi")),
            "Event 'said' cannot be emitted by a client"
        );
        assert_eq!(refusal("shout", json!("hi")), "Unknown event 'shout'");
        let mistyped = refusal("typing", json!("yes"));
        assert!(
            mistyped.starts_with("Invalid payload for event 'typing': invalid type"),
            "{mistyped}"
        );
    }
}
