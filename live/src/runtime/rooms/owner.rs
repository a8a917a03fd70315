//! The owner of a room in a cluster serves the other servers' requests: it runs the hooks
//! once for the whole cluster and publishes every outcome.

use super::actor::RoomActor;
use super::clustered::RemoteMember;
use super::kinds::RoomKind;
use super::wire::{Forwarded, Outcome, WireSender};
use crate::protocol::kinds::ServerKind;
use crate::protocol::refusal::Refusal;
use crate::room::{EventSender, JoinInfo, LeaveInfo, LeaveReason, RoomError};
use crate::state::diff::apply_delta;
use std::sync::Arc;
use tokio::time::Instant;

impl<K: RoomKind> RoomActor<K> {
    /// Whether `id` is a member here or (on the owner) on another server.
    pub(super) fn is_member(&self, id: &str) -> bool {
        self.members.contains_key(id)
            || self
                .cluster
                .as_ref()
                .is_some_and(|cluster| cluster.remote.contains_key(id))
    }

    /// Member `id` (here or, on the owner, on another server) as the sender of its own
    /// code's events; `None` when it is no member.
    pub(super) fn member_sender(&self, id: &str) -> Option<EventSender> {
        if let Some(joined) = self.members.get(id) {
            return Some(EventSender::Component {
                component_id: Arc::clone(&joined.member.component_id),
                identity: joined.member.identity.clone(),
            });
        }
        let remote = self.cluster.as_ref()?.remote.get(id)?;
        Some(EventSender::Component {
            component_id: Arc::from(id),
            identity: remote.entry.identity(),
        })
    }

    /// Serves a request forwarded by another server; the error is the refusal text.
    pub(super) fn serve(&mut self, request: Forwarded) -> Result<(), String> {
        match request {
            Forwarded::Join { member, payload } => {
                let id: Arc<str> = Arc::from(member.component_id.as_str());
                if let Some(cluster) = &mut self.cluster {
                    cluster
                        .heard
                        .insert(member.instance_id.clone(), Instant::now());
                }
                if !self.is_member(&id) {
                    if let Some(max) = self.kind.max_members()
                        && self.member_total() >= max
                    {
                        return Err(Refusal::RoomFull.text());
                    }
                    let info = JoinInfo {
                        component_id: member.component_id.clone(),
                        identity: member.identity(),
                        payload,
                    };
                    let membership = self.kind.on_join(&info).map_err(|error| {
                        let reason = error.message();
                        Refusal::RoomJoinRejected { reason }.text()
                    })?;
                    self.publish_state(None);
                    tracing::debug!(room = %self.id, member = %id, from = %member.instance_id, "remote join");
                    let present = member.present();
                    if let Some(cluster) = &mut self.cluster {
                        let remote = RemoteMember {
                            entry: *member,
                            membership,
                        };
                        cluster.remote.insert(Arc::clone(&id), remote);
                    }
                    self.touch();
                    self.refresh_empty();
                    self.presence_join(present);
                }
                let state = self.synced.clone();
                let component_id = id.to_string();
                let presence = self.presence_list();
                self.share(|| Outcome::Joined {
                    component_id,
                    state,
                    presence,
                });
                self.system_event("$sub:join", &id);
                Ok(())
            }
            Forwarded::Leave {
                component_id,
                reason,
            } => {
                self.remote_leave(&component_id, Self::reason_of(&reason));
                Ok(())
            }
            Forwarded::Emit {
                sender,
                include_sender,
                event,
                data,
                from,
            } => {
                let client = from
                    .map(|from| from.into_sender())
                    .filter(EventSender::is_client);
                self.emit(&sender, include_sender, &event, data, client)
                    .map_err(|error| error.message().to_owned())
            }
            Forwarded::Announce { event, data } => {
                self.announce(&event, data);
                Ok(())
            }
            Forwarded::SetState { sender, patch } => self
                .set_state(&sender, patch)
                .map_err(|error| error.message().to_owned()),
            Forwarded::Patch { delta, whole } => self
                .patch(delta, whole)
                .map_err(|error| error.message().to_owned()),
            Forwarded::Roster {
                instance_id,
                members,
                digest,
            } => {
                if let Some(cluster) = &mut self.cluster {
                    cluster.heard.insert(instance_id.clone(), Instant::now());
                }
                self.drop_instance(&instance_id, &members);
                let unknown: Vec<String> = members
                    .into_iter()
                    .filter(|id| !self.is_member(id))
                    .collect();
                if !unknown.is_empty() {
                    tracing::info!(room = %self.id, %instance_id, ?unknown, "members to rejoin");
                    self.share(|| Outcome::Rejoin {
                        instance_id,
                        component_ids: unknown,
                    });
                }
                self.resync_if_stale(digest);
                Ok(())
            }
        }
    }

    /// A typed change made on another server's copy.
    fn patch(&mut self, delta: serde_json::Value, whole: bool) -> Result<(), RoomError> {
        let next = if whole {
            delta
        } else {
            let mut next = self.synced.clone();
            apply_delta(&mut next, &delta);
            next
        };
        self.check_size(&next)?;
        self.kind.replace_remote(next)?;
        self.publish_state(None);
        Ok(())
    }

    /// Owner: a member on another server leaves: its hook runs once, everybody hears it.
    pub(super) fn remote_leave(&mut self, component_id: &str, reason: LeaveReason) {
        let Some(remote) = self
            .cluster
            .as_mut()
            .and_then(|cluster| cluster.remote.remove(component_id))
        else {
            return;
        };
        let info = LeaveInfo {
            component_id: component_id.to_owned(),
            reason,
        };
        self.kind.on_leave(&info, remote.membership);
        self.publish_state(None);
        let left = component_id.to_owned();
        self.share(|| Outcome::Left { component_id: left });
        self.system_event("$sub:leave", component_id);
        self.presence_leave(component_id);
        self.touch();
        self.refresh_empty();
    }

    /// Owner: an event for every member here and on the other servers.
    pub(super) fn share_event(
        &mut self,
        kind: ServerKind,
        event: &str,
        data: &serde_json::Value,
        excluded: Option<&str>,
        from: Option<&EventSender>,
    ) {
        let system = kind == ServerKind::RoomSystem;
        self.share(|| Outcome::Event {
            event: event.to_owned(),
            data: data.clone(),
            excluded: excluded.map(str::to_owned),
            system,
            from: from.and_then(WireSender::of),
        });
    }
}
