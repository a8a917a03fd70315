//! One client connection: validates inbound frames and routes them to components.
//!
//! Transport-agnostic: an adapter feeds it text and binary frames and drains its
//! [`Outbox`]; see [`super::transport`].

use super::Hub;
use super::actor::{Call, Caller, ComponentHandle, MountReply, SpawnRequest, Viewer};
use super::outbox::Outbox;
use super::rate_limit::TokenBucket;
use super::stats::{Counted, StatsGuard};
use crate::component::Identity;
use crate::protocol::ids::new_id;
use crate::protocol::inbound::{ClientMessage, Envelope, InboundLimits, parse_text_frame};
use crate::protocol::outbound::{self, Reply, encode};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The server side of one WebSocket connection.
#[derive(Debug)]
pub(crate) struct Connection {
    id: Arc<str>,
    hub: Arc<Hub>,
    outbox: Outbox,
    identity: Identity,
    limits: InboundLimits,
    rate: Option<TokenBucket>,
    /// Components this connection mounted (or joined, for singletons), by id.
    components: HashMap<Arc<str>, ComponentHandle>,
    _counted: StatsGuard,
}

impl Connection {
    /// Opens a connection and queues `CONNECTION_ESTABLISHED`.
    pub(crate) fn open(hub: Arc<Hub>) -> Self {
        let id: Arc<str> = Arc::from(new_id());
        let outbox = Outbox::new(hub.config.outbound_queue_frames);
        outbox.push_text(outbound::connection_established(&id));
        let limits = InboundLimits {
            max_message_bytes: hub.config.max_message_bytes,
            max_json_depth: hub.config.max_json_depth,
        };
        let rate = hub.config.rate_limit.map(TokenBucket::new);
        let counted = hub.stats.track(Counted::Connection);
        tracing::debug!(connection = %id, "connection opened");
        Self {
            id,
            hub,
            outbox,
            identity: Identity::anonymous(),
            limits,
            rate,
            components: HashMap::new(),
            _counted: counted,
        }
    }

    /// The queue the transport's writer drains.
    pub(crate) fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// The rate limit (§14.1): every frame takes a token; without one the frame is dropped.
    fn admit(&mut self) -> bool {
        let admitted = self.rate.as_mut().is_none_or(TokenBucket::try_take);
        if !admitted {
            self.outbox
                .push_text(outbound::connection_error("Rate limit exceeded"));
        }
        admitted
    }

    /// Handles one text frame.
    pub(crate) async fn on_text(&mut self, text: &str) {
        if !self.admit() {
            return;
        }
        match parse_text_frame(text, &self.limits) {
            Ok(envelope) => self.dispatch(envelope).await,
            Err(error) => {
                self.outbox.push_text(encode(&error.reply()));
            }
        }
    }

    /// Handles one binary frame. Clients send binary frames only for file-upload chunks,
    /// which Live does not implement: they get a clear error.
    pub(crate) fn on_binary(&mut self, bytes: &[u8]) {
        if !self.admit() {
            return;
        }
        let error = if bytes.len() > self.limits.max_message_bytes {
            "Message too large"
        } else {
            "Binary frames are not supported (file uploads are not implemented)"
        };
        self.outbox.push_text(outbound::connection_error(error));
    }

    async fn dispatch(&mut self, envelope: Envelope) {
        let Envelope {
            component_id,
            request_id,
            expect_response,
            message,
        } = envelope;
        let component_id = component_id.as_deref();
        let request_id = request_id.as_deref();
        match message {
            ClientMessage::Ping => {}
            ClientMessage::Mount {
                component, props, ..
            } => {
                self.mount(&component, props, component_id, request_id)
                    .await
            }
            ClientMessage::Unmount => self.unmount(component_id, request_id),
            ClientMessage::CallAction { action, payload } => {
                let call = |caller| Call::Action {
                    caller,
                    action,
                    payload,
                    expect_response,
                    request_id: request_id.map(str::to_owned),
                };
                self.call(component_id, "ACTION_RESPONSE", request_id, call)
                    .await;
            }
            ClientMessage::PropertyUpdate { property, value } => {
                let call = |caller| Call::SetProperty {
                    caller,
                    property,
                    value,
                    request_id: request_id.map(str::to_owned),
                };
                self.call(component_id, "MESSAGE_RESPONSE", request_id, call)
                    .await;
            }
            ClientMessage::Auth { .. } => self.reply_auth_unavailable(request_id),
            ClientMessage::Rehydrate { .. } => {
                self.reply_failure(
                    "COMPONENT_REHYDRATED",
                    component_id,
                    "State rehydration is not enabled on this server",
                    request_id,
                );
            }
            ClientMessage::RoomJoin { .. }
            | ClientMessage::RoomLeave { .. }
            | ClientMessage::RoomEmit { .. }
            | ClientMessage::RoomStateSet { .. }
            | ClientMessage::RoomStateGet { .. } => {
                let error = if self.owns(component_id) {
                    "Rooms are not supported by this server"
                } else {
                    "Component not found"
                };
                self.reply_error(component_id, error, request_id);
            }
            ClientMessage::FileUpload { .. } => {
                self.reply_error(
                    component_id,
                    "File uploads are not supported by this server",
                    request_id,
                );
            }
        }
    }

