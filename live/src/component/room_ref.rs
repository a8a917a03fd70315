use super::room_access::{RoomChange, RoomHandler};
use super::{ActionError, Ctx, LiveComponent};
use crate::room::{
    EventSender, LiveRoom, PresenceEntry, RoomEvent, RoomType, downcast, typed_change,
};
use serde_json::Value;
use std::marker::PhantomData;

/// A component's handle on one instance of typed room `R`: `ctx.room::<ChatRoom>("general")`.
///
/// Every operation is async (it talks to the room's task) and fails with the reference's
/// error texts: `Room is full`, `Join rejected by room: …`, `Not a member of this room`.
pub struct RoomRef<'c, C, R> {
    ctx: &'c mut Ctx<C>,
    room_id: String,
    _room: PhantomData<fn() -> R>,
}

impl<'c, C: LiveComponent, R: LiveRoom> RoomRef<'c, C, R> {
    pub(crate) fn new(ctx: &'c mut Ctx<C>, instance: &str) -> Self {
        Self {
            ctx,
            room_id: format!("{}:{instance}", R::PREFIX),
            _room: PhantomData,
        }
    }

    /// The full room id, `"<prefix>:<instance>"`.
    pub fn id(&self) -> &str {
        &self.room_id
    }

    /// Joins the room (creating it if needed) and returns its state; the component then
    /// receives the room's events through its [`OnRoomEvent`] implementation, and its
    /// clients receive `ROOM_JOINED` and the room's binary frames.
    pub async fn join(self) -> Result<R, ActionError>
    where
        C: OnRoomEvent<R>,
    {
        self.join_with(Value::Null, Some(handle_event::<C, R>))
            .await
    }

    /// Like [`join`](Self::join), showing `meta` in the room's presence list (rooms with
    /// `#[live_room(presence = T)]`; other rooms ignore it).
    pub async fn join_with_presence(self, meta: R::Presence) -> Result<R, ActionError>
    where
        C: OnRoomEvent<R>,
    {
        let meta =
            serde_json::to_value(meta).map_err(|error| ActionError::new(error.to_string()))?;
        self.join_full(Value::Null, Some(handle_event::<C, R>), meta)
            .await
    }

    /// Who is in the room, cluster-wide: one entry per user (or per connection), in
    /// `joinedAt` order (empty for a room without presence).
    pub async fn presence(self) -> Result<Vec<PresenceEntry<R::Presence>>, ActionError> {
        let ops = self.ctx.room_ops()?;
        let entries = ops.presence(RoomType::of::<R>(), &self.room_id).await?;
        entries
            .into_iter()
            .map(|entry| {
                serde_json::from_value(entry).map_err(|error| ActionError::new(error.to_string()))
            })
            .collect()
    }

    /// Like [`join`](Self::join), passing `payload` to the room's `on_join` hook.
    pub async fn join_with_payload(self, payload: Value) -> Result<R, ActionError>
    where
        C: OnRoomEvent<R>,
    {
        self.join_with(payload, Some(handle_event::<C, R>)).await
    }

    /// Joins without a typed handler: the clients still get every frame.
    pub async fn join_without_handler(self) -> Result<R, ActionError> {
        self.join_with(Value::Null, None).await
    }

    async fn join_with(
        self,
        payload: Value,
        handler: Option<RoomHandler<C>>,
    ) -> Result<R, ActionError> {
        self.join_full(payload, handler, Value::Null).await
    }

    async fn join_full(
        self,
        payload: Value,
        handler: Option<RoomHandler<C>>,
        presence: Value,
    ) -> Result<R, ActionError> {
        let ops = self.ctx.room_ops()?;
        let state = ops
            .join(
                RoomType::of::<R>(),
                &self.room_id,
                payload,
                handler.is_some(),
                presence,
            )
            .await?;
        let state = downcast::<R>(state)?;
        self.ctx.record_room_change(RoomChange::Joined {
            room_id: self.room_id,
            handler,
        });
        Ok(state)
    }

    /// Leaves the room (members left behind get `$sub:leave`).
    pub async fn leave(self) -> Result<(), ActionError> {
        let ops = self.ctx.room_ops()?;
        ops.leave(&self.room_id).await?;
        self.ctx.record_room_change(RoomChange::Left {
            room_id: self.room_id,
        });
        Ok(())
    }

    /// Sends an event to every other member (binary `0x02`, payload encoded once). Returns
    /// once the room has the event queued; fails with `Not a member of this room` when the
    /// component has not joined it.
    pub async fn emit(self, event: R::Event) -> Result<(), ActionError> {
        self.send(event, false).await
    }

    /// Sends an event to every member, this component included.
    pub async fn emit_including_self(self, event: R::Event) -> Result<(), ActionError> {
        self.send(event, true).await
    }

    async fn send(self, event: R::Event, include_self: bool) -> Result<(), ActionError> {
        let payload = event.payload()?;
        let ops = self.ctx.room_ops()?;
        ops.emit(&self.room_id, event.name(), payload, include_self)
            .await?;
        Ok(())
    }

    /// The room's current state.
    pub async fn state(self) -> Result<R, ActionError> {
        let ops = self.ctx.room_ops()?;
        let state = ops.state(RoomType::of::<R>(), &self.room_id).await?;
        Ok(downcast::<R>(state)?)
    }

    /// Changes the room's state; every member gets the delta (binary `0x03`). The change is
    /// refused, and nothing applied, if the state would exceed the size limit.
    pub async fn update(
        self,
        change: impl FnOnce(&mut R) + Send + 'static,
    ) -> Result<R, ActionError> {
        let ops = self.ctx.room_ops()?;
        let change = typed_change::<R>(change);
        let state = ops
            .update(RoomType::of::<R>(), &self.room_id, change)
            .await?;
        Ok(downcast::<R>(state)?)
    }
}

/// Decodes a typed event and hands it to the component's `OnRoomEvent<R>` implementation.
fn handle_event<C: OnRoomEvent<R>, R: LiveRoom>(
    component: &mut C,
    room_id: &str,
    event: &str,
    payload: &Value,
    sender: &EventSender,
    ctx: &mut Ctx<C>,
) -> Result<(), ActionError> {
    let event =
        <R::Event as RoomEvent>::decode(event, payload.clone()).map_err(ActionError::from)?;
    component.on_room_event(room_id, event, sender, ctx)
}

impl<C, R> std::fmt::Debug for RoomRef<'_, C, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomRef")
            .field("room_id", &self.room_id)
            .finish_non_exhaustive()
    }
}

/// A component that reacts to the events of room type `R`.
///
/// Implement it to receive typed events of the rooms of that type the component joined
/// with [`RoomRef::join`]; state changes the handler makes are sent as deltas.
///
/// The sender is a required argument, not a second, defaulted method: an event a client
/// emitted (`from_client` events only) is input from a browser, and every handler should
/// see at a glance who sent what it acts on. Handlers that do not care name it `_sender`.
pub trait OnRoomEvent<R: LiveRoom>: LiveComponent {
    /// One event of room `room_id`, emitted by `sender` (as the server knows it).
    fn on_room_event(
        &mut self,
        room_id: &str,
        event: R::Event,
        sender: &EventSender,
        ctx: &mut Ctx<Self>,
    ) -> Result<(), ActionError>;
}
