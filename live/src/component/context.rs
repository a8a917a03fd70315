use super::{ActionError, Identity};
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
    _component: PhantomData<fn() -> C>,
}

impl<C> Ctx<C> {
    pub(crate) fn new(component_id: Arc<str>, connection_id: Arc<str>, caller: Identity) -> Self {
        Self {
            component_id,
            connection_id,
            caller,
            events: Vec::new(),
            _component: PhantomData,
        }
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

    pub(crate) fn take_events(&mut self) -> Vec<(String, Value)> {
        std::mem::take(&mut self.events)
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
