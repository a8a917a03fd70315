//! A room in a cluster has one owner. The owner runs the hooks and holds the state and the
//! whole member roster; every other server (a follower) keeps only its local members, for
//! delivery, forwards everything else to the owner, and relays the owner's outcomes. This
//! file holds the role, and what the claim task's signals do to it.

use super::actor::RoomActor;
use super::command::{JoinKind, Member, RoomCommand, StateReply};
use super::kinds::RoomKind;
use super::link::{RoomLink, Signal};
use super::wire::{MirroredRoom, Outcome, RosterEntry};
use crate::room::{JoinInfo, LeaveReason, MembershipValue, RoomError};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::time::Instant;

/// Which part this server plays for one room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Role {
    /// Not known yet: commands wait.
    Pending,
    /// This server owns the room.
    Owner,
    /// The server `owner` (instance id) owns it.
    Follower { owner: String },
}

/// A member on another server, as the owner keeps it.
pub(super) struct RemoteMember {
    pub(super) entry: RosterEntry,
    pub(super) membership: MembershipValue,
}

/// A join forwarded to the owner, waiting for its `Joined` outcome.
pub(super) struct PendingJoin {
    pub(super) member: Member,
    pub(super) kind: JoinKind,
    pub(super) handler: bool,
    pub(super) presence: serde_json::Value,
    pub(super) reply: oneshot::Sender<Result<StateReply, RoomError>>,
    pub(super) since: Instant,
}

/// A room's cluster side, inside its task.
pub(super) struct ClusterRoom {
    pub(super) link: RoomLink,
    pub(super) role: Role,
    /// Owner: members on other servers.
    pub(super) remote: HashMap<Arc<str>, RemoteMember>,
    /// Owner: when each other server last announced its members.
    pub(super) heard: HashMap<String, Instant>,
    /// Follower: joins waiting for the owner.
    pub(super) pending: HashMap<Arc<str>, PendingJoin>,
    /// Commands that arrived before the role was known.
    pub(super) deferred: Vec<RoomCommand>,
    /// Owner: the roster or state changed since the last mirror.
    pub(super) dirty: bool,
    /// Owner: the room was published again for a stale follower in this heartbeat.
    pub(super) resynced: bool,
}

impl ClusterRoom {
    pub(super) fn new(link: RoomLink) -> Self {
        Self {
            link,
            role: Role::Pending,
            remote: HashMap::new(),
            heard: HashMap::new(),
            pending: HashMap::new(),
            deferred: Vec::new(),
            dirty: false,
            resynced: false,
        }
    }
}

impl<K: RoomKind> RoomActor<K> {
    /// Routes a command by role: `Some` when the command runs here as on a lone server (no
    /// cluster, or this server owns the room).
    pub(super) fn cluster_gate(&mut self, command: RoomCommand) -> Option<RoomCommand> {
        let Some(cluster) = &mut self.cluster else {
            return Some(command);
        };
        if let RoomCommand::Cluster(signal) = command {
            self.on_signal(signal);
            return None;
        }
        match &cluster.role {
            Role::Owner => Some(command),
            Role::Pending => {
                cluster.deferred.push(command);
                None
            }
            Role::Follower { owner } => {
                let owner = owner.clone();
                self.follower_command(&owner, command)
            }
        }
    }

    /// Whether this server owns the room in a cluster.
    pub(super) fn is_owner(&self) -> bool {
        self.cluster
            .as_ref()
            .is_some_and(|cluster| cluster.role == Role::Owner)
    }

    /// Every member of the room: local ones, and on the owner those of other servers.
    pub(super) fn member_total(&self) -> usize {
        self.members.len() + self.cluster.as_ref().map_or(0, |c| c.remote.len())
    }

    /// Owner: publishes an outcome to the other servers.
    pub(super) fn share(&mut self, outcome: impl FnOnce() -> Outcome) {
        if let Some(cluster) = &mut self.cluster
            && cluster.role == Role::Owner
        {
            cluster.link.share(outcome());
        }
    }

    /// Owner: marks the room for mirroring.
    pub(super) fn touch(&mut self) {
        if let Some(cluster) = &mut self.cluster {
            cluster.dirty = true;
        }
    }

