//! One client connection: validates inbound frames and routes them to components.
//!
//! Transport-agnostic: an adapter feeds it text and binary frames and drains its
//! [`Outbox`]; see [`super::transport`].

mod calls;
mod dispatch;
mod local_actors;
mod mount;
mod uploads;
mod wake;

use super::hub::Hub;
use super::mailbox::{ComponentHandle, Viewer};
use super::outbox::{NORMAL_CLOSE, Outbox};
use super::stats::{Counted, StatsGuard};
use crate::component::Identity;
use crate::protocol::ids::new_id;
use crate::protocol::inbound::InboundLimits;
use crate::protocol::kinds::ServerKind;
use crate::protocol::outbound::{self, Reply};
use crate::room::LeaveReason;
use crate::runtime::uploads::Uploads;
use crate::security::TokenBucket;
use crate::support::IdTable;
use std::collections::BTreeSet;
use std::sync::Arc;

pub(crate) use local_actors::{LocalActors, Starting};
pub(crate) use wake::ConnectionWake;

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
    components: IdTable<ComponentHandle>,
    /// Actors of private components mounted by the message being handled; the transport
    /// runs them in this connection's task ([`LocalActors`]).
    starting: Starting,
    /// Rooms joined with `ROOM_JOIN`, per component (for the room limit).
    /// A B-tree: empty, it is 24 bytes and no hasher (most connections join no room).
    client_rooms: BTreeSet<(Arc<str>, String)>,
    /// Uploads in progress, by upload id.
    uploads: Uploads,
    _counted: StatsGuard,
}
impl Connection {
    /// Opens a connection and queues `CONNECTION_ESTABLISHED`.
    pub(crate) fn open(hub: Arc<Hub>) -> Self {
        let id: Arc<str> = Arc::from(new_id());
        let outbox = Outbox::counted(hub.config.outbound_queue_frames, Arc::clone(&hub.metrics));
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
            components: IdTable::default(),
            starting: Starting::default(),
            client_rooms: BTreeSet::new(),
            uploads: Uploads::default(),
            _counted: counted,
        }
    }

    /// The connection's id (as components see it).
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Private components' actors started since the last call, for the transport to run.
    pub(crate) fn starting(&mut self) -> &mut Starting {
        &mut self.starting
    }

    /// The queue the transport's writer drains.
    pub(crate) fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    pub(super) fn viewer(&self) -> Viewer {
        Viewer {
            connection_id: Arc::clone(&self.id),
            outbox: self.outbox.clone(),
            identity: self.identity.clone(),
        }
    }

    pub(super) fn reply_failure(
        &self,
        kind: ServerKind,
        component_id: Option<&str>,
        error: &str,
        request_id: Option<&str>,
    ) {
        let reply = Reply::failure(kind, component_id, error, request_id);
        self.outbox.push_text(reply.encode());
    }

    pub(super) fn reply_error(
        &self,
        component_id: Option<&str>,
        error: &str,
        request_id: Option<&str>,
    ) {
        let reply = Reply {
            kind: ServerKind::Error.as_str(),
            component_id,
            error: Some(error),
            request_id,
            ..Reply::default()
        };
        self.outbox.push_text(reply.encode());
    }

    /// The socket closed: cancel its uploads (their bytes are deleted), leave every component (private ones are destroyed, singletons lose
    /// a viewer) and stop accepting outbound frames.
    pub(crate) fn close(mut self) {
        self.uploads.cancel_all(&self.hub.uploads.quota);
        for (_, handle) in self.components.drain() {
            handle.leave(Arc::clone(&self.id), LeaveReason::Disconnect);
        }
        self.outbox.close(NORMAL_CLOSE);
        tracing::debug!(connection = %self.id, "connection closed");
    }
}
