//! The component actor's state, and what every part of it uses: the call context and
//! sending a frame to every viewer.

use super::env::ComponentEnv;
use crate::component::RoomHandler;
use crate::component::push::{BoxJob, Pusher};
use crate::component::{Ctx, Identity, LiveComponent};
use crate::metrics::InstanceMetrics;
use crate::runtime::cluster_link::SingletonLink;
use crate::runtime::mailbox::Inbox;
use crate::runtime::outbox::{Audience, OutFrame, Outbox};
use crate::runtime::rooms::{RoomHandle, TypedRoomOps};
use crate::runtime::singleton_table::SingletonTable;
use crate::runtime::stats::StatsGuard;
use crate::security::ActionWindows;
use crate::support::IdTable;
use crate::support::queue::Receiver;
use bytes::Bytes;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use tokio::time::{Instant, Sleep};

/// One component instance's task state: the component, what its viewers have, its
/// mailboxes, rooms, timers and cluster link.
pub(super) struct Actor<C> {
    pub(super) id: Arc<str>,
    pub(super) component: C,
    /// The state every viewer has, as JSON; deltas are computed against it.
    pub(super) synced: Value,
    pub(super) viewers: IdTable<Outbox>,
    /// The viewers' outboxes, shared with the rooms the component is a member of.
    pub(super) audience: Audience,
    /// The connection that created it (the context of hooks and room handlers).
    pub(super) owner: Arc<str>,
    /// For singletons: the table to leave when the last viewer goes.
    pub(super) singleton: Option<Arc<SingletonTable>>,
    /// Membership changes and cluster news, then calls (`runtime::mailbox`).
    pub(super) mail: Inbox,
    /// Work pushed from timers, background tasks and app code, handled after calls.
    pub(super) jobs: Receiver<BoxJob<C>>,
    /// Starts the component's timers and tasks; aborts them all when it is destroyed.
    pub(super) pusher: Arc<Pusher<C>>,
    /// Room access as this component (shared with every call's context).
    pub(super) rooms: Arc<TypedRoomOps>,
    /// The typed handler of each room joined with one (the rooms themselves are in
    /// `rooms.memberships`).
    pub(super) handlers: HashMap<String, RoomHandler<C>>,
    /// The untyped default room from mount.
    pub(super) default_room: Option<RoomHandle>,
    /// Version of the last signed state (mount signs version 1).
    pub(super) version: u64,
    /// The state changed since the last signature.
    pub(super) signature_due: bool,
    /// When the last signature was sent.
    pub(super) last_signature: Option<Instant>,
    /// When changes made by viewer joins and leaves are published (none pending: `None`).
    pub(super) membership_publish_at: Option<Instant>,
    /// The one timer of the actor (signature renewal, membership publishing), created when
    /// first needed and reset only when its deadline moves.
    pub(super) timer: Option<Pin<Box<Sleep>>>,
    /// The deadline `timer` is set to, if it is armed.
    pub(super) timer_armed: Option<Instant>,
    /// Per-action rate-limit windows.
    pub(super) windows: ActionWindows,
    pub(super) env: Arc<ComponentEnv>,
    pub(super) _counted: StatsGuard,
    /// This instance's series (actions, latency; running while it lives).
    pub(super) metrics: InstanceMetrics,
    /// Cluster singletons: ownership, mirroring, proxying (boxed: most components have none).
    pub(super) cluster: Option<Box<SingletonLink>>,
}

impl<C> fmt::Debug for Actor<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Actor")
            .field("id", &self.id)
            .field("viewers", &self.viewers.len())
            .finish()
    }
}

impl<C: LiveComponent> Actor<C> {
    /// A context for a call made by `connection_id`, with room access.
    pub(super) fn ctx(&self, connection_id: Arc<str>, identity: Identity) -> Ctx<C> {
        Ctx::new(Arc::clone(&self.id), connection_id, identity)
            .with_rooms(self.rooms.clone())
            .with_pusher(Arc::clone(&self.pusher))
    }

    /// Sends a text frame, encoded once, to every viewer.
    pub(super) fn broadcast(&self, frame: Bytes) {
        self.send_to_viewers(OutFrame::Text(frame));
    }

    /// Sends a frame to every viewer. The last viewer (the only one, for a private
    /// component) takes the frame itself: a clone of a frame that is not shared yet
    /// allocates its shared header.
    pub(super) fn send_to_viewers(&self, frame: OutFrame) {
        let mut frame = Some(frame);
        let last = self.viewers.len().saturating_sub(1);
        for (at, outbox) in self.viewers.values().enumerate() {
            let copy = if at == last {
                frame.take()
            } else {
                frame.clone()
            };
            if let Some(copy) = copy {
                outbox.push(copy);
            }
        }
    }
}
