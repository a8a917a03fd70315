//! Components: server-owned state that clients mount, call and watch.
//!
//! A component is a struct whose serialized fields are the state a client sees. The
//! [`live_component`](crate::live_component) attribute implements [`LiveComponent`] for it;
//! the trait can also be implemented by hand and registered with
//! [`LiveServerBuilder::component`](crate::LiveServerBuilder::component).

mod action_call;
mod context;
mod descriptor;
mod error;
pub(crate) mod push;
mod room_access;
mod room_ref;

pub use crate::protocol::binary_delta::{BinaryField, WireType};
pub use crate::security::identity::{Identity, Session};
pub use action_call::ActionCall;
pub use context::Ctx;
pub use descriptor::ComponentDescriptor;
pub use error::ActionError;
pub use push::{
    AppRoomRef, LiveHandle, OnMessage, PushError, SessionRef, SingletonRef, TaskHandle, TimerHandle,
};
pub(crate) use room_access::{RoomAccess, RoomChange, RoomHandler};
pub use room_ref::{OnRoomEvent, RoomRef};

// Generated code names it here; it is public at the crate root.
#[doc(hidden)]
pub use crate::support::BoxFuture;

use crate::security::{ActionPolicy, ActionRateLimit, AuthPolicy};
use crate::upload::{UploadSpec, UploadedFile};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What an action produced: `Ok(None)` for no result, `Ok(Some(value))` for a JSON result.
pub type ActionResult = Result<Option<Value>, ActionError>;

/// Server-side state that clients mount over WebSocket.
///
/// Usually implemented by `#[live_component]` on the struct and on its `impl` block. The
/// serialized form of the struct is the client-visible state; after every action the runtime
/// diffs it against what the client last saw and sends only the change.
pub trait LiveComponent: Serialize + DeserializeOwned + Default + Send + 'static {
    /// The registry name clients mount (`payload.component`).
    const NAME: &'static str;
    /// One shared instance per server instead of one per mount.
    const SINGLETON: bool = false;
    /// Top-level state fields a client may write directly with `PROPERTY_UPDATE`.
    const UPDATABLE_FIELDS: &'static [&'static str] = &[];
    /// Wire names of the actions a client may call. Anything else is "not callable".
    const ACTIONS: &'static [&'static str];
    /// Who may mount the component (checked at mount and rehydration).
    const AUTH: AuthPolicy = AuthPolicy::OPEN;
    /// A rate limit for every action without its own (`None`: unlimited).
    const RATE_LIMIT: Option<ActionRateLimit> = None;
    /// Per-action rules (auth with the caller's identity, rate limits).
    const ACTION_POLICIES: &'static [ActionPolicy] = &[];
    /// The fields whose changes go as binary `0x01` frames (`#[live_component(binary_delta)]`;
    /// empty: every change is a JSON `STATE_DELTA`). See docs/protocol.md, "Binary deltas".
    const BINARY_FIELDS: &'static [BinaryField] = &[];
    /// The `#[upload]` methods: what each accepts. Uploads to a component without any are
    /// refused.
    const UPLOADS: &'static [UploadSpec] = &[];

    /// Runs the action named `action` (always one of [`Self::ACTIONS`]) with the client's payload.
    fn dispatch<'a>(
        &'a mut self,
        action: &'a str,
        payload: Value,
        ctx: &'a mut Ctx<Self>,
    ) -> BoxFuture<'a, ActionResult>;

    /// Writes one top-level field from a client's `PROPERTY_UPDATE` (`field` is always one of
    /// [`Self::UPDATABLE_FIELDS`]). The default round-trips the state through JSON, which
    /// resets `#[serde(skip)]` fields; `#[live_component]` generates a direct field write.
    fn set_property(&mut self, field: &str, value: Value) -> Result<(), ActionError> {
        let mut state = serde_json::to_value(&*self)?;
        if let Some(object) = state.as_object_mut() {
            object.insert(field.to_owned(), value);
        }
        *self = serde_json::from_value(state)?;
        Ok(())
    }

    /// Hands a finished upload to the `#[upload]` method named `upload` (always one of
    /// [`Self::UPLOADS`]). An error refuses the file, which is then deleted.
    fn receive_upload<'a>(
        &'a mut self,
        upload: &'a str,
        file: UploadedFile,
        ctx: &'a mut Ctx<Self>,
    ) -> BoxFuture<'a, Result<(), ActionError>> {
        let _ = (file, ctx);
        let error = ActionError::new(format!(
            "Component '{}' has no upload '{upload}'",
            Self::NAME
        ));
        Box::pin(std::future::ready(Err(error)))
    }

    /// Runs once after the component is created, before the mount reply is sent.
    fn on_mount<'a>(
        &'a mut self,
        ctx: &'a mut Ctx<Self>,
    ) -> BoxFuture<'a, Result<(), ActionError>> {
        let _ = ctx;
        Box::pin(std::future::ready(Ok(())))
    }

    /// Runs after the component was recreated from a signed state (`COMPONENT_REHYDRATE`),
    /// before `on_mount`.
    fn on_rehydrate<'a>(
        &'a mut self,
        ctx: &'a mut Ctx<Self>,
    ) -> BoxFuture<'a, Result<(), ActionError>> {
        let _ = ctx;
        Box::pin(std::future::ready(Ok(())))
    }

    /// Runs once when the component is destroyed (unmount, disconnect, last viewer left).
    fn on_destroy(&mut self) {}

    /// Singletons: a connection started viewing the shared instance (`viewers` includes it).
    fn on_client_join(&mut self, connection_id: &str, viewers: usize) {
        let _ = (connection_id, viewers);
    }

    /// Singletons: a connection stopped viewing the shared instance (`viewers` excludes it).
    fn on_client_leave(&mut self, connection_id: &str, viewers: usize) {
        let _ = (connection_id, viewers);
    }
}
