//! Rooms across a cluster: local room changes are published in order, and a server
//! subscribes to the channel of each room it runs.

use crate::cluster::{ClusterAdapter, ClusterError, RoomMessage};
use crate::protocol::refusal::Refusal;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// A room change waiting to be published.
type RoomOut = (Arc<str>, RoomMessage);

/// The rooms' link to the other servers of a cluster.
#[derive(Debug, Clone)]
pub(crate) struct RoomFanOut {
    adapter: Arc<dyn ClusterAdapter>,
    timeout: Duration,
    /// Room changes to publish, in order.
    out: mpsc::UnboundedSender<RoomOut>,
}

impl RoomFanOut {
    /// A fan-out through `adapter`; starts the task that publishes room changes in order.
    pub(crate) fn start(adapter: Arc<dyn ClusterAdapter>) -> Self {
        let timeout = adapter.operation_timeout();
        let (out, rx) = mpsc::unbounded_channel();
        tokio::spawn(publish_rooms(Arc::clone(&adapter), timeout, rx));
        Self {
            adapter,
            timeout,
            out,
        }
    }

    /// The adapter (each room's own link to its owner uses it too).
    pub(crate) fn adapter(&self) -> Arc<dyn ClusterAdapter> {
        Arc::clone(&self.adapter)
    }

    /// Publishes a room change (in order with the other room changes of this server).
    pub(crate) fn publish(&self, room_id: &Arc<str>, message: RoomMessage) {
        let _ = self.out.send((Arc::clone(room_id), message));
    }

    /// Starts (or stops) receiving `room_id`'s changes from other servers.
    pub(crate) fn watch(&self, room_id: &Arc<str>, watch: bool) {
        let fan_out = self.clone();
        let room_id = Arc::clone(room_id);
        tokio::spawn(async move {
            let result = if watch {
                fan_out
                    .op("watch room", fan_out.adapter.watch_room(&room_id))
                    .await
            } else {
                fan_out
                    .op("unwatch room", fan_out.adapter.unwatch_room(&room_id))
                    .await
            };
            if let Err(error) = result {
                tracing::warn!(room = %room_id, %error, "room channel (un)subscribe failed");
            }
        });
    }

    /// Runs one backend operation with the operation timeout.
    async fn op(
        &self,
        what: &str,
        future: impl Future<Output = Result<(), ClusterError>>,
    ) -> Result<(), ClusterError> {
        match tokio::time::timeout(self.timeout, future).await {
            Ok(result) => result,
            Err(_) => {
                let ms = self.timeout.as_millis();
                Err(ClusterError::Timeout(
                    Refusal::ClusterOpTimeout { what, ms }.text(),
                ))
            }
        }
    }
}

/// Publishes room changes in order.
async fn publish_rooms(
    adapter: Arc<dyn ClusterAdapter>,
    timeout: Duration,
    mut rx: mpsc::UnboundedReceiver<RoomOut>,
) {
    while let Some((room_id, message)) = rx.recv().await {
        match tokio::time::timeout(timeout, adapter.publish_room(&room_id, &message)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(room = %room_id, %error, "room change not published"),
            Err(_) => tracing::warn!(room = %room_id, "room change publish timed out"),
        }
    }
}
