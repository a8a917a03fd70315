//! Requests routed to a mounted component (actions, property writes, room messages) and
//! `AUTH`, which changes the identity later calls carry.

use super::Connection;
use crate::component::Identity;
use crate::protocol::kinds::ServerKind;
use crate::protocol::outbound::Reply;
use crate::protocol::refusal::Refusal;
use crate::runtime::mailbox::{Call, Caller, ClientRoomOp, ComponentHandle, Mail};
use crate::support::queue::TrySendError;
use serde_json::{Map, Value, json};
use std::sync::Arc;

impl Connection {
    /// Routes a call to a component this connection owns, or answers
    /// `COMPONENT_REHYDRATION_REQUIRED:<id>` (the same text for "not yours" and "gone").
    /// Queued at once when the component's mailbox has room; otherwise the call is given
    /// back, to be sent with [`deliver`](Self::deliver), which waits for room.
    pub(super) fn try_call(
        &mut self,
        component_id: Option<String>,
        reply_kind: ServerKind,
        request_id: Option<String>,
        make_call: impl FnOnce(Caller, Option<String>) -> Call,
    ) -> Result<(), Box<PendingCall>> {
        let id = component_id.as_deref().unwrap_or_default();
        let Some(handle) = self.components.get(id) else {
            self.refuse_call(component_id.as_deref(), reply_kind, request_id.as_deref());
            return Ok(());
        };
        let caller = Caller {
            connection_id: Arc::clone(&self.id),
            identity: self.identity.clone(),
        };
        match handle.try_call(make_call(caller, request_id)) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(call)) => Err(Box::new(PendingCall {
                handle: ComponentHandle::clone(handle),
                call,
                component_id,
                reply_kind,
            })),
            Err(TrySendError::Closed(call)) => {
                self.refuse_call(component_id.as_deref(), reply_kind, call.request_id());
                Ok(())
            }
        }
    }

    /// Sends a call whose component's mailbox was full, waiting for room.
    pub(crate) async fn deliver(&mut self, pending: Box<PendingCall>) {
        let PendingCall {
            handle,
            call,
            component_id,
            reply_kind,
        } = *pending;
        if let Err(call) = handle.resend(call).await {
            self.refuse_call(component_id.as_deref(), reply_kind, call.request_id());
        }
    }

    /// `COMPONENT_REHYDRATION_REQUIRED:<id>`: the component is not this connection's, or
    /// gone (then its handle is dropped).
    fn refuse_call(
        &mut self,
        component_id: Option<&str>,
        reply_kind: ServerKind,
        request_id: Option<&str>,
    ) {
        let id = component_id.unwrap_or_default();
        self.components.remove(id);
        let error = Refusal::RehydrationRequired { component_id: id }.text();
        self.reply_failure(reply_kind, component_id, &error, request_id);
    }

    /// A client room message (§10.2): the component must be this connection's; `ROOM_JOIN`
    /// is refused on typed prefixes and past the per-connection room limit.
    pub(super) async fn room_op(
        &mut self,
        component_id: Option<&str>,
        op: ClientRoomOp,
        request_id: Option<&str>,
    ) {
        let Some((id, handle)) = component_id
            .and_then(|id| self.components.get_key_value(id))
            .map(|(id, handle)| (Arc::clone(id), handle.clone()))
        else {
            let error = Refusal::ComponentNotFound.text();
            self.reply_error(component_id, &error, request_id);
            return;
        };
        let mut joining = None;
        match &op {
            ClientRoomOp::Join { room_id, .. } => {
                if self.hub.rooms.is_typed_id(room_id) {
                    let error = Refusal::RoomServerJoinOnly.text();
                    self.reply_error(component_id, &error, request_id);
                    return;
                }
                let key = (Arc::clone(&id), room_id.clone());
                let limit = self.hub.config.max_rooms_per_connection;
                if !self.client_rooms.contains(&key) && self.client_rooms.len() >= limit {
                    let error = Refusal::RoomLimit.text();
                    self.reply_error(component_id, &error, request_id);
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
            let error = Refusal::ComponentNotFound.text();
            self.reply_error(component_id, &error, request_id);
            return;
        }
        if let Some(key) = joining
            && joined_rx.await == Ok(true)
        {
            self.client_rooms.insert(key);
        }
    }

    /// `AUTH` without an auth provider: the connection stays anonymous.
    /// `AUTH` (§2.5): the providers turn the credentials into a session, which replaces the
    /// connection's identity (anonymous when they fail). Components already mounted keep
    /// the identity they were mounted with; actions always use the caller's current one.
    pub(super) async fn authenticate(
        &mut self,
        credentials: Map<String, Value>,
        request_id: Option<&str>,
    ) {
        let session = self.hub.env.auth.authenticate(&credentials).await;
        let (success, payload) = match session {
            Some(session) => {
                let payload = json!({"authenticated": true, "session": &session});
                self.identity = Identity::authenticated(session);
                (true, payload)
            }
            None => {
                self.identity = Identity::anonymous();
                let payload =
                    json!({"authenticated": false, "error": Refusal::AuthenticationFailed.text()});
                (false, payload)
            }
        };
        let reply = Reply {
            kind: ServerKind::AuthResponse.as_str(),
            success: Some(success),
            payload: Some(&payload),
            request_id,
            ..Reply::default()
        };
        self.outbox.push_text(reply.encode());
    }
}

/// A call whose component's mailbox was full when it came: sent by
/// [`Connection::deliver`], with what its refusal needs if the component is gone by then.
pub(crate) struct PendingCall {
    handle: ComponentHandle,
    /// The call (a [`Mail::Call`]), which carries the request's id.
    call: Mail,
    component_id: Option<String>,
    reply_kind: ServerKind,
}
