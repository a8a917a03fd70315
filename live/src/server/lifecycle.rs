//! Graceful shutdown of connections served through a framework adapter (axum, actix-web).
//!
//! The standalone server owns its accept loop and stops through
//! [`RunningServer::shutdown`](super::RunningServer::shutdown). Under a framework the
//! framework owns the listener, so the [`LiveServer`] itself carries the stop signal: every
//! adapter connection holds a receiver of it, and [`LiveServer::shutdown`] flips it and waits
//! for the receivers to go away.

use super::{LiveServer, ServerStats};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// The stop signal shared by every adapter connection of one [`LiveServer`].
#[derive(Debug)]
pub(crate) struct Lifecycle {
    stop: watch::Sender<bool>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        let (stop, _) = watch::channel(false);
        Self { stop }
    }
}

impl Lifecycle {
    /// The shutdown signal for one new adapter connection, or `None` once the server is
    /// shutting down (the adapter then refuses the upgrade). The connection counts as open
    /// for [`LiveServer::shutdown`] until the receiver is dropped.
    #[cfg_attr(
        not(any(feature = "axum", feature = "actix", feature = "testing")),
        allow(dead_code)
    )]
    pub(crate) fn connection_signal(&self) -> Option<watch::Receiver<bool>> {
        // Subscribe before looking: a shutdown that starts after this line waits for us.
        let signal = self.stop.subscribe();
        if *signal.borrow() { None } else { Some(signal) }
    }
}

/// How often shutdown looks whether the last component instance has stopped.
const POLL: Duration = Duration::from_millis(10);

impl LiveServer {
    /// Gracefully stops every connection served through a framework adapter
    /// (`axum_router`, `actix_scope`: features `axum`, `actix`; see docs/adapters.md).
    ///
    /// New upgrades are refused with `503`; every open Live socket gets a close frame with
    /// code 1001 (`Server shutting down`); private components are destroyed and singletons
    /// stopped, their `on_destroy` hooks running. Returns once that is done, or after
    /// [`LiveConfig::shutdown_grace`](super::LiveConfig::shutdown_grace) at most. Call it
    /// from the framework's graceful-shutdown future, before the framework stops its runtime:
    ///
    /// ```ignore
    /// axum::serve(listener, app)
    ///     .with_graceful_shutdown(async move {
    ///         let _ = tokio::signal::ctrl_c().await;
    ///         live.shutdown().await;
    ///     })
    ///     .await?;
    /// ```
    ///
    /// Idempotent. The standalone server stops through
    /// [`RunningServer::shutdown`](super::RunningServer::shutdown) instead.
    pub async fn shutdown(&self) {
        self.lifecycle.stop.send_replace(true);
        let deadline = Instant::now() + self.hub.config.shutdown_grace;
        if tokio::time::timeout_at(deadline, self.lifecycle.stop.closed())
            .await
            .is_err()
        {
            tracing::warn!("live connections still open after the shutdown grace period");
        }
        self.hub.singletons.shutdown_all().await;
        // Destroy hooks run in the component tasks; wait for them, so that a framework
        // that stops its runtime right after this returns does not cut them short.
        while self.hub.stats.components() > 0 && Instant::now() < deadline {
            tokio::time::sleep(POLL).await;
        }
    }

    /// Current counts (every transport of this server together).
    pub async fn stats(&self) -> ServerStats {
        self.hub.env.server_stats().await
    }
}
