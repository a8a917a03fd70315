//! Configuring a server: [`LiveServerBuilder`], one method per setting, and `build`,
//! which checks the settings and assembles the hub.

#[cfg(feature = "metrics")]
use super::inspector::{self, Inspector};
use super::{LiveServer, ServerError, fallback, http};
use crate::cluster::ClusterAdapter;
use crate::component::LiveComponent;
use crate::component::push::{MessageCodec, OnMessage};
use crate::config::LiveConfig;
use crate::room::{LiveRoom, RoomDescriptor, registered_rooms};
use crate::runtime::{ComponentType, Hub, HubParts, registered_components};
use crate::security::{AuthProvider, AuthProviders, RateLimit, StateSigningConfig};
use crate::upload::{UploadConfig, UploadStore};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Configures a [`LiveServer`]: one method per [`LiveConfig`] field, plus components,
/// rooms, auth providers, a cluster and (standalone) static pages.
pub struct LiveServerBuilder {
    config: LiveConfig,
    registered: bool,
    manual: Vec<ComponentType>,
    manual_rooms: Vec<RoomDescriptor>,
    auth_providers: Vec<Arc<dyn AuthProvider>>,
    cluster: Option<Arc<dyn ClusterAdapter>>,
    messages: Vec<MessageCodec>,
    pages: http::Pages,
    /// Where the metrics are served (`None`: nowhere).
    #[cfg(feature = "metrics")]
    metrics_path: Option<String>,
    /// The inspector, when turned on.
    #[cfg(feature = "metrics")]
    inspector: Option<Inspector>,
    /// Whether metrics are recorded.
    #[cfg(feature = "metrics")]
    metrics_on: bool,
    /// Where uploads are stored (`None`: a `LocalDirStore` from the config).
    upload_store: Option<Arc<dyn UploadStore>>,
}

impl fmt::Debug for LiveServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("LiveServerBuilder");
        debug
            .field("config", &self.config)
            .field("registered", &self.registered)
            .field("manual", &self.manual)
            .field("manual_rooms", &self.manual_rooms)
            .field("auth_providers", &self.auth_providers.len())
            .field("cluster", &self.cluster)
            .field("messages", &self.messages);
        debug.field("pages", &self.pages.keys().collect::<Vec<_>>());
        #[cfg(feature = "metrics")]
        debug
            .field("metrics_on", &self.metrics_on)
            .field("metrics_path", &self.metrics_path)
            .field("inspector", &self.inspector);
        debug.finish()
    }
}

impl LiveServerBuilder {
    /// [`LiveServer::builder`] with the settings of [`LiveConfig::from_env`].
    pub fn from_env() -> Self {
        Self::with_config(LiveConfig::from_env())
    }

    pub(super) fn with_config(config: LiveConfig) -> Self {
        Self {
            config,
            registered: true,
            manual: Vec::new(),
            manual_rooms: Vec::new(),
            auth_providers: Vec::new(),
            cluster: None,
            messages: Vec::new(),
            pages: http::Pages::new(),
            #[cfg(feature = "metrics")]
            metrics_path: Some("/metrics".to_owned()),
            #[cfg(feature = "metrics")]
            inspector: None,
            #[cfg(feature = "metrics")]
            metrics_on: true,
            upload_store: None,
        }
    }
}

impl LiveServerBuilder {
    /// Registers component `C` by hand (needed only for components not declared with
    /// `#[live_component]`, or when registered components are disabled).
    pub fn component<C: LiveComponent>(mut self) -> Self {
        self.manual.push(ComponentType::of::<C>());
        self
    }

    /// Registers typed room `R` by hand (needed only for rooms not declared with
    /// `#[live_room]`): clients are then refused `ROOM_JOIN` on its prefix from the start.
    pub fn room<R: LiveRoom>(mut self) -> Self {
        self.manual_rooms.push(RoomDescriptor::of::<R>());
        self
    }

    /// Serves only components (and rooms) registered by hand, ignoring the
    /// `#[live_component]` / `#[live_room]` registry.
    pub fn without_registered_components(mut self) -> Self {
        self.registered = false;
        self
    }

    /// Adds an authentication provider; the first one added is the default (its
    /// `authorize_action`/`authorize_room` checks apply).
    pub fn auth_provider(mut self, provider: impl AuthProvider) -> Self {
        self.auth_providers.push(Arc::new(provider));
        self
    }

    /// Serves `body` as `content_type` on `GET` and `HEAD` of `path` (exact match, query
    /// ignored), e.g. `.static_page("/", "text/html; charset=utf-8", include_str!("page.html"))`.
    ///
    /// The standalone server ([`LiveServer::bind`]) serves them, and every other path but the
    /// WebSocket one gets 404; under axum or actix-web, mount `LiveServer::axum_pages` or
    /// `LiveServer::actix_pages` (see docs/adapters.md). Registering a path again replaces
    /// its page. `build` refuses a path that is the WebSocket path or an SSE or long-polling
    /// endpoint, does not start with `/`,
    /// or contains `?`, `#`, spaces or control characters, and a content type with control
    /// characters.
    pub fn static_page(
        mut self,
        path: impl Into<String>,
        content_type: &'static str,
        body: &'static str,
    ) -> Self {
        let body = http::Body::Static(body);
        self.pages
            .insert(path.into(), http::Page { content_type, body });
        self
    }

