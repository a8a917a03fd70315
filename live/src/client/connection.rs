//! The connection: opening it, writing frames, and the reader task that turns what the
//! server sends into [`ServerFrame`]s (settling requests and tracking state on the way).

use super::error::ClientError;
use super::frames::{RoomFrame, ServerFrame, decode_room_frame, frame_kind};
use super::http;
use super::state::{Shared, receive, receive_binary};
use super::wire::{Inbound, Received, Writer, websocket_inbound};
use crate::protocol::kinds::ServerKind;
use crate::support::lock;
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::Value;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// How many unread frames [`LiveClient::next_frame`] keeps; older ones are dropped.
const FRAME_LOG_CAPACITY: usize = 16_384;

/// How long opening a connection may take, and the default request timeout.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// How a [`LiveClient`] reaches the server (docs/transports.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Transport {
    /// A WebSocket at the URL given.
    #[default]
    WebSocket,
    /// Server-Sent Events down, one POST per frame up, at the URL's `/ws` replaced by `/sse`.
    Sse,
    /// Long-polling, at the URL's `/ws` replaced by `/http`.
    LongPolling,
}

/// A connection to a Live server.
pub struct LiveClient {
    pub(super) connection_id: String,
    pub(super) writer: tokio::sync::Mutex<Writer>,
    pub(super) shared: Arc<Mutex<Shared>>,
    pub(super) frames: tokio::sync::Mutex<mpsc::Receiver<ServerFrame>>,
    pub(super) next_request: AtomicU64,
    pub(super) timeout: Duration,
    pub(super) reader: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for LiveClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveClient")
            .field("connection_id", &self.connection_id)
            .finish()
    }
}

impl LiveClient {
    /// Connects and waits for `CONNECTION_ESTABLISHED` (10 s at most).
    pub async fn connect(url: &str) -> Result<Self, ClientError> {
        Self::connect_with_headers(url, &[]).await
    }

    /// Like [`connect`](Self::connect), adding HTTP headers to the upgrade request (for
    /// example `Origin`).
    pub async fn connect_with_headers(
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, ClientError> {
        Self::connect_over(url, Transport::WebSocket, headers).await
    }

    /// Connects over `transport` to the server whose WebSocket URL is `url` (`ws://…/ws`),
    /// sending `headers` with every HTTP request, and waits for `CONNECTION_ESTABLISHED`
    /// (10 s at most). Over SSE and long-polling a refused origin (403) is
    /// [`ClientError::Rejected`] with code 4003, as on a WebSocket.
    pub async fn connect_over(
        url: &str,
        transport: Transport,
        headers: &[(&str, &str)],
    ) -> Result<Self, ClientError> {
        let opening = open(url, transport, headers);
        let (writer, inbound) = tokio::time::timeout(OPEN_TIMEOUT, opening)
            .await
            .map_err(|_| ClientError::Timeout)??;
        Self::open(writer, inbound).await
    }

    /// Waits for `CONNECTION_ESTABLISHED` on `inbound` (10 s at most), then reads the rest of
    /// the connection in a task of its own.
    pub(crate) async fn open(writer: Writer, mut inbound: Inbound) -> Result<Self, ClientError> {
        let timeout = OPEN_TIMEOUT;
        let connection_id = tokio::time::timeout(timeout, first_frame(&mut inbound))
            .await
            .map_err(|_| ClientError::Timeout)??;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (frames_tx, frames_rx) = mpsc::channel(FRAME_LOG_CAPACITY);
        let reader = tokio::spawn(read_loop(inbound, Arc::clone(&shared), frames_tx));
        Ok(Self {
            connection_id,
            writer: tokio::sync::Mutex::new(writer),
            shared,
            frames: tokio::sync::Mutex::new(frames_rx),
            next_request: AtomicU64::new(1),
            timeout,
            reader,
        })
    }

    /// Changes how long requests wait for their reply (default 10 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The id the server gave this connection.
    pub fn connection_id(&self) -> &str {
        &self.connection_id
    }

    /// Sends a JSON message as one text frame.
    pub async fn send_json(&self, message: &Value) -> Result<(), ClientError> {
        self.send_text(message.to_string()).await
    }

    /// Sends raw text (for tests of malformed input).
    pub async fn send_text(&self, text: impl Into<String>) -> Result<(), ClientError> {
        let text: String = text.into();
        self.writer
            .lock()
            .await
            .send(Bytes::from(text), false)
            .await
    }

    /// Sends raw bytes as a binary frame.
    pub async fn send_binary(&self, bytes: impl Into<Bytes>) -> Result<(), ClientError> {
        self.writer.lock().await.send(bytes.into(), true).await
    }
    /// The next frame from the server in arrival order (replies included), waiting at most
    /// the request timeout.
    pub async fn next_frame(&self) -> Result<ServerFrame, ClientError> {
        let mut frames = self.frames.lock().await;
        match tokio::time::timeout(self.timeout, frames.recv()).await {
            Ok(Some(frame)) => Ok(frame),
            Ok(None) => Err(ClientError::Closed),
            Err(_) => Err(ClientError::Timeout),
        }
    }

    /// Waits for the next binary room frame, skipping other frames.
    pub async fn next_room_frame(&self) -> Result<RoomFrame, ClientError> {
        loop {
            match self.next_frame().await? {
                ServerFrame::Binary(bytes) => return decode_room_frame(&bytes),
                ServerFrame::Closed { .. } => return Err(ClientError::Closed),
                ServerFrame::Json(_) => {}
            }
        }
    }

    /// Waits for the next JSON frame whose `type` is `kind`, skipping others.
    pub async fn next_of_type(&self, kind: &str) -> Result<Value, ClientError> {
        loop {
            match self.next_frame().await? {
                ServerFrame::Json(frame)
                    if frame.get("type").and_then(Value::as_str) == Some(kind) =>
                {
                    return Ok(frame);
                }
                ServerFrame::Closed { .. } => return Err(ClientError::Closed),
                _ => {}
            }
        }
    }

    /// Whether the server closed the connection.
    pub fn is_closed(&self) -> bool {
        lock(&self.shared).closed
    }

    /// Closes the connection politely (dropping the client closes it abruptly).
    pub async fn close(mut self) {
        self.writer.lock().await.close().await;
        // The server's close comes in (long-polling: the last poll brings it).
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut self.reader).await;
    }
}

