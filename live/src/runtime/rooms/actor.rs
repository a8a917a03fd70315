//! The room task: owns one room's state and members.

use super::clustered::ClusterRoom;
use super::command::{JoinKind, Member, RoomCommand, RoomHandle, StateReply};
use super::frames;
use super::kinds::RoomKind;
use super::link::RoomLink;
use super::presence::Presence;
use super::table::RoomTable;
use crate::cluster::RoomMessage;
use crate::protocol::refusal::Refusal;
use crate::room::{JoinInfo, LeaveInfo, LeaveReason, MembershipValue, RoomError};
use crate::runtime::outbox::OutFrame;
use crate::runtime::stats::{Counted, StatsGuard};
use crate::support::now_ms;
use serde_json::{Map, Value};
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How many commands may wait in one room's mailbox.
const ROOM_QUEUE: usize = 1024;

/// Starts the task of room `room_id`.
pub(super) fn spawn<K: RoomKind>(
    room_id: &str,
    kind: K,
    typed: Option<TypeId>,
    table: Arc<RoomTable>,
) -> RoomHandle {
    let id: Arc<str> = Arc::from(room_id);
    let (tx, rx) = mpsc::channel(ROOM_QUEUE);
    let synced = kind.to_json().unwrap_or_else(|_| Value::Object(Map::new()));
    let counted = table.stats.track(Counted::Room);
    if let Some(fan_out) = &table.fan_out {
        fan_out.watch(&id, true);
    }
    let member_count = Arc::new(AtomicUsize::new(0));
    let cluster = table
        .fan_out
        .as_ref()
        .map(|fan_out| ClusterRoom::new(RoomLink::start(fan_out.adapter(), &id, tx.clone())));
    let actor = RoomActor {
        cluster,
        presence: RoomActor::new_presence(&kind),
        id: Arc::clone(&id),
        member_count: Arc::clone(&member_count),
        kind,
        synced,
        members: HashMap::new(),
        empty_since: Some(Instant::now()),
        table,
        mailbox: rx,
        _counted: counted,
    };
    tokio::spawn(actor.run());
    RoomHandle {
        id,
        typed,
        tx,
        members: member_count,
    }
}

/// A member, as the room keeps it.
pub(super) struct Joined {
    pub(super) member: Member,
    /// The member runs a typed handler for this room's events.
    pub(super) handler: bool,
    /// What the room's `on_join` made for it, handed back to `on_leave`.
    pub(super) membership: MembershipValue,
    /// When it joined (ms since the epoch).
    pub(super) joined_at: u64,
    /// Its presence metadata.
    pub(super) presence: Value,
    _counted: StatsGuard,
}

/// One room's task: its state and members.
pub(super) struct RoomActor<K> {
    pub(super) id: Arc<str>,
    pub(super) kind: K,
    /// The state every member's clients have.
    pub(super) synced: Value,
    pub(super) members: HashMap<Arc<str>, Joined>,
    /// `members.len()`, shared with the room's handles.
    member_count: Arc<AtomicUsize>,
    /// When the room became empty (a new room starts empty).
    pub(super) empty_since: Option<Instant>,
    /// The room's cluster side (`None`: this server runs alone).
    pub(super) cluster: Option<ClusterRoom>,
    /// Who is here (rooms with presence).
    pub(super) presence: Option<Presence>,
    pub(super) table: Arc<RoomTable>,
    mailbox: mpsc::Receiver<RoomCommand>,
    _counted: StatsGuard,
}

impl<K: RoomKind> RoomActor<K> {
    async fn run(mut self) {
        loop {
            let deadline = self
                .empty_since
                .map(|since| since + self.table.settings.empty_grace);
            tokio::select! {
                command = self.mailbox.recv() => match command {
                    Some(command) => self.handle(command),
                    None => break,
                },
                () = sleep_until(deadline), if deadline.is_some() => {
                    // A follower keeps no room of its own: it just stops.
                    let follower = self.cluster.is_some() && !self.is_owner();
                    if follower || self.kind.on_destroy() {
                        if self.table.release(&self.id, &self.mailbox).await {
                            if let Some(cluster) = &self.cluster
                                && !follower
                            {
                                cluster.link.release();
                            }
                            break;
                        }
                    } else {
                        // Kept by its hook: ask again after another grace period.
                        self.empty_since = Some(Instant::now());
                    }
                }
            }
        }
        if let Some(fan_out) = &self.table.fan_out {
            fan_out.watch(&self.id, false);
        }
        tracing::debug!(room = %self.id, "room destroyed");
    }

    /// Runs one command (in a cluster, as its role says), then mirrors what changed.
    pub(super) fn handle(&mut self, command: RoomCommand) {
        if let Some(command) = self.cluster_gate(command) {
            self.handle_here(command);
        }
        self.flush_mirror();
    }