    /// Serves the server's Prometheus metrics at `path` (default `/metrics`; `None`: not
    /// served, e.g. when the app mounts [`LiveServer::render_metrics`] itself). Like a
    /// [`static_page`](Self::static_page): the standalone server serves it, axum and
    /// actix-web apps get it with `axum_pages` / `actix_pages`. See docs/operations.md.
    #[cfg(feature = "metrics")]
    pub fn metrics_path(mut self, path: Option<&str>) -> Self {
        self.metrics_path = path.map(str::to_owned);
        self
    }

    /// Records no metrics (and serves none), though the feature is compiled in: what the
    /// benchmark compares against (docs/performance.md). The inspector then shows no actions.
    #[cfg(feature = "metrics")]
    pub fn without_metrics(mut self) -> Self {
        self.metrics_on = false;
        self.metrics_path = None;
        self
    }

    /// Turns on the inspector (off by default): a page at `inspector`'s path showing this
    /// server live (connections and components over time, top actions by rate and p99,
    /// rooms, slow consumers and recent closes, singleton owners in a cluster), built with
    /// Live itself. Only connections with [`INSPECTOR_ROLE`](super::INSPECTOR_ROLE) (from an
    /// auth provider, or the inspector's token) can mount its data; see docs/operations.md.
    /// `build` needs a tokio runtime then (the figures are refreshed by a task).
    #[cfg(feature = "metrics")]
    pub fn inspector(mut self, inspector: Inspector) -> Self {
        self.inspector = Some(inspector);
        self
    }

    /// Upload limits, quota, directory and URL path (see docs/uploads.md).
    pub fn uploads(mut self, uploads: UploadConfig) -> Self {
        self.config.uploads = uploads;
        self
    }

    /// Stores uploads in `store` instead of a [`LocalDirStore`](crate::upload::LocalDirStore)
    /// in `UploadConfig::dir` (the servers then serve nothing at `UploadConfig::url_path`
    /// unless the store writes there).
    pub fn upload_store(mut self, store: impl UploadStore) -> Self {
        self.upload_store = Some(Arc::new(store));
        self
    }

    /// Joins a cluster: singletons get one owner across every server of it, with failover,
    /// and rooms reach members on every server (see [`crate::cluster`] and
    /// `docs/scaling.md`). Without this the server runs alone. Needs a tokio runtime at
    /// [`build`](Self::build).
    ///
    /// In a cluster, give every server the same state-signing secret
    /// ([`state_secret`](Self::state_secret)) so that clients can rehydrate on any of them.
    pub fn cluster(mut self, adapter: impl ClusterAdapter) -> Self {
        self.cluster = Some(Arc::new(adapter));
        self
    }

    /// Lets app code on any server of a cluster send messages of type `M` to singleton `C`
    /// when another server owns it: the message travels as JSON and the owner decodes it
    /// ([`SingletonRef::send`](crate::server::SingletonRef::send), docs/push.md). Register
    /// the same pairs on every server (they run the same build). Not needed on a single
    /// server.
    pub fn message<C, M>(mut self) -> Self
    where
        C: OnMessage<M>,
        M: Serialize + DeserializeOwned + Send + 'static,
    {
        self.messages.push(MessageCodec::of::<C, M>());
        self
    }

    /// Sets the state-signing secret (otherwise the one [`from_env`](Self::from_env) read,
    /// else a random one).
    pub fn state_secret(mut self, secret: impl Into<String>) -> Self {
        self.config.state_signing.secret = Some(secret.into());
        self
    }

    /// Sets how component state is signed (secret, rotation, age, encryption, renewals).
    pub fn state_signing(mut self, signing: StateSigningConfig) -> Self {
        self.config.state_signing = signing;
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

    /// Sets the deepest accepted JSON nesting (`None` disables the check).
    pub fn max_json_depth(mut self, depth: Option<usize>) -> Self {
        self.config.max_json_depth = depth;
        self
    }

    /// Sets how many components one connection may have mounted at once.
    pub fn max_components_per_connection(mut self, components: usize) -> Self {
        self.config.max_components_per_connection = components;
        self
    }

    /// Sets how long a client may take to send a request head (idle keep-alive included) or
    /// an SSE/long-polling request body.
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.config.handshake_timeout = timeout;
        self
    }

    /// Sets the per-connection socket read buffer, in bytes.
    pub fn read_buffer_bytes(mut self, bytes: usize) -> Self {
        self.config.read_buffer_bytes = bytes;
        self
    }

