//! Mounting, rehydrating and unmounting components.

use super::Connection;
use crate::metrics::Rehydration;
use crate::protocol::ids::new_id;
use crate::protocol::inbound::InboundError;
use crate::protocol::js::safe_unsigned;
use crate::protocol::kinds::ServerKind;
use crate::protocol::outbound::{Reply, encode};
use crate::protocol::refusal::Refusal;
use crate::room::LeaveReason;
use crate::runtime::actor::{Restore, SpawnRequest};
use crate::runtime::mailbox::MountReply;
use crate::security::signing::COMPONENT_NAME_KEY;
use crate::security::signing::SignedStateWire;
use crate::support::now_ms;
use serde_json::{Map, Value};
use std::sync::Arc;

impl Connection {
    /// `COMPONENT_MOUNT` (§5.1). The component's actor sends `STATE_UPDATE` and the reply.
    pub(super) async fn mount(
        &mut self,
        name: &str,
        seed: Seed,
        echo_id: Option<&str>,
        request_id: Option<&str>,
    ) {
        let reply = MountReply {
            request_id: request_id.map(str::to_owned),
            echo_id: echo_id.map(str::to_owned),
            rehydrate: false,
        };
        if let Err(error) = self.start_component(name, seed, reply).await {
            self.reply_failure(ServerKind::MessageResponse, echo_id, &error, request_id);
        }
    }

    /// `COMPONENT_REHYDRATE` (§5.4): a verified signed state becomes a new component (or,
    /// for a singleton, joins the shared one); the reply is `COMPONENT_REHYDRATED`.
    ///
    /// First the rest of inbound validation, in upstream order: the signed state's shape
    /// (§9.2), then `payload.room` and `payload.userId`; each refused like any invalid
    /// frame.
    pub(super) async fn rehydrate(
        &mut self,
        name: &str,
        signed_state: &Value,
        room: Result<Option<String>, &'static str>,
        old_id: Option<&str>,
        request_id: Option<&str>,
    ) {
        let restored = self
            .try_rehydrate(name, signed_state, room, old_id, request_id)
            .await;
        let outcome = if restored {
            Rehydration::Ok
        } else {
            Rehydration::Refused
        };
        self.hub.metrics.rehydrated(outcome);
    }

    /// [`rehydrate`](Self::rehydrate) without the count: whether the component was restored.
    async fn try_rehydrate(
        &mut self,
        name: &str,
        signed_state: &Value,
        room: Result<Option<String>, &'static str>,
        old_id: Option<&str>,
        request_id: Option<&str>,
    ) -> bool {
        let Some(signed_state) = SignedStateWire::from_json(signed_state) else {
            let error = InboundError::malformed_signed_state(old_id, request_id);
            self.outbox.push_text(encode(&error.reply()));
            return false;
        };
        let room = match room {
            Ok(room) => room,
            Err(reason) => {
                let error = InboundError::invalid(reason, old_id, request_id);
                self.outbox.push_text(encode(&error.reply()));
                return false;
            }
        };
        let restore = match self.verify_signed_state(name, &signed_state) {
            Ok(restore) => restore,
            Err(error) => {
                self.reply_failure(ServerKind::ComponentRehydrated, old_id, &error, request_id);
                return false;
            }
        };
        let reply = MountReply {
            request_id: request_id.map(str::to_owned),
            echo_id: old_id.map(str::to_owned),
            rehydrate: true,
        };
        let seed = Seed {
            props: None,
            room,
            restore: Some(restore),
        };
        match self.start_component(name, seed, reply).await {
            Ok(_) => true,
            Err(error) => {
                self.reply_failure(ServerKind::ComponentRehydrated, old_id, &error, request_id);
                false
            }
        }
    }

    /// Checks a signed state: signature and age, then that it belongs to component `name`.
    fn verify_signed_state(&self, name: &str, wire: &SignedStateWire) -> Result<Restore, String> {
        let mut state = self
            .hub
            .env
            .signer
            .verify(wire, now_ms())
            .map_err(|error| error.to_string())?;
        let signed_name = state.remove(COMPONENT_NAME_KEY);
        if signed_name.as_ref().and_then(Value::as_str) != Some(name) {
            return Err(Refusal::ComponentClassMismatch.text());
        }
        Ok(Restore {
            state,
            // A version that is not a small whole number cannot have been signed by us.
            version: safe_unsigned(wire.version).unwrap_or(0),
        })
    }

    /// Resolves component `name`, checks the limits and its auth policy with this
    /// connection's identity, and starts it; its actor sends the frames and the reply.
    async fn start_component(
        &mut self,
        name: &str,
        seed: Seed,
        reply: MountReply,
    ) -> Result<(), String> {
        let descriptor = self
            .hub
            .components
            .get(name)
            .copied()
            .ok_or_else(|| Refusal::UnknownComponent { name }.text())?;
        descriptor
            .auth()
            .authorize_component(&self.identity)
            .map_err(|reason| Refusal::AuthDenied { reason: &reason }.text())?;
        let limit = self.hub.config.max_components_per_connection;
        if self.components.len() >= limit {
            return Err(Refusal::ComponentLimit { max: limit }.text());
        }
        let handle = if descriptor.is_singleton() {
            let singletons = Arc::clone(&self.hub.singletons);
            singletons
                .join(
                    &descriptor,
                    seed.props,
                    seed.room,
                    seed.restore,
                    self.viewer(),
                    reply,
                )
                .await?
        } else {
            let (handle, actor) = (descriptor.start)(SpawnRequest {
                id: Arc::from(new_id()),
                props: seed.props,
                viewer: self.viewer(),
                reply,
                singleton: None,
                env: Arc::clone(&self.hub.env),
                default_room: seed.room,
                restore: seed.restore,
                cluster: None,
            })?;
            // One viewer: the actor runs in this connection's task.
            self.starting.push(actor);
            handle
        };
        self.components.insert(Arc::clone(&handle.id), handle);
        Ok(())
    }

    /// `COMPONENT_UNMOUNT` (§5.2). Deviation: only the connection's own components can be
    /// unmounted; any other id is a no-op with the same success reply.
    pub(super) fn unmount(&mut self, component_id: Option<&str>, request_id: Option<&str>) {
        if let Some(handle) = component_id.and_then(|id| self.components.remove(id)) {
            self.client_rooms.retain(|(owner, _)| *owner != handle.id);
            handle.leave(Arc::clone(&self.id), LeaveReason::Cleanup);
        }
        let reply = Reply::success(ServerKind::MessageResponse, component_id, request_id);
        self.outbox.push_text(reply.encode());
    }
}

/// What a new component starts from.
#[derive(Debug)]
pub(super) struct Seed {
    /// Client props (updatable fields only).
    pub(super) props: Option<Map<String, Value>>,
    /// The default room.
    pub(super) room: Option<String>,
    /// A verified signed state (rehydration).
    pub(super) restore: Option<Restore>,
}
