//! Server settings, with the reference server's defaults (`live::LiveConfig`, also
//! `live::server::LiveConfig`).

use crate::protocol::inbound::{DEFAULT_MAX_JSON_DEPTH, DEFAULT_MAX_MESSAGE_BYTES};
use crate::security::{RateLimit, StateSigningConfig};
use crate::upload::UploadConfig;

use std::time::Duration;

/// Every tunable of a Live server. `LiveConfig::default()` gives safe defaults and reads
/// nothing from the environment; [`LiveConfig::from_env`] does.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LiveConfig {
    /// WebSocket path (default `/api/live/ws`).
    pub path: String,
    /// Largest accepted frame in bytes (default 4 MiB). Larger text frames get
    /// `Message too large`; frames over twice this are refused by the WebSocket layer,
    /// which closes the connection (code 1009).
    pub max_message_bytes: usize,
    /// Deepest accepted JSON nesting, checked before parsing (default 32; `None` disables).
    pub max_json_depth: Option<usize>,
    /// Per-connection frame rate limit (default 100 tokens, 50/s; `None` disables).
    pub rate_limit: Option<RateLimit>,
    /// Components one connection may have mounted at once (default 256).
    pub max_components_per_connection: usize,
    /// Frames that may wait in one connection's outbound queue; a client that lets it fill
    /// is disconnected with code 1008 (default 1,000).
    pub outbound_queue_frames: usize,
    /// How long a client may take to send a request head (an idle kept-alive connection
    /// too) or an SSE/long-polling request body (default 10 s).
    pub handshake_timeout: Duration,
    /// Per-connection socket read buffer in bytes (default 4 KiB; tungstenite's own default
    /// of 128 KiB is allocated eagerly per connection).
    pub read_buffer_bytes: usize,
    /// How long a graceful shutdown waits for connections to close (default 5 s).
    pub shutdown_grace: Duration,
    /// Rooms one connection may join with `ROOM_JOIN` (default 50).
    pub max_rooms_per_connection: usize,
    /// Largest room state as JSON bytes, checked before a change is applied (default 10 MiB).
    pub max_room_state_bytes: usize,
    /// How long an empty room lives before it is destroyed (default 5 minutes).
    pub room_empty_grace: Duration,
    /// How component state is signed for rehydration.
    pub state_signing: StateSigningConfig,
    /// Accepted `Origin` headers (`None`: any). Other origins are closed with code 4003
    /// `Origin not allowed` before `CONNECTION_ESTABLISHED`.
    pub allowed_origins: Option<Vec<String>>,
    /// Serves the SSE and long-polling transports next to the WebSocket, at its path with
    /// the trailing `/ws` replaced by `/sse` and `/http` (default `true`; docs/transports.md).
    pub http_transports: bool,
    /// File uploads: limits, quota, and the default store's directory and URL path.
    pub uploads: UploadConfig,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            path: crate::protocol::DEFAULT_WS_PATH.to_owned(),
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_json_depth: Some(DEFAULT_MAX_JSON_DEPTH),
            rate_limit: Some(RateLimit::default()),
            max_components_per_connection: 256,
            outbound_queue_frames: 1000,
            handshake_timeout: Duration::from_secs(10),
            read_buffer_bytes: 4 * 1024,
            shutdown_grace: Duration::from_secs(5),
            max_rooms_per_connection: 50,
            max_room_state_bytes: 10 * 1024 * 1024,
            room_empty_grace: Duration::from_secs(5 * 60),
            state_signing: StateSigningConfig::default(),
            allowed_origins: None,
            http_transports: true,
            uploads: UploadConfig::default(),
        }
    }
}

impl LiveConfig {
    /// The defaults with what the environment sets: the state-signing secret from
    /// `LIVE_STATE_SECRET` (see [`StateSigningConfig::from_env`]) and the upload directory
    /// from `LIVE_UPLOAD_DIR`.
    pub fn from_env() -> Self {
        let mut uploads = UploadConfig::default();
        if let Some(dir) = std::env::var_os("LIVE_UPLOAD_DIR").filter(|dir| !dir.is_empty()) {
            uploads.dir = dir.into();
        }
        Self {
            state_signing: StateSigningConfig::from_env(),
            uploads,
            ..Self::default()
        }
    }
}
