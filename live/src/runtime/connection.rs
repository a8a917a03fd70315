//! One client connection: validates inbound frames and routes them to components.
//!
//! Transport-agnostic: an adapter feeds it text and binary frames and drains its
//! [`Outbox`]; see [`super::transport`].

use super::Hub;
use super::actor::{Restore, SpawnRequest};
use super::mailbox::{Call, Caller, ClientRoomOp, ComponentHandle, MountReply, Viewer};
use super::outbox::Outbox;
use super::rate_limit::TokenBucket;
use super::stats::{Counted, StatsGuard};
use crate::component::Identity;
use crate::protocol::ids::new_id;
use crate::protocol::inbound::{
    ClientMessage, Envelope, InboundLimits, SignedStateWire, parse_text_frame,
};
use crate::protocol::js::safe_unsigned;
use crate::protocol::outbound::{self, Reply, encode};
use crate::room::LeaveReason;
use crate::security::signing::COMPONENT_NAME_KEY;
use crate::support::now_ms;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
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
    /// Rooms joined with `ROOM_JOIN`, per component (for the room limit).
    client_rooms: HashSet<(Arc<str>, String)>,
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
            client_rooms: HashSet::new(),
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

    /// Runs one client message. The rare, heavy messages (mount, rehydrate, auth, rooms) run
    /// in boxed futures, so the connection's task stays small between messages; action
    /// calls run inline.
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
                component,
                props,
                room,
            } => {
                let seed = Seed {
                    props,
                    room,
                    restore: None,
                };
                Box::pin(self.mount(&component, seed, component_id, request_id)).await
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
            ClientMessage::Auth { payload } => {
                Box::pin(self.authenticate(payload.unwrap_or_default(), request_id)).await
            }
            ClientMessage::Rehydrate {
                component,
                signed_state,
                room,
            } => {
                let rehydrate =
                    self.rehydrate(&component, &signed_state, room, component_id, request_id);
                Box::pin(rehydrate).await
            }
            ClientMessage::RoomJoin {
                room_id,
                initial_state,
            } => {
                let op = ClientRoomOp::Join {
                    room_id,
                    initial_state,
                };
                Box::pin(self.room_op(component_id, op, request_id)).await;
            }
            ClientMessage::RoomLeave { room_id } => {
                let op = ClientRoomOp::Leave { room_id };
                Box::pin(self.room_op(component_id, op, request_id)).await;
            }
            ClientMessage::RoomEmit {
                room_id,
                event,
                data,
            } => {
                let op = ClientRoomOp::Emit {
                    room_id,
                    event,
                    data,
                };
                Box::pin(self.room_op(component_id, op, request_id)).await;
            }
            ClientMessage::RoomStateSet { room_id, state } => {
                let op = ClientRoomOp::SetState { room_id, state };
                Box::pin(self.room_op(component_id, op, request_id)).await;
            }
            ClientMessage::RoomStateGet { room_id } => {
                let op = ClientRoomOp::GetState { room_id };
                Box::pin(self.room_op(component_id, op, request_id)).await;
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

    /// A client room message (§10.2): the component must be this connection's; `ROOM_JOIN`
    /// is refused on typed prefixes and past the per-connection room limit.
    async fn room_op(
        &mut self,
        component_id: Option<&str>,
        op: ClientRoomOp,
        request_id: Option<&str>,
    ) {
        let Some((id, handle)) = component_id
            .and_then(|id| self.components.get_key_value(id))
            .map(|(id, handle)| (Arc::clone(id), handle.clone()))
        else {
            self.reply_error(component_id, "Component not found", request_id);
            return;
        };
        let mut joining = None;
        match &op {
            ClientRoomOp::Join { room_id, .. } => {
                if self.hub.rooms.is_typed_id(room_id) {
                    let error = "Room requires server-side join via component action";
                    self.reply_error(component_id, error, request_id);
                    return;
                }
                let key = (Arc::clone(&id), room_id.clone());
                let limit = self.hub.config.max_rooms_per_connection;
                if !self.client_rooms.contains(&key) && self.client_rooms.len() >= limit {
                    self.reply_error(component_id, "Room limit exceeded", request_id);
                    return;
                }
                if let Err(error) = self.hub.env.auth.authorize_room(&self.identity, room_id) {
                    self.reply_error(component_id, &error, request_id);
                    return;
                }

                joining = Some(key);
            }
            ClientRoomOp::Leave { room_id } => {
                self.client_rooms
                    .remove(&(Arc::clone(&id), room_id.clone()));
            }
            _ => {}
        }
        let (joined_tx, joined_rx) = tokio::sync::oneshot::channel();
        let call = Call::Room {
            caller: Caller {
                connection_id: Arc::clone(&self.id),
                identity: self.identity.clone(),
            },
            op,
            request_id: request_id.map(str::to_owned),
            joined: joining.is_some().then_some(joined_tx),
        };
        if handle.call(call).await.is_err() {
            self.components.remove(&id);
            self.reply_error(component_id, "Component not found", request_id);
            return;
        }
        if let Some(key) = joining
            && joined_rx.await == Ok(true)
        {
            self.client_rooms.insert(key);
        }
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
            self.reply_failure("MESSAGE_RESPONSE", echo_id, &error, request_id);
        }
    }

    /// `COMPONENT_REHYDRATE` (§5.4): a verified signed state becomes a new component (or,
    /// for a singleton, joins the shared one); the reply is `COMPONENT_REHYDRATED`.
    async fn rehydrate(
        &mut self,
        name: &str,
        signed_state: &SignedStateWire,
        room: Option<String>,
        old_id: Option<&str>,
        request_id: Option<&str>,
    ) {
        let restore = match self.verify_signed_state(name, signed_state) {
            Ok(restore) => restore,
            Err(error) => {
                self.reply_failure("COMPONENT_REHYDRATED", old_id, &error, request_id);
                return;
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
        if let Err(error) = self.start_component(name, seed, reply).await {
            self.reply_failure("COMPONENT_REHYDRATED", old_id, &error, request_id);
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
            return Err("Component class mismatch - state tampering detected".to_owned());
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
            .ok_or_else(|| format!("Component '{name}' not found"))?;
        descriptor
            .auth()
            .authorize_component(&self.identity)
            .map_err(|reason| format!("AUTH_DENIED: {reason}"))?;
        let limit = self.hub.config.max_components_per_connection;
        if self.components.len() >= limit {
            return Err(format!(
                "Component limit exceeded (max {limit} per connection)"
            ));
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
            (descriptor.spawn)(SpawnRequest {
                id: Arc::from(new_id()),
                props: seed.props,
                viewer: self.viewer(),
                reply,
                singleton: None,
                env: Arc::clone(&self.hub.env),
                default_room: seed.room,
                restore: seed.restore,
                cluster: None,
            })?
        };
        self.components.insert(Arc::clone(&handle.id), handle);
        Ok(())
    }

    /// `COMPONENT_UNMOUNT` (§5.2). Deviation: only the connection's own components can be
    /// unmounted; any other id is a no-op with the same success reply.
    fn unmount(&mut self, component_id: Option<&str>, request_id: Option<&str>) {
        if let Some(handle) = component_id.and_then(|id| self.components.remove(id)) {
            self.client_rooms.retain(|(owner, _)| *owner != handle.id);
            handle.leave(Arc::clone(&self.id), LeaveReason::Cleanup);
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
    /// `AUTH` (§2.5): the providers turn the credentials into a session, which replaces the
    /// connection's identity (anonymous when they fail). Components already mounted keep
    /// the identity they were mounted with; actions always use the caller's current one.
    async fn authenticate(&mut self, credentials: Map<String, Value>, request_id: Option<&str>) {
        let session = self.hub.env.auth.authenticate(&credentials).await;
        let (success, payload) = match session {
            Some(session) => {
                let payload = json!({"authenticated": true, "session": &session});
                self.identity = Identity::authenticated(session);
                (true, payload)
            }
            None => {
                self.identity = Identity::anonymous();
                let payload = json!({"authenticated": false, "error": "Authentication failed"});
                (false, payload)
            }
        };
        let reply = Reply {
            kind: "AUTH_RESPONSE",
            success: Some(success),
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
            handle.leave(Arc::clone(&self.id), LeaveReason::Disconnect);
        }
        self.outbox.close(super::outbox::NORMAL_CLOSE);
        tracing::debug!(connection = %self.id, "connection closed");
    }
}

/// What a new component starts from.
#[derive(Debug)]
struct Seed {
    /// Client props (updatable fields only).
    props: Option<Map<String, Value>>,
    /// The default room.
    room: Option<String>,
    /// A verified signed state (rehydration).
    restore: Option<Restore>,
}
