//! A room's connection to the cluster (one owner per room): the claim task (claim, renew,
//! watch for a dead owner), the owner's ordered publisher (outcomes fenced by the claim,
//! the mirror coalesced) and the other servers' ordered forwarder to the owner. They use
//! the adapter's singleton surface under the room's claim name, so a room's claim, mirror
//! and channel are fenced by the same compare-and-set scripts as a singleton's.

use super::command::RoomCommand;
use super::wire::{self, Forwarded, MirroredRoom, Outcome};
use crate::cluster::{
    Claim, ClusterAdapter, ClusterError, MessageRequest, MirroredState, Renewal, SingletonMessage,
};
use crate::protocol::ids::new_id;
use crate::support::now_ms;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};

/// What the claim task and the channels report to the room task.
#[derive(Debug)]
pub(crate) enum Signal {
    /// This server now owns the room; the previous owner's mirror, if any.
    Promote(Option<MirroredRoom>),
    /// Another server owns the room.
    Follow(String),
    /// This server lost its claim (another server holds it, if known).
    Demote(Option<String>),
    /// One heartbeat passed.
    Tick,
    /// The owner's outcome (`owner`: its instance id).
    Outcome { owner: String, outcome: Outcome },
    /// The owner released the room.
    Gone,
    /// A request from another server, for the owner.
    Forwarded {
        request: Box<Forwarded>,
        reply: tokio::sync::oneshot::Sender<Result<(), String>>,
    },
    /// A join this server forwarded was refused or never reached the owner.
    JoinFailed { component_id: String, error: String },
}

/// What the publisher does, in order.
#[derive(Debug)]
enum Publish {
    Outcome(Outcome),
    Mirror(MirroredRoom),
    Release,
}

/// What to do with the owner's answer to a forwarded request.
pub(super) type OnAnswer = Box<dyn FnOnce(Result<(), String>) + Send>;

/// A request for the owner, with where to send it.
struct Job {
    target: String,
    request: Forwarded,
    on_answer: Option<OnAnswer>,
}

/// The room's side of the cluster.
#[derive(Debug)]
pub(super) struct RoomLink {
    /// This server.
    pub(super) instance: Arc<str>,
    heartbeat: Duration,
    kick: Arc<Notify>,
    publish: mpsc::UnboundedSender<Publish>,
    forward: mpsc::UnboundedSender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("target", &self.target).finish()
    }
}

/// The settings every task of one room shares.
struct Shared {
    adapter: Arc<dyn ClusterAdapter>,
    name: String,
    /// The claim's component part: unique to this incarnation of the room here.
    token: String,
    heartbeat: Duration,
    timeout: Duration,
}

impl Shared {
    async fn op<T>(
        &self,
        future: impl Future<Output = Result<T, ClusterError>>,
    ) -> Result<T, ClusterError> {
        tokio::time::timeout(self.timeout, future)
            .await
            .unwrap_or_else(|_| Err(ClusterError::Timeout("room cluster operation".to_owned())))
    }
}

impl RoomLink {
    /// Starts the tasks of room `room_id`; they report to `room` (the room's own mailbox).
    pub(super) fn start(
        adapter: Arc<dyn ClusterAdapter>,
        room_id: &str,
        room: mpsc::Sender<RoomCommand>,
    ) -> Self {
        let instance: Arc<str> = Arc::from(adapter.instance_id());
        let heartbeat = adapter.heartbeat_interval().max(Duration::from_millis(10));
        let shared = Arc::new(Shared {
            timeout: adapter.operation_timeout(),
            adapter,
            name: wire::claim_name(room_id),
            token: new_id(),
            heartbeat,
        });
        let kick = Arc::new(Notify::new());
        let (publish, publish_rx) = mpsc::unbounded_channel();
        let (forward, forward_rx) = mpsc::unbounded_channel();
        tokio::spawn(claim(Arc::clone(&shared), Arc::clone(&kick), room.clone()));
        tokio::spawn(publisher(Arc::clone(&shared), publish_rx, room.clone()));
        tokio::spawn(forwarder(shared, forward_rx, room));
        Self {
            instance,
            heartbeat,
            kick,
            publish,
            forward,
        }
    }

    /// How long another server may stay silent before the owner drops its members.
    pub(super) fn expiry(&self) -> Duration {
        self.heartbeat.saturating_mul(6)
    }

    /// Wakes the claim task now (the owner released the room).
    pub(super) fn kick(&self) {
        self.kick.notify_one();
    }

    /// Owner: publishes an outcome to the other servers (fenced by the claim).
    pub(super) fn share(&self, outcome: Outcome) {
        let _ = self.publish.send(Publish::Outcome(outcome));
    }

    /// Owner: mirrors the room (coalesced, fenced).
    pub(super) fn mirror(&self, room: MirroredRoom) {
        let _ = self.publish.send(Publish::Mirror(room));
    }

    /// Owner: gives the claim up (the room is destroyed).
    pub(super) fn release(&self) {
        let _ = self.publish.send(Publish::Release);
    }