    /// Owner: mirrors the room if it changed.
    pub(super) fn flush_mirror(&mut self) {
        let Some(cluster) = &mut self.cluster else {
            return;
        };
        if !cluster.dirty || cluster.role != Role::Owner {
            return;
        }
        cluster.dirty = false;
        let instance = cluster.link.instance.to_string();
        let mut members: Vec<RosterEntry> = cluster
            .remote
            .values()
            .map(|remote| remote.entry.clone())
            .collect();
        members.extend(self.members.values().map(|joined| RosterEntry {
            component_id: joined.member.component_id.to_string(),
            instance_id: instance.clone(),
            connection_id: joined.member.connection_id.to_string(),
            session: joined.member.identity.session().cloned(),
            joined_at: joined.joined_at,
            meta: joined.presence.clone(),
        }));
        cluster.link.mirror(MirroredRoom {
            state: self.synced.clone(),
            members,
        });
    }

    fn on_signal(&mut self, signal: Signal) {
        match signal {
            Signal::Promote(mirror) => self.promote(mirror),
            Signal::Follow(owner) => self.follow(owner),
            Signal::Demote(holder) => self.demote(holder),
            Signal::Tick => self.tick(),
            Signal::Outcome { owner, outcome } => self.outcome(owner, outcome),
            Signal::Gone => {
                if let Some(cluster) = &self.cluster {
                    cluster.link.kick();
                }
            }
            Signal::Forwarded { request, reply } => {
                let result = if self.is_owner() {
                    self.serve(*request)
                } else {
                    Err(crate::protocol::refusal::Refusal::OwnershipLost.text())
                };
                let _ = reply.send(result);
            }
            Signal::JoinFailed {
                component_id,
                error,
            } => {
                if let Some(cluster) = &mut self.cluster
                    && let Some(pending) = cluster.pending.remove(component_id.as_str())
                {
                    let _ = pending.reply.send(Err(RoomError::new(error)));
                }
            }
        }
        self.flush_mirror();
    }

    /// Runs the commands that waited for the role.
    fn run_deferred(&mut self) {
        let deferred = self
            .cluster
            .as_mut()
            .map(|cluster| std::mem::take(&mut cluster.deferred))
            .unwrap_or_default();
        for command in deferred {
            self.handle(command);
        }
    }

    /// This server took the room: it continues from the mirror (state and roster).
    fn promote(&mut self, mirror: Option<MirroredRoom>) {
        let Some(cluster) = &mut self.cluster else {
            return;
        };
        tracing::info!(room = %self.id, "room owned here");
        cluster.role = Role::Owner;
        cluster.pending.clear();
        let instance = cluster.link.instance.to_string();
        let now = Instant::now();
        let mut roster = Vec::new();
        if let Some(mirror) = mirror {
            if let Err(error) = self.kind.replace_remote(mirror.state) {
                tracing::warn!(room = %self.id, %error, "room mirror not applied");
            }
            self.deliver_state(None);
            roster = mirror.members;
        }
        let mut mirrored_here = Vec::new();
        let mut others = Vec::new();
        if let Some(cluster) = &mut self.cluster {
            for entry in roster {
                if entry.instance_id == instance {
                    mirrored_here.push(entry.component_id);
                    continue;
                }
                cluster.heard.insert(entry.instance_id.clone(), now);
                others.push(entry.clone());
                let id: Arc<str> = Arc::from(entry.component_id.as_str());
                let membership: MembershipValue = Box::new(());
                cluster
                    .remote
                    .insert(id, RemoteMember { entry, membership });
            }
        }
        // Local members the mirror did not have yet: their join runs now.
        let unknown: Vec<Arc<str>> = self
            .members
            .keys()
            .filter(|id| !mirrored_here.iter().any(|m| m.as_str() == &***id))
            .cloned()
            .collect();
        tracing::info!(room = %self.id, mirrored = mirrored_here.len(), unknown = unknown.len(), state = %self.synced, "room promoted");
        for id in unknown {
            let Some(joined) = self.members.get_mut(&id) else {
                continue;
            };
            let info = JoinInfo {
                component_id: id.to_string(),
                identity: joined.member.identity.clone(),
                payload: serde_json::Value::Null,
            };
            if let Ok(membership) = self.kind.on_join(&info) {
                joined.membership = membership;
            }
        }
        self.rebuild_presence(others);
        self.publish_state(None);
        let state = self.synced.clone();
        self.share(|| Outcome::Replace { state });
        if self.presence.is_some() {
            let entries = self.presence_list();
            self.share(|| Outcome::Presence { entries });
        }
        self.touch();
        self.refresh_empty();
        self.run_deferred();
    }

