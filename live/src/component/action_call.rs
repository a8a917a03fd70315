//! [`ActionCall`]: one action call as `#[live_component]` types it, for the Rust client and
//! `live::testing`.

use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;

/// A call of one action of component `C` whose result decodes as `R`: the action's wire name
/// and its payload, built from the action's own argument types.
///
/// `#[live_component]` generates one constructor per `#[action]`:
/// `Counter::actions().add(5)` is the call of `Counter`'s `add` with `{"by": 5}`. A
/// misspelt action or an argument of the wrong type is then a compile error. Send it with
/// `LiveClient::invoke` or a `live::testing::TestClient`.
pub struct ActionCall<C, R> {
    action: &'static str,
    payload: Result<Value, String>,
    types: PhantomData<fn() -> (C, R)>,
}

impl<C, R> ActionCall<C, R> {
    /// A call of `action` with `payload`, or the reason the arguments could not be
    /// serialized (reported when the call is sent). Generated code builds these.
    #[doc(hidden)]
    pub fn new(action: &'static str, payload: Result<Value, String>) -> Self {
        Self {
            action,
            payload,
            types: PhantomData,
        }
    }

    /// The action's wire name.
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// The JSON payload sent, or why the arguments could not be serialized.
    pub fn payload(&self) -> Result<&Value, &str> {
        self.payload.as_ref().map_err(String::as_str)
    }
}

impl<C, R> fmt::Debug for ActionCall<C, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionCall")
            .field("component", &std::any::type_name::<C>())
            .field("action", &self.action)
            .field("payload", &self.payload)
            .finish()
    }
}

impl<C, R> Clone for ActionCall<C, R> {
    fn clone(&self) -> Self {
        Self::new(self.action, self.payload.clone())
    }
}
