//! A singleton actor's cluster role: a proxy relays the owner's state and forwards calls;
//! an owner serves forwarded calls; roles change on failover and on lost ownership.

use super::calls::ActionFailure;
use super::instance::Actor;
use super::rooms::push_room_error;
use super::uploads::refuse_upload;
use crate::cluster::{
    ActionRequest, ActionResponse, MirroredState, SingletonMessage, SingletonOwner,
};
use crate::component::{Identity, LiveComponent};
use crate::protocol::kinds::ServerKind;
use crate::protocol::outbound::{self, ComponentEvent, Reply};
use crate::protocol::refusal::Refusal;
use crate::room::{LeaveReason, RoomError};
use crate::runtime::cluster_link::{Forward, Role};
use crate::runtime::mailbox::{Call, Caller, ClusterSignal, MountReply, Viewer};
use crate::state::diff::apply_delta;
use futures_util::FutureExt;
use serde_json::Value;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

/// What an owner's message does to a proxy.
enum Relay {
    /// Nothing (a duplicate or an old change).
    Ignore,
    /// Look the owner up and reload the mirror (a gap, an unknown owner, a release).
    Reload,
    /// Apply a delta.
    Delta(Value),
    /// Replace the state.
    Replace(Value),
    /// Relay a custom event.
    Event(String, Value),
}

impl<C: LiveComponent> Actor<C> {
    /// Whether another server owns this singleton (this instance relays).
    pub(super) fn is_proxy(&self) -> bool {
        self.cluster.as_ref().is_some_and(|link| link.is_proxy())
    }

    /// A proxy's first viewer: the relayed state (signed by this server), the reply; no
    /// hooks run (the component runs on the owner).
    pub(super) fn start_proxy(&mut self, viewer: Viewer, reply: &MountReply) {
        let signed = self.sign();
        viewer.outbox.push_text(outbound::state_update(
            &self.id,
            &self.synced,
            Some(&signed),
        ));
        self.add_viewer(Arc::clone(&viewer.connection_id), viewer.outbox.clone());
        if let Some(link) = &mut self.cluster {
            link.start(&self.synced);
        }
        self.reply_mounted(&viewer.outbox, reply, &signed);
    }

    /// A call on a proxy: actions go to the owner; the rest is refused clearly.
    pub(super) fn handle_as_proxy(&mut self, call: Call) {
        match call {
            Call::Action {
                caller,
                action,
                payload,
                expect_response,
                request_id,
            } => {
                let (Some(outbox), Some(link)) = (
                    self.viewers.get(&caller.connection_id).cloned(),
                    &self.cluster,
                ) else {
                    return;
                };
                link.forward(Forward {
                    request: ActionRequest {
                        request_id: String::new(),
                        source_instance_id: String::new(),
                        target_instance_id: String::new(),
                        component_id: String::new(),
                        component_name: C::NAME.to_owned(),
                        action,
                        payload,
                        caller_connection_id: caller.connection_id.to_string(),
                        caller_session: caller.identity.session().cloned(),
                    },
                    outbox,
                    component_id: Arc::clone(&self.id),
                    expect_response,
                    client_request_id: request_id,
                });
            }
            Call::Remote { request, reply } => {
                let _ = reply.send(ActionResponse::failure(
                    request.request_id,
                    Refusal::OwnershipLost.text(),
                ));
            }
            Call::Upload(upload) => {
                let outbox = self.viewers.get(&upload.caller.connection_id).cloned();
                let error = Refusal::RemoteUpload.text();
                tokio::spawn(refuse_upload(outbox, *upload, error));
            }
            Call::SetProperty {
                caller, request_id, ..
            } => {
                if let Some(outbox) = self.viewers.get(&caller.connection_id) {
                    let error = Refusal::RemotePropertyUpdate.text();
                    let reply = Reply::failure(
                        ServerKind::MessageResponse,
                        Some(&self.id),
                        &error,
                        request_id.as_deref(),
                    );
                    outbox.push_text(reply.encode());
                }
            }
            Call::Room {
                caller,
                request_id,
                joined,
                ..
            } => {
                if let Some(outbox) = self.viewers.get(&caller.connection_id) {
                    let error = RoomError::new(Refusal::RemoteRoomMessage.text());
                    push_room_error(outbox, &self.id, &error, request_id.as_deref());
                }
                if let Some(joined) = joined {
                    let _ = joined.send(false);
                }
            }
        }
    }