    /// Sends `request` to the owner `target`, in order with this room's other requests.
    pub(super) fn forward(&self, target: &str, request: Forwarded, on_answer: Option<OnAnswer>) {
        let job = Job {
            target: target.to_owned(),
            request,
            on_answer,
        };
        if let Err(error) = self.forward.send(job)
            && let Some(on_answer) = error.0.on_answer
        {
            on_answer(Err(
                crate::protocol::refusal::Refusal::RoomShuttingDown.text()
            ));
        }
    }
}

/// Sends a signal; false once the room has stopped.
async fn signal(room: &mpsc::Sender<RoomCommand>, signal: Signal) -> bool {
    room.send(RoomCommand::Cluster(signal)).await.is_ok()
}

/// The claim task: takes the room when nobody owns it, renews the claim while it owns it,
/// and reports the owner otherwise; ticks the room every heartbeat.
async fn claim(shared: Arc<Shared>, kick: Arc<Notify>, room: mpsc::Sender<RoomCommand>) {
    let adapter = &shared.adapter;
    let name = shared.name.as_str();
    if let Err(error) = shared.op(adapter.watch_singleton(name)).await {
        tracing::warn!(room = name, %error, "could not watch the room's channel");
    }
    let mut owner = false;
    let mut known = false;
    tracing::debug!(room = name, "room claim task watching");
    while !room.is_closed() {
        if owner {
            match shared
                .op(adapter.renew_singleton(name, &shared.token))
                .await
            {
                Ok(Renewal::Renewed | Renewal::Reclaimed) => {}
                Ok(Renewal::Lost(holder)) => {
                    owner = false;
                    let holder = holder.map(|holder| holder.instance_id);
                    if !signal(&room, Signal::Demote(holder)).await {
                        break;
                    }
                }
                Err(error) => tracing::warn!(room = name, %error, "room heartbeat failed"),
            }
        } else {
            match find_or_claim(&shared).await {
                Ok(Found::Ours) => {
                    owner = true;
                    known = true;
                    let mirror = load(&shared).await;
                    if !signal(&room, Signal::Promote(mirror)).await {
                        break;
                    }
                }
                Ok(Found::Other(instance)) => {
                    known = true;
                    if !signal(&room, Signal::Follow(instance)).await {
                        break;
                    }
                }
                Ok(Found::Nobody) => {}
                Err(error) if !known => {
                    // The backend is unreachable: serve locally; the heartbeat settles the
                    // claim once it is back.
                    tracing::warn!(room = name, %error, "cluster unreachable; room served locally");
                    owner = true;
                    known = true;
                    if !signal(&room, Signal::Promote(None)).await {
                        break;
                    }
                }
                Err(error) => tracing::warn!(room = name, %error, "room owner lookup failed"),
            }
        }
        if !signal(&room, Signal::Tick).await {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(shared.heartbeat) => {}
            () = kick.notified() => {}
        }
    }
    if let Err(error) = shared.op(adapter.unwatch_singleton(name)).await {
        tracing::debug!(room = name, %error, "unwatch failed");
    }
}

enum Found {
    Ours,
    Other(String),
    Nobody,
}

/// Who owns the room; claims it when nobody does.
async fn find_or_claim(shared: &Shared) -> Result<Found, ClusterError> {
    let adapter = &shared.adapter;
    let ours =
        |instance: &str, token: &str| instance == adapter.instance_id() && token == shared.token;
    if let Some(holder) = shared.op(adapter.singleton_owner(&shared.name)).await? {
        return Ok(if ours(&holder.instance_id, &holder.component_id) {
            Found::Ours
        } else {
            Found::Other(holder.instance_id)
        });
    }
    match shared
        .op(adapter.claim_singleton(&shared.name, &shared.token))
        .await?
    {
        Claim::Claimed => Ok(Found::Ours),
        Claim::Taken(Some(holder)) if ours(&holder.instance_id, &holder.component_id) => {
            Ok(Found::Ours)
        }
        Claim::Taken(Some(holder)) => Ok(Found::Other(holder.instance_id)),
        Claim::Taken(None) => Ok(Found::Nobody),
    }
}

/// The room's mirror (`None` when missing or unreadable).
async fn load(shared: &Shared) -> Option<MirroredRoom> {
    match shared
        .op(shared.adapter.load_singleton_state(&shared.name))
        .await
    {
        Ok(Some(mirror)) => serde_json::from_value(mirror.state)
            .inspect_err(|error| {
                tracing::warn!(room = %shared.name, %error, "room mirror unreadable");
            })
            .ok(),
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(room = %shared.name, %error, "room mirror not loaded");
            None
        }
    }
}

/// What the mirror task writes next: the latest mirror, then the release.
#[derive(Default)]
struct MirrorSlot {
    next: std::sync::Mutex<(Option<MirroredRoom>, bool)>,
    wake: Notify,
}

impl MirrorSlot {
    fn update(&self, change: impl FnOnce(&mut (Option<MirroredRoom>, bool))) {
        change(&mut crate::support::lock(&self.next));
        self.wake.notify_one();
    }
}

