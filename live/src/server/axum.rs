//! The axum 0.8 adapter (feature `axum`): a router to nest into the user's app.
//!
//! axum upgrades the connection and hands over its tungstenite-backed [`WebSocket`]; this
//! module splits it, maps inbound messages to [`InFrame`]s and wraps the write half in the
//! shared [`MessageSink`]. Everything else is the transport-agnostic core ([`drive`]). Static
//! pages come from the routes all servers share (`server::http`).

use super::LiveServer;
use super::fallback::{self, Endpoint, Incoming, Reply};
use super::sink::{MessageSink, WsMessage};
use crate::runtime::Hub;
use crate::runtime::outbox::CloseFrame;
use crate::runtime::transport::{InFrame, drive};
use ::axum::Router;
use ::axum::body::Body;
use ::axum::extract::Request;
use ::axum::extract::ws::{self, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use ::axum::http::header::{CONTENT_LENGTH, ORIGIN};
use ::axum::http::{HeaderMap, Method, StatusCode, Uri};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::{MethodRouter, any};
use bytes::Bytes;
use futures_util::StreamExt;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::watch;

/// Bytes buffered before a write reaches the socket (the writer flushes after every drain).
const WRITE_BUFFER_BYTES: usize = 64 * 1024;

impl LiveServer {
    /// An axum [`Router`] serving the Live WebSocket at `/ws`, and the SSE and long-polling
    /// transports at `/sse` and `/http` (docs/transports.md), to nest under a prefix:
    ///
    /// ```ignore
    /// let app = Router::new()
    ///     .route("/health", get(|| async { "ok" }))
    ///     .nest("/api/live", live.axum_router()); // ws://HOST/api/live/ws
    /// ```
    ///
    /// Generic over the app's state `S`, so it nests into any `Router<S>`. The socket uses
    /// the server's [`LiveConfig`](super::LiveConfig): a 4 KiB read buffer
    /// (`read_buffer_bytes`) and messages and frames up to twice `max_message_bytes` (larger
    /// ones close the connection; those between one and two times the limit get
    /// `Message too large`). `LiveConfig::path` is not used: the app decides the path. Stop
    /// with [`LiveServer::shutdown`] from axum's graceful-shutdown future.
    pub fn axum_router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let mut router = Router::new().route("/ws", self.axum_route());
        if self.fallback.enabled() {
            for (endpoint, path) in Endpoint::ALL {
                let live = self.clone();
                let handler = move |request: Request| {
                    let live = live.clone();
                    async move { live.axum_fallback(endpoint, request).await }
                };
                router = router.route(path, any(handler));
            }
        }
        router
    }

    /// One SSE or long-polling request, answered by the shared logic (`server::fallback`).
    async fn axum_fallback(&self, endpoint: Endpoint, request: Request) -> Response {
        let (head, body) = request.into_parts();
        let incoming = Incoming::from_head(endpoint, &head);
        let limit = self.fallback.body_limit();
        let read = fallback::read_body(body, head.headers.get(CONTENT_LENGTH), limit);
        let signal = self.lifecycle.connection_signal();
        let response = self.fallback.handle(incoming, read, signal).await;
        response.map(|reply| match reply {
            Reply::Full(bytes) => Body::from(bytes),
            Reply::Events(events) => Body::from_stream(events.map(Ok::<_, Infallible>)),
        })
    }

    /// The Live WebSocket endpoint alone, for a path of the app's choosing:
    /// `app.route("/live", live.axum_route())`. Accepts HTTP/1.1 `GET` upgrades (and HTTP/2
    /// `CONNECT` when axum's `http2` feature is on).
    pub fn axum_route<S>(&self) -> MethodRouter<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let live = self.clone();
        any(move |headers: HeaderMap, upgrade: WebSocketUpgrade| {
            let live = live.clone();
            let origin = headers
                .get(ORIGIN)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            async move { live.axum_upgrade(upgrade, origin) }
        })
    }

    /// The pages registered with
    /// [`LiveServerBuilder::static_page`](super::LiveServerBuilder::static_page), answered by
    /// the same routes as the standalone server's: the page on `GET` and `HEAD`, 405 for other
    /// methods on a page path, 404 elsewhere. Mount it as the app's fallback:
    ///
    /// ```ignore
    /// let app = Router::new()
    ///     .nest("/api/live", live.axum_router())
    ///     .fallback(live.axum_pages());
    /// ```
    ///
    /// Pages are matched on the path as the router sees it (inside a `nest`, without the
    /// prefix).
    pub fn axum_pages<S>(&self) -> MethodRouter<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let pages = Arc::clone(&self.pages);
        let uploads = self.hub.uploads.local.clone();
        any(move |method: Method, uri: Uri| {
            let path = uri.path();
            let response = super::http::serve_upload(uploads.as_ref(), &method, path)
                .unwrap_or_else(|| super::http::respond(&pages, &method, path));
            async move { response.map(Body::from) }
        })
    }

    fn axum_upgrade(&self, upgrade: WebSocketUpgrade, origin: Option<String>) -> Response {
        let Some(shutdown) = self.lifecycle.connection_signal() else {
            return (StatusCode::SERVICE_UNAVAILABLE, "Server shutting down").into_response();
        };
        let hub = Arc::clone(&self.hub);
        let max = hub.config.max_message_bytes.saturating_mul(2);
        upgrade
            .read_buffer_size(hub.config.read_buffer_bytes)
            .write_buffer_size(WRITE_BUFFER_BYTES)
            // tungstenite panics unless max_write_buffer_size > write_buffer_size.
            .max_write_buffer_size(WRITE_BUFFER_BYTES.saturating_add(max).saturating_add(1))
            .max_message_size(max)
            .max_frame_size(max)
            .on_failed_upgrade(|error| tracing::debug!(%error, "websocket upgrade failed"))
            .on_upgrade(move |socket| serve_socket(hub, origin, socket, shutdown))
    }
}

/// An inbound text message; axum's `Utf8Bytes` derefs to `str` but is not `AsRef<str>`.
struct Text(Utf8Bytes);

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

async fn serve_socket(
    hub: Arc<Hub>,
    origin: Option<String>,
    socket: WebSocket,
    shutdown: watch::Receiver<bool>,
) {
    let (sink, stream) = socket.split();
    let frames = stream.map(|message| match message {
        Ok(Message::Text(text)) => InFrame::Text(Text(text)),
        Ok(Message::Binary(bytes)) => InFrame::Binary(bytes),
        // tungstenite answers pings (and close frames) itself.
        Ok(Message::Ping(_) | Message::Pong(_)) => InFrame::Control,
        Ok(Message::Close(_)) => InFrame::Closed,
        // axum wraps tungstenite's error without exposing its type; its text is stable.
        Err(error) if error.to_string().contains("Message too long") => InFrame::TooLarge,
        Err(_) => InFrame::Closed,
    });
    let sink = MessageSink::new(sink);
    drive(hub, origin.as_deref(), frames, sink, shutdown).await;
}

impl WsMessage for Message {
    fn text(frame: Bytes) -> Option<Self> {
        Utf8Bytes::try_from(frame).ok().map(Message::Text)
    }

    fn binary(frame: Bytes) -> Self {
        Message::Binary(frame)
    }

    fn close(frame: CloseFrame) -> Self {
        Message::Close(Some(ws::CloseFrame {
            code: frame.code,
            reason: Utf8Bytes::from_static(frame.reason),
        }))
    }
}
