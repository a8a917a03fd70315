//! A room on a server that does not own it: local members for delivery; joins, leaves,
//! emits and changes go to the owner, and the owner's outcomes come back for the local
//! members.

use super::actor::{RoomActor, not_a_member};
use super::clustered::PendingJoin;
use super::command::{RoomCommand, StateReply};
use super::kinds::RoomKind;
use super::wire::{Forwarded, Outcome, RosterEntry, WireSender};
use crate::protocol::kinds::ServerKind;
use crate::protocol::refusal::Refusal;
use crate::room::{EventSender, LeaveReason, RoomError};
use crate::state::diff::{StateChange, apply_delta, diff_states};
use crate::support::now_ms;
use std::sync::Arc;
use tokio::time::Instant;

impl<K: RoomKind> RoomActor<K> {
    /// A command on a follower; `Some` for those that run as on the owner (local reads,
    /// broadcasts).
    pub(super) fn follower_command(
        &mut self,
        owner: &str,
        command: RoomCommand,
    ) -> Option<RoomCommand> {
        match command {
            RoomCommand::Join {
                member,
                payload,
                kind,
                handler,
                presence,
                reply,
            } => {
                if self.members.contains_key(&member.component_id) {
                    let _ = reply.send(Ok(self.state_reply()));
                    return None;
                }
                let instance = self.link_instance();
                let entry = RosterEntry {
                    component_id: member.component_id.to_string(),
                    instance_id: instance,
                    connection_id: member.connection_id.to_string(),
                    session: member.identity.session().cloned(),
                    joined_at: now_ms(),
                    meta: (*presence).clone(),
                };
                let id = Arc::clone(&member.component_id);
                if let Some(cluster) = &mut self.cluster {
                    cluster.pending.insert(
                        id,
                        PendingJoin {
                            member,
                            kind,
                            handler,
                            presence: *presence,
                            reply,
                            since: Instant::now(),
                        },
                    );
                    let join = Forwarded::Join {
                        member: Box::new(entry),
                        payload,
                    };
                    cluster.link.forward(owner, join, None);
                }
                self.empty_since = None;
            }
            RoomCommand::Leave {
                component_id,
                reason,
                done,
            } => {
                let pending = self
                    .cluster
                    .as_mut()
                    .and_then(|cluster| cluster.pending.remove(&component_id))
                    .is_some();
                if self.members.remove(&component_id).is_some() || pending {
                    self.after_local_change();
                    let leave = Forwarded::Leave {
                        component_id: component_id.to_string(),
                        reason: reason.as_str().to_owned(),
                    };
                    self.forward(owner, leave);
                }
                let _ = done.send(());
            }
            RoomCommand::Emit {
                sender,
                include_sender,
                event,
                data,
                client,
                reply,
            } => {
                // A client's emit is checked here, so its sender hears a refusal at once.
                let checked = match &client {
                    Some(_) => self.kind.client_event(&event, data),
                    None => Ok(data),
                };
                let result = if !self.members.contains_key(&sender) {
                    Err(not_a_member())
                } else {
                    checked.map(|data| {
                        let emit = Forwarded::Emit {
                            sender: sender.to_string(),
                            include_sender,
                            event,
                            data,
                            from: client.as_ref().and_then(WireSender::of),
                        };
                        self.forward(owner, emit);
                    })
                };
                if let Some(reply) = reply {
                    let _ = reply.send(result);
                }
            }
            RoomCommand::Announce { event, data } => {
                self.forward(owner, Forwarded::Announce { event, data });
            }
            RoomCommand::SetState {
                sender,
                patch,
                reply,
            } => {
                if !self.members.contains_key(&sender) {
                    let _ = reply.send(Err(not_a_member()));
                } else if K::TYPED {
                    let _ = reply.send(Err(RoomError::new(Refusal::RoomStateServerOnly.text())));
                } else {
                    let set = Forwarded::SetState {
                        sender: sender.to_string(),
                        patch,
                    };
                    self.forward_answered(owner, set, move |answer| {
                        let _ = reply.send(answer.map_err(RoomError::new));
                    });
                }
            }
            RoomCommand::Update { change, reply } => {
                let changed = match self.kind.try_change(change) {
                    Ok(changed) => changed,
                    Err(error) => {
                        let _ = reply.send(Err(error));
                        return None;
                    }
                };
                let json = match changed.to_json() {
                    Ok(json) => json,
                    Err(error) => {
                        let detail = error;
                        let text = Refusal::RoomStateNotSerializable { detail: &detail }.text();
                        let _ = reply.send(Err(RoomError::new(text)));
                        return None;
                    }
                };
                if let Err(error) = self.check_size(&json) {
                    let _ = reply.send(Err(error));
                    return None;
                }
                let answer = StateReply {
                    json: json.clone(),
                    typed: changed.typed_clone(),
                };
                let patch = match diff_states(&self.synced, &json) {
                    StateChange::Unchanged => {
                        let _ = reply.send(Ok(answer));
                        return None;
                    }
                    StateChange::Delta(delta) => Forwarded::Patch {
                        delta,
                        whole: false,
                    },
                    StateChange::Replace => Forwarded::Patch {
                        delta: json,
                        whole: true,
                    },
                };
                self.forward_answered(owner, patch, move |result| {
                    let _ = reply.send(result.map(|()| answer).map_err(RoomError::new));
                });
            }
            other => return Some(other),
        }
        None
    }

