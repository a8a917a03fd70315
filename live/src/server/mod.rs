//! Building and running a Live server.

mod config;
#[cfg(feature = "standalone")]
mod standalone;

pub use crate::runtime::rate_limit::RateLimit;
pub use config::LiveConfig;

use crate::component::{ComponentDescriptor, LiveComponent, registered_components};
use crate::runtime::Hub;
use std::collections::HashMap;
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
    /// A builder that starts with every `#[live_component]` linked into the program.
    pub fn builder() -> LiveServerBuilder {
        LiveServerBuilder {
            config: LiveConfig::default(),
            registered: true,
            manual: Vec::new(),
        }
    }

    /// The names clients can mount, sorted.
    pub fn component_names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.hub.components.keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// The settings in force.
    pub fn config(&self) -> &LiveConfig {
        &self.hub.config
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

/// Configures a [`LiveServer`].
#[derive(Debug)]
pub struct LiveServerBuilder {
    config: LiveConfig,
    registered: bool,
    manual: Vec<ComponentDescriptor>,
}

impl LiveServerBuilder {
    /// Registers component `C` by hand (needed only for components not declared with
    /// `#[live_component]`, or when registered components are disabled).
    pub fn component<C: LiveComponent>(mut self) -> Self {
        self.manual.push(ComponentDescriptor::of::<C>());
        self
    }

    /// Serves only components registered with [`component`](Self::component), ignoring
    /// the `#[live_component]` registry.
    pub fn without_registered_components(mut self) -> Self {
        self.registered = false;
        self
    }

    /// Replaces all settings.
    pub fn config(mut self, config: LiveConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the WebSocket path (default `/api/live/ws`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.config.path = path.into();
        self
    }

    /// Sets the per-connection rate limit (`None` disables it).
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.config.rate_limit = limit;
        self
    }

    /// Sets the largest accepted frame, in bytes.
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.config.max_message_bytes = bytes;
        self
    }

    /// Sets how many frames may wait for one slow client before it is disconnected.
    pub fn outbound_queue_frames(mut self, frames: usize) -> Self {
        self.config.outbound_queue_frames = frames;
        self
    }

    /// Builds the server. Fails on an unusable setting.
    pub fn build(self) -> Result<LiveServer, ServerError> {
        if !self.config.path.starts_with('/') {
            return Err(ServerError::Config(format!(
                "path must start with '/': {:?}",
                self.config.path
            )));
        }
        if self.config.max_message_bytes == 0 || self.config.outbound_queue_frames == 0 {
            return Err(ServerError::Config(
                "max_message_bytes and outbound_queue_frames must be positive".to_owned(),
            ));
        }
        let mut components = HashMap::new();
        let registered = if self.registered {
            registered_components()
        } else {
            Vec::new()
        };
        for descriptor in registered.into_iter().chain(self.manual) {
            components.insert(descriptor.name(), descriptor);
        }
        Ok(LiveServer {
            hub: Arc::new(Hub::new(self.config, components)),
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

/// Live counts, for tests and monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// Open WebSocket connections.
    pub connections: usize,
    /// Running component instances (private and singleton).
    pub components: usize,
    /// Running singleton instances.
    pub singletons: usize,
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

    /// Current counts.
    pub async fn stats(&self) -> ServerStats {
        ServerStats {
            connections: self.hub.stats.connections(),
            components: self.hub.stats.components(),
            singletons: self.hub.singletons.count().await,
        }
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
