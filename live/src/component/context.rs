use super::push::Pusher;
use super::room_access::{RoomAccess, RoomChange};
use super::room_ref::RoomRef;
use super::{ActionError, Identity, LiveComponent};
use crate::protocol::refusal::Refusal;
use crate::room::LiveRoom;
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// What an action or hook knows about its call, and how it talks back.
///
/// `C` is the component type, so context helpers can be typed per component.
pub struct Ctx<C> {
    component_id: Arc<str>,
    connection_id: Arc<str>,
    caller: Identity,
    events: Vec<(String, Value)>,
    broadcasts: Vec<(String, Value)>,
    rooms: Option<Arc<dyn RoomAccess>>,
    room_changes: Vec<RoomChange<C>>,
    /// Timers and tasks (set by the component's actor).
    pusher: Option<Arc<Pusher<C>>>,
    _component: PhantomData<fn() -> C>,
}

impl<C> Ctx<C> {
    pub(crate) fn new(component_id: Arc<str>, connection_id: Arc<str>, caller: Identity) -> Self {
        Self {
            component_id,
            connection_id,
            caller,
            events: Vec::new(),
            broadcasts: Vec::new(),
            rooms: None,
            room_changes: Vec::new(),
            pusher: None,
            _component: PhantomData,
        }
    }

    /// Gives the context access to rooms, as the component running it.
    pub(crate) fn with_rooms(mut self, rooms: Arc<dyn RoomAccess>) -> Self {
        self.rooms = Some(rooms);
        self
    }

    /// Lets the context start timers and background tasks for its component.
    pub(crate) fn with_pusher(mut self, pusher: Arc<Pusher<C>>) -> Self {
        self.pusher = Some(pusher);
        self
    }

    pub(crate) fn pusher(&self) -> Option<&Pusher<C>> {
        self.pusher.as_deref()
    }

    /// The id of the component instance running this code.
    pub fn component_id(&self) -> &str {
        &self.component_id
    }

    /// The id of the connection that made this call (for hooks: the mounting connection).
    pub fn connection_id(&self) -> &str {
        &self.connection_id
    }

    /// The caller's identity (anonymous unless the connection authenticated).
    pub fn caller(&self) -> &Identity {
        &self.caller
    }

    /// Sends a custom event `{type, componentId, payload}` to every viewer of this component.
    ///
    /// Events are delivered after the call returns, before its state delta and reply.
    pub fn emit(
        &mut self,
        event_type: impl Into<String>,
        payload: impl Serialize,
    ) -> Result<(), ActionError> {
        let payload = serde_json::to_value(payload)?;
        self.events.push((event_type.into(), payload));
        Ok(())
    }

    /// Sends `{type, data}` as a `BROADCAST` to every other component mounted with the same
    /// default room (`payload.room` at mount); a no-op for components without one.
    pub fn broadcast(
        &mut self,
        kind: impl Into<String>,
        data: impl Serialize,
    ) -> Result<(), ActionError> {
        let data = serde_json::to_value(data)?;
        self.broadcasts.push((kind.into(), data));
        Ok(())
    }

    pub(crate) fn take_events(&mut self) -> Vec<(String, Value)> {
        std::mem::take(&mut self.events)
    }

    pub(crate) fn take_broadcasts(&mut self) -> Vec<(String, Value)> {
        std::mem::take(&mut self.broadcasts)
    }

    pub(crate) fn take_room_changes(&mut self) -> Vec<RoomChange<C>> {
        std::mem::take(&mut self.room_changes)
    }

    pub(crate) fn room_ops(&self) -> Result<&dyn RoomAccess, ActionError> {
        self.rooms
            .as_deref()
            .ok_or_else(|| ActionError::new(Refusal::RoomsNeedServer.text()))
    }

    pub(crate) fn record_room_change(&mut self, change: RoomChange<C>) {
        self.room_changes.push(change);
    }
}

impl<C: LiveComponent> Ctx<C> {
    /// The instance `instance` of typed room `R` (id `"<R::PREFIX>:<instance>"`): join it,
    /// emit its events, read or change its state.
    pub fn room<R: LiveRoom>(&mut self, instance: &str) -> RoomRef<'_, C, R> {
        RoomRef::new(self, instance)
    }
}

impl<C> fmt::Debug for Ctx<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx")
            .field("component_id", &self.component_id)
            .field("connection_id", &self.connection_id)
            .field("caller", &self.caller)
            .field("pending_events", &self.events.len())
            .finish()
    }
}