    /// Owner: runs an action another server forwarded, as its caller (identity carried
    /// along, rate limits keyed by the remote connection).
    pub(super) async fn run_remote_action(&mut self, request: ActionRequest) -> ActionResponse {
        let identity = request
            .caller_session
            .map_or_else(Identity::anonymous, Identity::authenticated);
        let caller = Caller {
            connection_id: Arc::from(format!(
                "{}/{}",
                request.source_instance_id, request.caller_connection_id
            )),
            identity,
        };
        let request_id = request.request_id;
        match self.execute(caller, &request.action, request.payload).await {
            Ok(result) => ActionResponse {
                request_id,
                success: true,
                result,
                error: None,
                denied: false,
            },
            Err(ActionFailure::Denied(error)) => ActionResponse {
                denied: true,
                ..ActionResponse::failure(request_id, error)
            },
            Err(ActionFailure::Failed(error)) => ActionResponse::failure(request_id, error),
        }
    }

    /// Cluster news.
    pub(super) async fn cluster_signal(&mut self, signal: ClusterSignal) {
        match signal {
            ClusterSignal::Remote(message) => self.owner_message(message),
            ClusterSignal::Resync { owner, mirror } => self.resync(owner, mirror),
            ClusterSignal::Promote(mirror) => self.promote(mirror).await,
            ClusterSignal::Lost(owner) => self.demote(owner).await,
            ClusterSignal::Reclaimed => {
                if let Some(link) = &mut self.cluster
                    && !link.is_proxy()
                {
                    link.announce(&self.synced);
                }
            }
        }
    }

    /// A message from the owner's channel.
    fn owner_message(&mut self, message: SingletonMessage) {
        let Some(link) = &mut self.cluster else {
            return;
        };
        let (known, seq) = match link.role() {
            Role::Owner { .. } => {
                // Someone else speaks as the owner: check our claim now.
                if !matches!(message, SingletonMessage::Gone { .. }) {
                    link.kick_handle().notify_one();
                }
                return;
            }
            Role::Proxy { owner, seq } => (owner.clone(), *seq),
        };
        let from_known =
            known.as_ref().map(SingletonOwner::token).as_deref() == Some(message.owner());
        let relay = match message {
            SingletonMessage::Owner { owner, seq, state } => {
                link.set_proxy_state(SingletonOwner::parse(&owner), Some(seq));
                Relay::Replace(state)
            }
            SingletonMessage::Delta { seq: at, delta, .. } if from_known => match seq {
                Some(last) if at == last.saturating_add(1) => {
                    link.set_proxy_state(known, Some(at));
                    Relay::Delta(delta)
                }
                Some(last) if at <= last => Relay::Ignore,
                _ => Relay::Reload,
            },
            SingletonMessage::State { seq: at, state, .. } if from_known => {
                if seq.is_none_or(|last| at > last) {
                    link.set_proxy_state(known, Some(at));
                    Relay::Replace(state)
                } else {
                    Relay::Ignore
                }
            }
            SingletonMessage::Event { event, payload, .. } if from_known => {
                Relay::Event(event, payload)
            }
            _ => Relay::Reload,
        };
        match relay {
            Relay::Ignore => {}
            Relay::Reload => link.kick_handle().notify_one(),
            Relay::Delta(delta) => {
                apply_delta(&mut self.synced, &delta);
                self.signature_due = true;
                self.send_delta(&delta);
            }
            Relay::Replace(state) => self.replace_relayed(state),
            Relay::Event(event, payload) => {
                let frame = ComponentEvent {
                    kind: &event,
                    component_id: &self.id,
                    payload: &payload,
                }
                .encode();
                self.broadcast(frame);
            }
        }
    }