    /// Sets how long a graceful shutdown waits for connections to close.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.config.shutdown_grace = grace;
        self
    }

    /// Sets how many rooms one connection may join with `ROOM_JOIN`.
    pub fn max_rooms_per_connection(mut self, rooms: usize) -> Self {
        self.config.max_rooms_per_connection = rooms;
        self
    }

    /// Sets the largest room state, as JSON bytes.
    pub fn max_room_state_bytes(mut self, bytes: usize) -> Self {
        self.config.max_room_state_bytes = bytes;
        self
    }

    /// Sets how long an empty room lives before it is destroyed.
    pub fn room_empty_grace(mut self, grace: Duration) -> Self {
        self.config.room_empty_grace = grace;
        self
    }

    /// Serves (default) or not the SSE and long-polling transports (docs/transports.md).
    pub fn http_transports(mut self, on: bool) -> Self {
        self.config.http_transports = on;
        self
    }

    /// Accepts only these `Origin` headers (default: any).
    pub fn allowed_origins(mut self, origins: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.config.allowed_origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// Builds the server. Fails on an unusable setting.
    #[cfg_attr(not(feature = "metrics"), allow(unused_mut))]
    pub fn build(mut self) -> Result<LiveServer, ServerError> {
        if self.cluster.is_some() && tokio::runtime::Handle::try_current().is_err() {
            return Err(ServerError::Config(
                "a server in a cluster must be built inside a tokio runtime".to_owned(),
            ));
        }
        #[cfg(feature = "metrics")]
        let inspector = self.inspector.take();
        #[cfg(feature = "metrics")]
        if let Some(inspector) = &inspector {
            if tokio::runtime::Handle::try_current().is_err() {
                return Err(ServerError::Config(
                    "a server with the inspector must be built inside a tokio runtime".to_owned(),
                ));
            }
            self.manual
                .push(ComponentType::of::<inspector::LiveInspector>());
            if let Some(token) = &inspector.token {
                let token = token.clone();
                self.auth_providers
                    .push(Arc::new(inspector::TokenProvider { token }));
            }
            let page = inspector.page(&self.config.path);
            let page = http::Page {
                content_type: "text/html; charset=utf-8",
                body: http::Body::Rendered(Arc::new(move || page.clone())),
            };
            self.pages.insert(inspector.path.clone(), page);
        }
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
        for component in registered.into_iter().chain(self.manual) {
            components.insert(component.name(), component);
        }
        let mut rooms = HashMap::new();
        let registered_rooms = if self.registered {
            registered_rooms()
        } else {
            Vec::new()
        };
        for descriptor in registered_rooms.into_iter().chain(self.manual_rooms) {
            rooms.insert(descriptor.prefix(), descriptor);
        }
        let hub = Arc::new(Hub::new(HubParts {
            config: self.config,
            components,
            room_types: rooms,
            auth: AuthProviders::new(self.auth_providers),
            cluster: self.cluster,
            messages: self.messages,
            upload_store: self.upload_store,
            #[cfg(feature = "metrics")]
            metrics: self.metrics_on,
            #[cfg(not(feature = "metrics"))]
            metrics: false,
        }));
        #[cfg(feature = "metrics")]
        if let Some(path) = self.metrics_path {
            let metrics = Arc::clone(&hub.metrics);
            let page = http::Page {
                content_type: crate::metrics::CONTENT_TYPE,
                body: http::Body::Rendered(Arc::new(move || metrics.render())),
            };
            self.pages.insert(path, page);
        }
        check_pages(&self.pages, &hub.config.path)?;
        if hub.config.http_transports
            && let Some(path) = self
                .pages
                .keys()
                .find(|path| fallback::Endpoint::of(&hub.config.path, path).is_some())
        {
            return Err(ServerError::Config(format!(
                "static page path {path:?} is an SSE or long-polling endpoint (docs/transports.md)"
            )));
        }
        #[cfg(feature = "metrics")]
        if inspector.is_some() {
            inspector::start_feed(&hub);
        }
        Ok(LiveServer {
            fallback: Arc::new(fallback::Fallback::new(Arc::clone(&hub))),
            hub,
            lifecycle: Arc::default(),
            pages: Arc::new(self.pages),
        })
    }
}

/// The `static_page` rules: see [`LiveServerBuilder::static_page`].
fn check_pages(pages: &http::Pages, live_path: &str) -> Result<(), ServerError> {
    for (path, page) in pages {
        let bad_path = !path.starts_with('/')
            || path == live_path
            || path
                .chars()
                .any(|c| c == '?' || c == '#' || c.is_whitespace() || c.is_control());
        if bad_path {
            return Err(ServerError::Config(format!(
                "static page path must start with '/', differ from the WebSocket path and \
                 contain no '?', '#', spaces or control characters: {path:?}"
            )));
        }
        if page.content_type.is_empty() || page.content_type.chars().any(char::is_control) {
            return Err(ServerError::Config(format!(
                "static page content type must be non-empty without control characters: {:?}",
                page.content_type
            )));
        }
    }
    Ok(())
}
