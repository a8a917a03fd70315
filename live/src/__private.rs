//! Items used by code that `#[live_component]` generates. Not public API.

pub use crate::component::descriptor::ComponentRegistration;
pub use inventory;
pub use serde;
pub use serde_json;

/// Deserializes an action's payload, mapping failures to the protocol's validation error text.
pub fn parse_payload<T: serde::de::DeserializeOwned>(
    action: &str,
    payload: serde_json::Value,
) -> Result<T, crate::ActionError> {
    serde_json::from_value(payload).map_err(|error| {
        crate::ActionError::new(format!(
            "Action '{action}' payload validation failed: {error}"
        ))
    })
}

/// Serializes an action's return value into the reply's `result`.
pub fn to_result<T: serde::Serialize>(value: T) -> crate::component::ActionResult {
    serde_json::to_value(value).map(Some).map_err(|error| {
        crate::ActionError::new(format!("Action result could not be serialized: {error}"))
    })
}

/// Boxes a future as a [`BoxFuture`](crate::component::BoxFuture).
pub fn boxed<'a, T>(
    future: impl std::future::Future<Output = T> + Send + 'a,
) -> crate::component::BoxFuture<'a, T> {
    Box::pin(future)
}

/// Helps `#[live_component]` name the `ComponentAttrs` data given on the struct.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is missing `#[live_component]` on its struct definition",
    label = "add `#[live_component]` to the struct `{Self}`"
)]
pub trait ComponentAttrs {
    /// The registry name.
    const NAME: &'static str;
    /// Singleton flag.
    const SINGLETON: bool;
    /// Fields marked `#[live(updatable)]`.
    const UPDATABLE_FIELDS: &'static [&'static str];

    /// Writes one updatable field directly (other fields, `#[serde(skip)]` ones included,
    /// are untouched).
    fn set_updatable_field(
        &mut self,
        field: &str,
        value: serde_json::Value,
    ) -> Result<(), crate::ActionError>;
}

/// Deserializes a value written to an updatable field (the caller names the field).
pub fn parse_field<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, crate::ActionError> {
    serde_json::from_value(value).map_err(crate::ActionError::from)
}