/// The owner's publisher: outcomes in order, each published only while the claim holds
/// this room's token. The mirror goes to its own task, so an outcome never waits behind a
/// mirror write. A refused write means the claim is lost: the room is told.
async fn publisher(
    shared: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<Publish>,
    room: mpsc::Sender<RoomCommand>,
) {
    let adapter = &shared.adapter;
    let name = shared.name.as_str();
    let owner = format!("{}:{}", adapter.instance_id(), shared.token);
    let slot = Arc::new(MirrorSlot::default());
    tokio::spawn(mirror(
        Arc::clone(&shared),
        Arc::clone(&slot),
        owner.clone(),
        room.clone(),
    ));
    while let Some(item) = rx.recv().await {
        match item {
            Publish::Outcome(outcome) => {
                let Ok(payload) = serde_json::to_value(&outcome) else {
                    continue;
                };
                let message = SingletonMessage::Event {
                    owner: owner.clone(),
                    event: wire::OUTCOME_EVENT.to_owned(),
                    payload,
                };
                match shared
                    .op(adapter.publish_singleton(name, &shared.token, &message))
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(room = name, "room claim lost; not publishing");
                        let _ = room.try_send(RoomCommand::Cluster(Signal::Demote(None)));
                    }
                    Err(error) => {
                        tracing::warn!(room = name, %error, "room outcome not published");
                    }
                }
            }
            Publish::Mirror(state) => slot.update(|next| next.0 = Some(state)),
            Publish::Release => {
                slot.update(|next| next.1 = true);
                return;
            }
        }
    }
    // The room stopped without releasing (a follower): the mirror task ends too.
    slot.update(|next| next.1 = true);
}

/// Writes the latest mirror (coalesced), fenced by the claim; releases the claim last.
async fn mirror(
    shared: Arc<Shared>,
    slot: Arc<MirrorSlot>,
    owner: String,
    room: mpsc::Sender<RoomCommand>,
) {
    let adapter = &shared.adapter;
    let name = shared.name.as_str();
    let seq = AtomicU64::new(0);
    loop {
        slot.wake.notified().await;
        let (state, release) = std::mem::take(&mut *crate::support::lock(&slot.next));
        if let Some(state) = state
            && let Ok(state) = serde_json::to_value(&state)
        {
            let record = MirroredState {
                component_id: shared.token.clone(),
                owner: owner.clone(),
                seq: seq.fetch_add(1, Ordering::Relaxed) + 1,
                state,
                updated_at: now_ms(),
            };
            match shared.op(adapter.save_singleton_state(name, &record)).await {
                Ok(true) => {}
                Ok(false) if !release => {
                    tracing::warn!(room = name, "room claim lost; not mirroring");
                    let _ = room.try_send(RoomCommand::Cluster(Signal::Demote(None)));
                }
                Ok(false) => {}
                Err(error) => tracing::warn!(room = name, %error, "room mirror not written"),
            }
        }
        if release {
            if let Err(error) = shared
                .op(adapter.release_singleton(name, &shared.token))
                .await
            {
                tracing::warn!(room = name, %error, "room release failed; the claim will expire");
            }
            return;
        }
    }
}

/// The forwarder: sends requests to the owner in order; answers arrive on their own.
async fn forwarder(
    shared: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<Job>,
    room: mpsc::Sender<RoomCommand>,
) {
    let adapter = &shared.adapter;
    let next = AtomicU64::new(0);
    while let Some(job) = rx.recv().await {
        let Ok(payload) = serde_json::to_value(&job.request) else {
            continue;
        };
        let join = match &job.request {
            Forwarded::Join { member, .. } => Some(member.component_id.clone()),
            _ => None,
        };
        let request = MessageRequest {
            request_id: format!("{}-r{}", shared.token, next.fetch_add(1, Ordering::Relaxed)),
            source_instance_id: adapter.instance_id().to_owned(),
            target_instance_id: job.target,
            component_id: shared.token.clone(),
            component_name: shared.name.clone(),
            message_type: wire::FORWARD_TYPE.to_owned(),
            payload,
        };
        let sent = shared.op(adapter.forward_message(request)).await;
        if let Err(error) = &sent {
            tracing::debug!(room = %shared.name, %error, "forward not sent");
        }
        let room = room.clone();
        let on_answer = job.on_answer;
        tokio::spawn(async move {
            let answer = match sent {
                Ok(pending) => match pending.await {
                    Ok(response) if response.delivered => Ok(()),
                    Ok(response) => Err(response.error.unwrap_or_default()),
                    Err(error) => Err(error.to_string()),
                },
                Err(error) => Err(error.to_string()),
            };
            if let (Err(error), Some(component_id)) = (&answer, join) {
                let failed = Signal::JoinFailed {
                    component_id,
                    error: error.clone(),
                };
                let _ = room.send(RoomCommand::Cluster(failed)).await;
            }
            if let Some(on_answer) = on_answer {
                on_answer(answer);
            }
        });
    }
}