    fn handle_here(&mut self, command: RoomCommand) {
        match command {
            RoomCommand::Join {
                member,
                payload,
                kind,
                handler,
                presence,
                reply,
            } => {
                let _ = reply.send(self.join(member, payload, kind, handler, *presence));
            }
            RoomCommand::Presence { reply } => {
                let list = self.presence_list();
                let _ = reply.send(
                    list.into_iter()
                        .filter_map(|entry| serde_json::to_value(entry).ok())
                        .collect(),
                );
            }
            RoomCommand::Leave {
                component_id,
                reason,
                done,
            } => {
                self.leave(&component_id, reason);
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
                let result = self.emit(&sender, include_sender, &event, data, client);
                match (reply, result) {
                    (Some(reply), result) => {
                        let _ = reply.send(result);
                    }
                    (None, Err(error)) => {
                        tracing::debug!(room = %self.id, %sender, %error, "emit refused");
                    }
                    (None, Ok(())) => {}
                }
            }
            RoomCommand::SetState {
                sender,
                patch,
                reply,
            } => {
                let _ = reply.send(self.set_state(&sender, patch));
            }
            RoomCommand::Update { change, reply } => {
                let result = self
                    .kind
                    .try_change(change)
                    .and_then(|changed| self.commit(changed))
                    .map(|()| self.state_reply());
                let _ = reply.send(result);
            }
            RoomCommand::Announce { event, data } => self.announce(&event, data),
            RoomCommand::GetState { member, reply } => {
                let result = match member {
                    Some(id) if !self.members.contains_key(&id) => Err(not_a_member()),
                    _ => Ok(self.state_reply()),
                };
                let _ = reply.send(result);
            }
            RoomCommand::Remote(message) => self.remote(message),
            // Handled by `cluster_gate`.
            RoomCommand::Cluster(_) => {}
            RoomCommand::Broadcast { sender, frame } => {
                self.fan_out(|| RoomMessage::Broadcast {
                    frame: String::from_utf8_lossy(&frame).into_owned(),
                });
                let frame = OutFrame::Text(frame);
                for (id, joined) in &self.members {
                    if *id != sender {
                        joined.member.audience.push(frame.clone());
                    }
                }
            }
        }
    }

    pub(super) fn state_reply(&self) -> StateReply {
        StateReply {
            json: self.synced.clone(),
            typed: self.kind.typed_clone(),
        }
    }

    fn join(
        &mut self,
        member: Member,
        payload: Value,
        kind: JoinKind,
        handler: bool,
        presence: Value,
    ) -> Result<StateReply, RoomError> {
        let already = self.members.contains_key(&member.component_id);
        if !already
            && let Some(max) = self.kind.max_members()
            && self.member_total() >= max
        {
            return Err(RoomError::new(Refusal::RoomFull.text()));
        }
        let info = JoinInfo {
            component_id: member.component_id.to_string(),
            identity: member.identity.clone(),
            payload,
        };
        let membership = self.kind.on_join(&info).map_err(|error| {
            let reason = error.message();
            RoomError::new(Refusal::RoomJoinRejected { reason }.text())
        })?;
        let id = Arc::clone(&member.component_id);
        self.publish_state(Some(&id));
        let present = super::presence::Present {
            component_id: id.to_string(),
            connection_id: member.connection_id.to_string(),
            user_id: member.identity.user_id().map(str::to_owned),
            session_id: member.identity.session().and_then(super::wire::session_id),
            joined_at: now_ms(),
            meta: presence.clone(),
        };
        self.admit(member, handler, membership, &kind, presence);
        self.touch();
        self.system_event("$sub:join", &id);
        self.presence_join(present);
        self.presence_state_to(&id);
        Ok(self.state_reply())
    }

    /// Adds a member and sends it its `ROOM_JOINED` (as `kind` asks).
    pub(super) fn admit(
        &mut self,
        member: Member,
        handler: bool,
        membership: MembershipValue,
        kind: &JoinKind,
        presence: Value,
    ) {
        let id = Arc::clone(&member.component_id);
        let joined = Joined {
            member,
            handler,
            membership,
            joined_at: now_ms(),
            presence,
            _counted: self.table.stats.track(Counted::RoomMember),
        };
        self.members.insert(Arc::clone(&id), joined);
        self.after_local_change();
        if let Some(joined) = self.members.get(&id) {
            let frame = match kind {
                JoinKind::Server => Some(frames::joined_by_server(&id, &self.id, &self.synced)),
                JoinKind::Client { request_id } => Some(frames::joined_by_client(
                    &id,
                    &self.id,
                    &self.synced,
                    request_id.as_deref(),
                )),
                JoinKind::Default => None,
            };
            if let Some(frame) = frame {
                joined.member.audience.push(OutFrame::Text(frame));
            }
        }
    }

    /// The local member count changed: the handles' count and the empty timer follow.
    pub(super) fn after_local_change(&mut self) {
        self.member_count
            .store(self.members.len(), Ordering::Relaxed);
        self.refresh_empty();
    }

    /// Starts the empty timer when the room has no member (anywhere), stops it otherwise.
    pub(super) fn refresh_empty(&mut self) {
        let pending = self.cluster.as_ref().is_some_and(|c| !c.pending.is_empty());
        if self.member_total() == 0 && !pending {
            if self.empty_since.is_none() {
                self.empty_since = Some(Instant::now());
            }
        } else {
            self.empty_since = None;
        }
    }

    fn leave(&mut self, component_id: &str, reason: LeaveReason) {
        let Some(joined) = self.members.remove(component_id) else {
            return;
        };
        self.member_count
            .store(self.members.len(), Ordering::Relaxed);
        self.touch();
        self.kind.on_leave(
            &LeaveInfo {
                component_id: component_id.to_owned(),
                reason,
            },
            joined.membership,
        );
        self.publish_state(None);
        self.system_event("$sub:leave", component_id);
        self.presence_leave(component_id);
        self.refresh_empty();
    }
}

pub(super) fn not_a_member() -> RoomError {
    RoomError::new(Refusal::NotRoomMember.text())
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
