//! How a component's context reaches the server's rooms: the operations the runtime
//! implements ([`RoomAccess`]), and the membership changes a call records for its actor to
//! apply afterwards ([`RoomChange`]).

use super::{ActionError, Ctx};
use crate::room::{EventSender, RoomError, RoomType, TypedChange, TypedValue};
use crate::support::BoxFuture;
use serde_json::Value;

/// Room operations on behalf of one component.
pub(crate) trait RoomAccess: Send + Sync {
    /// Joins `room_id` of type `room` (created if needed) and returns its state;
    /// `handler`: whether the component runs a typed handler for the room's events.
    fn join<'a>(
        &'a self,
        room: RoomType,
        room_id: &'a str,
        payload: Value,
        handler: bool,
        presence: Value,
    ) -> BoxFuture<'a, Result<TypedValue, RoomError>>;

    /// The presence list of `room_id` of type `room` (JSON entries).
    fn presence<'a>(
        &'a self,
        room: RoomType,
        room_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Value>, RoomError>>;

    /// Leaves `room_id` (a no-op if not a member).
    fn leave<'a>(&'a self, room_id: &'a str) -> BoxFuture<'a, Result<(), RoomError>>;

    /// Emits an event to `room_id`'s members; done once the room has it queued.
    fn emit<'a>(
        &'a self,
        room_id: &'a str,
        event: &'a str,
        data: Value,
        include_self: bool,
    ) -> BoxFuture<'a, Result<(), RoomError>>;

    /// The state of `room_id` of type `room` (created if needed).
    fn state<'a>(
        &'a self,
        room: RoomType,
        room_id: &'a str,
    ) -> BoxFuture<'a, Result<TypedValue, RoomError>>;

    /// Applies `change` to `room_id` of type `room` (created if needed); returns the state.
    fn update<'a>(
        &'a self,
        room: RoomType,
        room_id: &'a str,
        change: TypedChange,
    ) -> BoxFuture<'a, Result<TypedValue, RoomError>>;
}

/// A component's typed handler for one room type (monomorphised per component and room).
pub(crate) type RoomHandler<C> =
    fn(&mut C, &str, &str, &Value, &EventSender, &mut Ctx<C>) -> Result<(), ActionError>;

/// A membership change made during a call, applied by the component actor afterwards.
pub(crate) enum RoomChange<C> {
    /// The component joined a room.
    Joined {
        /// The room.
        room_id: String,
        /// The typed handler, if the component has one.
        handler: Option<RoomHandler<C>>,
    },
    /// The component left a room.
    Left {
        /// The room.
        room_id: String,
    },
}