    fn owns(&self, component_id: Option<&str>) -> bool {
        component_id.is_some_and(|id| self.components.contains_key(id))
    }

    fn viewer(&self) -> Viewer {
        Viewer {
            connection_id: Arc::clone(&self.id),
            outbox: self.outbox.clone(),
            identity: self.identity.clone(),
        }
    }

    /// `COMPONENT_MOUNT` (§5.1). The component's actor sends `STATE_UPDATE` and the reply.
    async fn mount(
        &mut self,
        name: &str,
        props: Option<Map<String, Value>>,
        echo_id: Option<&str>,
        request_id: Option<&str>,
    ) {
        let Some(descriptor) = self.hub.components.get(name).copied() else {
            let error = format!("Component '{name}' not found");
            self.reply_failure("MESSAGE_RESPONSE", echo_id, &error, request_id);
            return;
        };
        let limit = self.hub.config.max_components_per_connection;
        if self.components.len() >= limit {
            let error = format!("Component limit exceeded (max {limit} per connection)");
            self.reply_failure("MESSAGE_RESPONSE", echo_id, &error, request_id);
            return;
        }
        let reply = MountReply {
            request_id: request_id.map(str::to_owned),
            echo_id: echo_id.map(str::to_owned),
        };
        let mounted = if descriptor.is_singleton() {
            let singletons = Arc::clone(&self.hub.singletons);
            singletons
                .join(&descriptor, props, self.viewer(), reply)
                .await
        } else {
            (descriptor.spawn)(SpawnRequest {
                id: Arc::from(new_id()),
                props,
                viewer: self.viewer(),
                reply,
                singleton: None,
                stats: Arc::clone(&self.hub.stats),
            })
        };
        match mounted {
            Ok(handle) => {
                self.components.insert(Arc::clone(&handle.id), handle);
            }
            Err(error) => self.reply_failure("MESSAGE_RESPONSE", echo_id, &error, request_id),
        }
    }

    /// `COMPONENT_UNMOUNT` (§5.2). Deviation: only the connection's own components can be
    /// unmounted; any other id is a no-op with the same success reply.
    fn unmount(&mut self, component_id: Option<&str>, request_id: Option<&str>) {
        if let Some(handle) = component_id.and_then(|id| self.components.remove(id)) {
            handle.leave(Arc::clone(&self.id));
        }
        let reply = Reply::success("MESSAGE_RESPONSE", component_id, request_id);
        self.outbox.push_text(reply.encode());
    }

    /// Routes a call to a component this connection owns, or answers
    /// `COMPONENT_REHYDRATION_REQUIRED:<id>` (the same text for "not yours" and "gone").
    async fn call(
        &mut self,
        component_id: Option<&str>,
        reply_kind: &str,
        request_id: Option<&str>,
        make_call: impl FnOnce(Caller) -> Call,
    ) {
        let id = component_id.unwrap_or_default();
        let delivered = match self.components.get(id) {
            Some(handle) => {
                let caller = Caller {
                    connection_id: Arc::clone(&self.id),
                    identity: self.identity.clone(),
                };
                let delivered = handle.call(make_call(caller)).await.is_ok();
                if !delivered {
                    self.components.remove(id);
                }
                delivered
            }
            None => false,
        };
        if !delivered {
            let error = format!("COMPONENT_REHYDRATION_REQUIRED:{id}");
            self.reply_failure(reply_kind, component_id, &error, request_id);
        }
    }

    /// `AUTH` without an auth provider: the connection stays anonymous.
    fn reply_auth_unavailable(&self, request_id: Option<&str>) {
        let payload = json!({"authenticated": false, "error": "Authentication failed"});
        let reply = Reply {
            kind: "AUTH_RESPONSE",
            success: Some(false),
            payload: Some(&payload),
            request_id,
            ..Reply::default()
        };
        self.outbox.push_text(reply.encode());
    }

    fn reply_failure(
        &self,
        kind: &str,
        component_id: Option<&str>,
        error: &str,
        request_id: Option<&str>,
    ) {
        let reply = Reply::failure(kind, component_id, error, request_id);
        self.outbox.push_text(reply.encode());
    }

    fn reply_error(&self, component_id: Option<&str>, error: &str, request_id: Option<&str>) {
        let reply = Reply {
            kind: "ERROR",
            component_id,
            error: Some(error),
            request_id,
            ..Reply::default()
        };
        self.outbox.push_text(reply.encode());
    }

    /// The socket closed: leave every component (private ones are destroyed, singletons lose
    /// a viewer) and stop accepting outbound frames.
    pub(crate) fn close(mut self) {
        for (_, handle) in self.components.drain() {
            handle.leave(Arc::clone(&self.id));
        }
        self.outbox.close(super::outbox::NORMAL_CLOSE);
        tracing::debug!(connection = %self.id, "connection closed");
    }
}