    /// Proxy: the relayed state is replaced; viewers get it whole (signed).
    fn replace_relayed(&mut self, state: Value) {
        if self.synced == state {
            return;
        }
        self.synced = state;
        let signed = self.sign();
        self.broadcast(outbound::state_update(
            &self.id,
            &self.synced,
            Some(&signed),
        ));
    }

    /// Proxy: the owner and mirror as the watch task read them. Adopts a newer mirror, or
    /// a new owner's.
    fn resync(&mut self, owner: SingletonOwner, mirror: Option<MirroredState>) {
        let Some(link) = &mut self.cluster else {
            return;
        };
        let Role::Proxy { owner: known, seq } = link.role().clone() else {
            return;
        };
        let same_owner = known.as_ref() == Some(&owner);
        let token = owner.token();
        let replace = match mirror {
            Some(mirror) if mirror.owner == token => {
                if !same_owner || seq.is_none_or(|last| mirror.seq > last) {
                    link.set_proxy_state(Some(owner), Some(mirror.seq));
                    Some(mirror.state)
                } else {
                    None
                }
            }
            // Written by an earlier owner (the new one has not mirrored yet): take it unless
            // what this proxy already has from that earlier owner is newer.
            Some(mirror) => {
                let ours_newer = known.as_ref().map(SingletonOwner::token).as_deref()
                    == Some(mirror.owner.as_str())
                    && seq.is_some_and(|last| last >= mirror.seq);
                if same_owner {
                    None
                } else {
                    link.set_proxy_state(Some(owner), None);
                    (!ours_newer).then_some(mirror.state)
                }
            }
            None => {
                if !same_owner {
                    link.set_proxy_state(Some(owner), None);
                }
                None
            }
        };
        if let Some(state) = replace {
            self.replace_relayed(state);
        }
    }

    /// Proxy → owner: the watch task claimed the singleton. The state continues from the
    /// mirror, or from this proxy's own copy when that is newer.
    async fn promote(&mut self, mirror: Option<MirroredState>) {
        let Some(link) = &self.cluster else {
            return;
        };
        let Role::Proxy { owner: known, seq } = link.role().clone() else {
            return;
        };
        let ours_newer = match (&mirror, &known, seq) {
            (None, _, _) => true,
            (Some(mirror), Some(known), Some(last)) => {
                mirror.owner == known.token() && last >= mirror.seq
            }
            _ => false,
        };
        let state = match mirror {
            Some(mirror) if !ours_newer => mirror.state,
            _ => self.synced.clone(),
        };
        self.component = serde_json::from_value(state).unwrap_or_else(|error| {
            tracing::error!(component = C::NAME, %error, "relayed state does not fit; starting fresh");
            C::default()
        });
        match serde_json::to_value(&self.component) {
            Ok(state) => self.synced = state,
            Err(error) => {
                tracing::error!(component = C::NAME, %error, "state could not be serialized");
            }
        }
        if let Some(link) = &mut self.cluster {
            link.promote(&self.synced);
        }
        let signed = self.sign();
        self.broadcast(outbound::state_update(
            &self.id,
            &self.synced,
            Some(&signed),
        ));
        // The component now runs here: its mount hook runs as on any creation.
        let mut ctx = self.ctx(Arc::clone(&self.owner), self.rooms.member.identity.clone());
        let outcome = AssertUnwindSafe(self.component.on_mount(&mut ctx))
            .catch_unwind()
            .await;
        self.finish_call(&mut ctx).await;
        if !matches!(outcome, Ok(Ok(()))) {
            tracing::warn!(component = C::NAME, "on_mount failed after a takeover");
        }
        let connection = Arc::clone(&self.owner);
        self.notify_join(&connection);
        self.publish_changes();
    }

    /// Owner → proxy: another instance holds the claim. The local component is destroyed
    /// (it never writes the mirror again: writes are fenced by the claim); the viewers stay
    /// and receive the new owner's state as soon as the watch task reads it.
    async fn demote(&mut self, owner: Option<SingletonOwner>) {
        if self.is_proxy() || self.cluster.is_none() {
            return;
        }
        self.destroy_component(LeaveReason::Cleanup).await;
        self.component = C::default();
        if let Some(link) = &mut self.cluster {
            link.demote(owner);
        }
    }
}