    fn link_instance(&self) -> String {
        self.cluster
            .as_ref()
            .map(|cluster| cluster.link.instance.to_string())
            .unwrap_or_default()
    }

    fn forward(&self, owner: &str, request: Forwarded) {
        if let Some(cluster) = &self.cluster {
            cluster.link.forward(owner, request, None);
        }
    }

    fn forward_answered(
        &self,
        owner: &str,
        request: Forwarded,
        on_answer: impl FnOnce(Result<(), String>) + Send + 'static,
    ) {
        if let Some(cluster) = &self.cluster {
            cluster
                .link
                .forward(owner, request, Some(Box::new(on_answer)));
        }
    }

    /// An outcome from the owner, for the local members.
    pub(super) fn outcome(&mut self, owner: String, outcome: Outcome) {
        let owner_now = owner.clone();
        if self.is_owner() {
            // Fencing keeps a deposed owner from publishing; an outcome from another owner
            // means this server's claim is gone.
            tracing::warn!(room = %self.id, %owner, "another server owns this room");
            self.demote(Some(owner));
        } else {
            // A room still waiting for its claim task may hear the owner first.
            self.follow(owner);
        }
        match outcome {
            Outcome::Event {
                event,
                data,
                excluded,
                system,
                from,
            } => {
                if system
                    && event.starts_with("$presence:")
                    && let Some(table) = &mut self.presence
                {
                    table.follow(&event, &data);
                }
                let kind = if system {
                    ServerKind::RoomSystem
                } else {
                    ServerKind::RoomEvent
                };
                let from =
                    (!system).then(|| from.map_or(EventSender::Remote, |from| from.into_sender()));
                self.broadcast_event(kind, &event, &data, excluded.as_deref(), from.as_ref());
            }
            Outcome::State { delta } => {
                let mut next = self.synced.clone();
                apply_delta(&mut next, &delta);
                self.replace_remote(next);
            }
            Outcome::Replace { state } => self.replace_remote(state),
            Outcome::Joined {
                component_id,
                state,
                presence,
            } => {
                let pending = self
                    .cluster
                    .as_mut()
                    .and_then(|cluster| cluster.pending.remove(component_id.as_str()));
                if let Some(pending) = pending {
                    if state != self.synced {
                        self.replace_remote(state);
                    }
                    if let Some(table) = &mut self.presence {
                        table.replace(presence);
                    }
                    self.admit(
                        pending.member,
                        pending.handler,
                        Box::new(()),
                        &pending.kind,
                        pending.presence,
                    );
                    self.presence_state_to(&component_id);
                    let _ = pending.reply.send(Ok(self.state_reply()));
                }
            }
            Outcome::Rejoin {
                instance_id,
                component_ids,
            } if instance_id == self.link_instance() => self.rejoin(&owner_now, component_ids),
            Outcome::Rejoin { .. } => {}
            Outcome::Presence { entries } => {
                let changed = self.presence.as_mut().is_some_and(|table| {
                    let before = table.list();
                    table.replace(entries);
                    table.list() != before
                });
                // The local members' clients take the corrected list.
                if changed {
                    let local: Vec<Arc<str>> = self.members.keys().cloned().collect();
                    for id in local {
                        self.presence_state_to(&id);
                    }
                }
            }
            // The owner dropped a member that is still here (it did not hear this server
            // in time): it joins again.
            Outcome::Left { component_id } => {
                if self.members.contains_key(component_id.as_str()) {
                    tracing::info!(room = %self.id, %component_id, "member dropped by the owner; rejoining");
                    self.rejoin(&owner_now, vec![component_id]);
                }
            }
        }
    }

    /// Joins local members again that the owner no longer has (their join payload is gone:
    /// the hook gets `null`).
    fn rejoin(&self, owner: &str, component_ids: Vec<String>) {
        let instance_id = self.link_instance();
        for id in component_ids {
            let Some(joined) = self.members.get(id.as_str()) else {
                continue;
            };
            let join = Forwarded::Join {
                member: Box::new(RosterEntry {
                    component_id: id,
                    instance_id: instance_id.clone(),
                    connection_id: joined.member.connection_id.to_string(),
                    session: joined.member.identity.session().cloned(),
                    joined_at: joined.joined_at,
                    meta: joined.presence.clone(),
                }),
                payload: serde_json::Value::Null,
            };
            self.forward(owner, join);
        }
    }

    /// A leave reason from its wire name.
    pub(super) fn reason_of(name: &str) -> LeaveReason {
        match name {
            "disconnect" => LeaveReason::Disconnect,
            "cleanup" => LeaveReason::Cleanup,
            _ => LeaveReason::Leave,
        }
    }
}