    pub(super) fn follow(&mut self, owner: String) {
        let Some(cluster) = &mut self.cluster else {
            return;
        };
        let was_pending = cluster.role == Role::Pending;
        if cluster.role != Role::Owner {
            cluster.role = Role::Follower { owner };
        }
        if was_pending {
            self.run_deferred();
        }
    }

    pub(super) fn demote(&mut self, holder: Option<String>) {
        let Some(cluster) = &mut self.cluster else {
            return;
        };
        if cluster.role != Role::Owner {
            return;
        }
        tracing::warn!(room = %self.id, "room claim lost; following the new owner");
        cluster.remote.clear();
        cluster.heard.clear();
        cluster.role = match holder {
            Some(owner) => Role::Follower { owner },
            None => Role::Follower {
                owner: String::new(),
            },
        };
        cluster.link.kick();
    }

    /// Every heartbeat: a follower announces its members; the owner drops the members of
    /// servers it has not heard from; stale forwarded joins fail.
    fn tick(&mut self) {
        // Only a follower sends its copy's digest: the owner would hash its state for nothing.
        let following = self
            .cluster
            .as_ref()
            .is_some_and(|cluster| matches!(cluster.role, Role::Follower { .. }));
        let digest = following.then(|| self.copy_digest());
        let Some(cluster) = &mut self.cluster else {
            return;
        };
        cluster.resynced = false;
        let expiry = cluster.link.expiry();
        match cluster.role.clone() {
            Role::Follower { owner } if !owner.is_empty() => {
                let mut members: Vec<String> =
                    self.members.keys().map(|id| id.to_string()).collect();
                members.extend(cluster.pending.keys().map(|id| id.to_string()));
                let roster = super::wire::Forwarded::Roster {
                    instance_id: cluster.link.instance.to_string(),
                    members,
                    digest,
                };
                cluster.link.forward(&owner, roster, None);
                let stale: Vec<Arc<str>> = cluster
                    .pending
                    .iter()
                    .filter(|(_, pending)| pending.since.elapsed() > expiry)
                    .map(|(id, _)| Arc::clone(id))
                    .collect();
                for id in stale {
                    if let Some(pending) = cluster.pending.remove(&id) {
                        let error = crate::protocol::refusal::Refusal::RoomShuttingDown.text();
                        let _ = pending.reply.send(Err(RoomError::new(error)));
                    }
                }
            }
            Role::Owner => {
                let silent: Vec<String> = cluster
                    .heard
                    .iter()
                    .filter(|(_, at)| at.elapsed() > expiry)
                    .map(|(instance, _)| instance.clone())
                    .collect();
                for instance in &silent {
                    cluster.heard.remove(instance);
                }
                for instance in silent {
                    tracing::info!(room = %self.id, %instance, "server silent; its members leave");
                    self.drop_instance(&instance, &[]);
                }
            }
            _ => {}
        }
    }

    /// Owner: every member of `instance` not in `keep` leaves (disconnected).
    pub(super) fn drop_instance(&mut self, instance: &str, keep: &[String]) {
        let Some(cluster) = &self.cluster else {
            return;
        };
        let gone: Vec<Arc<str>> = cluster
            .remote
            .iter()
            .filter(|(id, remote)| {
                remote.entry.instance_id == instance && !keep.iter().any(|k| k.as_str() == &***id)
            })
            .map(|(id, _)| Arc::clone(id))
            .collect();
        for id in gone {
            self.remote_leave(&id, LeaveReason::Disconnect);
        }
    }
}