impl Drop for LiveClient {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Opens the transport: its writer and what the server sends.
async fn open(
    url: &str,
    transport: Transport,
    headers: &[(&str, &str)],
) -> Result<(Writer, Inbound), ClientError> {
    let mode = match transport {
        Transport::WebSocket => return open_websocket(url, headers).await,
        Transport::Sse => http::Mode::Sse,
        Transport::LongPolling => http::Mode::Poll,
    };
    let opened = http::open(http::Endpoints::of(url, headers)?, mode).await?;
    Ok((Writer::Http(opened.sender), opened.inbound))
}

async fn open_websocket(
    url: &str,
    headers: &[(&str, &str)],
) -> Result<(Writer, Inbound), ClientError> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
    let mut request = url
        .into_client_request()
        .map_err(|error| ClientError::Connect(error.to_string()))?;
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| ClientError::Connect(e.to_string()))?;
        let value =
            HeaderValue::from_str(value).map_err(|e| ClientError::Connect(e.to_string()))?;
        request.headers_mut().insert(name, value);
    }
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|error| ClientError::Connect(error.to_string()))?;
    let (writer, reader) = socket.split();
    Ok((Writer::WebSocket(writer), websocket_inbound(reader)))
}

async fn first_frame(inbound: &mut Inbound) -> Result<String, ClientError> {
    while let Some(received) = inbound.next().await {
        match received {
            Received::Closed { code, reason } => {
                return Err(ClientError::Rejected { code, reason });
            }
            Received::Text(text) => {
                let frame: Value = serde_json::from_str(&text)
                    .map_err(|error| ClientError::Protocol(error.to_string()))?;
                if frame_kind(&frame) == Some(ServerKind::ConnectionEstablished) {
                    return frame
                        .get("connectionId")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            ClientError::Protocol(
                                "CONNECTION_ESTABLISHED without connectionId".into(),
                            )
                        });
                }
                return Err(ClientError::Protocol(format!(
                    "expected CONNECTION_ESTABLISHED, got {text}"
                )));
            }
            Received::Binary(_) => {}
        }
    }
    Err(ClientError::Closed)
}

async fn read_loop(
    mut inbound: Inbound,
    shared: Arc<Mutex<Shared>>,
    frames: mpsc::Sender<ServerFrame>,
) {
    let mut close = ServerFrame::Closed {
        code: 1006,
        reason: String::new(),
    };
    while let Some(received) = inbound.next().await {
        match received {
            Received::Text(text) => match serde_json::from_str::<Value>(&text) {
                Ok(Value::Array(items)) => {
                    for item in items {
                        receive(&shared, &frames, ServerFrame::Json(item));
                    }
                }
                Ok(item) => receive(&shared, &frames, ServerFrame::Json(item)),
                Err(error) => tracing::warn!(%error, "server sent invalid JSON"),
            },
            Received::Binary(bytes) => receive_binary(&shared, &frames, bytes),
            Received::Closed { code, reason } => {
                close = ServerFrame::Closed { code, reason };
                break;
            }
        }
    }
    let mut shared_now = lock(&shared);
    shared_now.closed = true;
    shared_now.pending.clear();
    drop(shared_now);
    receive(&shared, &frames, close);
}
