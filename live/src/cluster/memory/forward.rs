//! Forwarded actions and messages between members: straight into the target's inbox.

use super::InProcessCluster;
use crate::cluster::{ClusterError, Inbound, PendingReply};
use crate::support::lock;
use std::time::Duration;
use tokio::sync::oneshot;

impl InProcessCluster {
    /// Hands a request to `target`'s runtime; the future of its answer fails with
    /// `timed_out()` after `timeout`, and at once when `target` is gone.
    pub(super) fn forward<R: Send + 'static>(
        &self,
        target: &str,
        inbound: impl FnOnce(oneshot::Sender<R>) -> Inbound,
        timeout: Duration,
        timed_out: impl FnOnce() -> ClusterError + Send + 'static,
    ) -> Result<PendingReply<R>, ClusterError> {
        let inbox = lock(&self.shared.members)
            .get(target)
            .and_then(|member| member.inbox.clone())
            .ok_or_else(|| {
                ClusterError::backend(format!(
                    "the owner instance {target} is not listening (it may have stopped)"
                ))
            })?;
        let (reply, answer) = oneshot::channel();
        inbox.deliver(inbound(reply));
        Ok(Box::pin(async move {
            match tokio::time::timeout(timeout, answer).await {
                Ok(Ok(response)) => Ok(response),
                Ok(Err(_)) => Err(ClusterError::ShuttingDown),
                Err(_) => Err(timed_out()),
            }
        }))
    }
}
