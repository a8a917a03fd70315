//! Building and running a Live server.

#[cfg(feature = "actix")]
mod actix;
#[cfg(feature = "axum")]
mod axum;
mod builder;
#[cfg_attr(
    not(any(feature = "standalone", feature = "axum", feature = "actix")),
    allow(dead_code)
)]
mod fallback;
mod http;
#[cfg(feature = "metrics")]
mod inspector;
mod lifecycle;
#[cfg(feature = "testing")]
pub(crate) mod memory;
#[cfg(any(feature = "standalone", feature = "axum"))]
mod sink;
#[cfg(feature = "standalone")]
mod standalone;

pub use crate::component::push::ServerStats;
pub use crate::component::{LiveHandle, SingletonRef};
pub use crate::config::LiveConfig;
pub use crate::security::RateLimit;
pub use builder::LiveServerBuilder;
#[cfg(feature = "metrics")]
pub use inspector::{INSPECTOR_ROLE, Inspector};

use crate::runtime::ClusterNode;
use crate::runtime::Hub;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Why a server could not be built or started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The listening socket could not be bound.
    #[error("could not bind {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A setting is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// A Live server: the component registry plus settings. Cheap to clone.
#[derive(Clone)]
pub struct LiveServer {
    hub: Arc<Hub>,
    /// Shutdown of the connections served through framework adapters.
    lifecycle: Arc<lifecycle::Lifecycle>,
    /// Static pages served next to the WebSocket endpoint (`server::http`).
    #[cfg_attr(
        not(any(feature = "standalone", feature = "axum", feature = "actix")),
        allow(dead_code)
    )]
    pages: Arc<http::Pages>,
    /// The SSE and long-polling sessions (`server::fallback`).
    #[cfg_attr(
        not(any(feature = "standalone", feature = "axum", feature = "actix")),
        allow(dead_code)
    )]
    fallback: Arc<fallback::Fallback>,
}

impl fmt::Debug for LiveServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveServer")
            .field("path", &self.hub.config.path)
            .field("components", &self.component_names())
            .finish()
    }
}

impl LiveServer {
    /// A builder that starts with every `#[live_component]` linked into the program and
    /// the default settings (nothing read from the environment).
    pub fn builder() -> LiveServerBuilder {
        LiveServerBuilder::with_config(LiveConfig::default())
    }
}

impl LiveServer {
    /// The names clients can mount, sorted.
    pub fn component_names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.hub.components.keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// The typed room prefixes registered, sorted.
    pub fn room_prefixes(&self) -> Vec<&'static str> {
        let mut prefixes: Vec<_> = self.hub.room_types.keys().copied().collect();
        prefixes.sort_unstable();
        prefixes
    }

    /// The settings in force.
    pub fn config(&self) -> &LiveConfig {
        &self.hub.config
    }

    /// A handle app code uses to push to components and rooms (cheap to clone, usable from
    /// any task), see docs/push.md.
    pub fn handle(&self) -> LiveHandle {
        LiveHandle::new(self.hub.env.clone())
    }

    /// The server's metrics in the Prometheus text format (version 0.0.4), what
    /// [`LiveServerBuilder::metrics_path`] serves; for apps that serve them elsewhere.
    #[cfg(feature = "metrics")]
    pub fn render_metrics(&self) -> String {
        self.hub.metrics.render()
    }

    /// This server's instance id in its cluster (`None` when it runs alone).
    pub fn cluster_instance_id(&self) -> Option<&str> {
        self.hub.cluster.as_deref().map(ClusterNode::instance_id)
    }

    /// Binds `addr` (e.g. `"127.0.0.1:3000"`, or port 0 for any free port) and serves the
    /// WebSocket endpoint in the background with the built-in tokio-tungstenite transport.
    #[cfg(feature = "standalone")]
    pub async fn bind(&self, addr: &str) -> Result<RunningServer, ServerError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind {
                addr: addr.to_owned(),
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| ServerError::Bind {
            addr: addr.to_owned(),
            source,
        })?;
        let (stop, stopping) = watch::channel(false);
        let task = tokio::spawn(standalone::accept_loop(
            listener,
            Arc::clone(&self.hub),
            Arc::clone(&self.pages),
            Arc::clone(&self.fallback),
            stopping,
        ));
        tracing::info!(%local_addr, path = %self.hub.config.path, "live server listening");
        Ok(RunningServer {
            hub: Arc::clone(&self.hub),
            local_addr,
            stop,
            task,
        })
    }
}

/// A server accepting connections in the background.
#[derive(Debug)]
pub struct RunningServer {
    hub: Arc<Hub>,
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The WebSocket URL clients connect to, e.g. `ws://127.0.0.1:3000/api/live/ws`.
    pub fn url(&self) -> String {
        format!("ws://{}{}", self.local_addr, self.hub.config.path)
    }

    /// A handle app code uses to push to components and rooms, see [`LiveServer::handle`].
    pub fn handle(&self) -> LiveHandle {
        LiveHandle::new(self.hub.env.clone())
    }

    /// Current counts.
    pub async fn stats(&self) -> ServerStats {
        self.hub.env.server_stats().await
    }

    /// Stops accepting, closes every connection with code 1001 (running component destroy
    /// hooks), and waits for that to finish (at most the configured grace period).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Serves until Ctrl-C (or SIGTERM on Unix), then shuts down gracefully.
    pub async fn wait(self) {
        wait_for_signal().await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
