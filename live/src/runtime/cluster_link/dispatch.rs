//! Routes what the cluster adapter delivers: singleton traffic to the local singleton
//! actors, room changes to the local rooms.

use super::node::ClusterNode;
use crate::cluster::{ClusterInbox, Inbound, MessageResponse};
use crate::runtime::mailbox::ClusterSignal;
use crate::runtime::rooms::Rooms;
use crate::support::lock;
use std::sync::{Arc, Weak};
use std::time::Instant;
use tokio::sync::mpsc;

impl ClusterNode {
    /// Starts the adapter and the task that routes its traffic to `rooms` and the local
    /// singletons.
    pub(crate) fn start(self: &Arc<Self>, rooms: &Arc<Rooms>) {
        let (inbox, inbound) = ClusterInbox::new();
        if let Err(error) = self.adapter.start(inbox) {
            tracing::error!(%error, "cluster adapter failed to start; serving locally");
        }
        tokio::spawn(dispatch(
            Arc::downgrade(self),
            Arc::downgrade(rooms),
            inbound,
        ));
    }
}

/// Routes what the adapter delivers.
async fn dispatch(
    node: Weak<ClusterNode>,
    rooms: Weak<Rooms>,
    mut inbound: mpsc::UnboundedReceiver<Inbound>,
) {
    while let Some(message) = inbound.recv().await {
        let Some(node) = node.upgrade() else {
            return;
        };
        match message {
            Inbound::Singleton { name, message } => {
                if let Some((handle, _)) = node.lookup(&name) {
                    handle.signal(ClusterSignal::Remote(message));
                }
            }
            Inbound::Action { request, reply } => {
                tokio::spawn(async move {
                    let response = node.serve_action(*request).await;
                    let _ = reply.send(response);
                });
            }
            Inbound::Room { room_id, message } => {
                if let Some(rooms) = rooms.upgrade() {
                    rooms.deliver_remote(&room_id, message).await;
                }
            }
            // Topics and server messages reach components once the runtime routes them
            // (issue 12); until then a forwarded message is answered as undeliverable.
            Inbound::Topic(_) => {}
            Inbound::Message { request, reply } => {
                let error = "Server messages are not routed by this server";
                let _ = reply.send(MessageResponse::failure(request.request_id, error));
            }
            Inbound::Reconnected => {
                tracing::info!("cluster backend reconnected; re-checking singletons");
                *lock(&node.reconnected) = Some(Instant::now());
                for entry in lock(&node.singletons).values() {
                    entry.kick.notify_one();
                }
            }
        }
    }
}
