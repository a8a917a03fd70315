//! The connection: opening it, writing frames, and the reader task that turns what the
//! server sends into [`ServerFrame`]s (settling requests and tracking state on the way).

use super::error::ClientError;
use super::frames::{RoomFrame, ServerFrame, decode_room_frame, frame_kind};
use super::state::{Shared, receive};
use super::wire::{Incoming, Writer};
use crate::protocol::kinds::ServerKind;
use crate::support::lock;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde_json::Value;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// How many unread frames [`LiveClient::next_frame`] keeps; older ones are dropped.
const FRAME_LOG_CAPACITY: usize = 16_384;

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
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
        let timeout = Duration::from_secs(10);
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
        let (socket, _) = tokio::time::timeout(timeout, tokio_tungstenite::connect_async(request))
            .await
            .map_err(|_| ClientError::Timeout)?
            .map_err(|error| ClientError::Connect(error.to_string()))?;
        let (writer, reader) = socket.split();
        Self::open(Writer::Socket(writer), reader.map(Incoming::from_socket)).await
    }

    /// Waits for `CONNECTION_ESTABLISHED` on `reader` (10 s at most), then reads the rest of
    /// the connection in a task of its own.
    pub(crate) async fn open<R>(writer: Writer, mut reader: R) -> Result<Self, ClientError>
    where
        R: Stream<Item = Incoming> + Unpin + Send + 'static,
    {
        let timeout = Duration::from_secs(10);
        let connection_id = tokio::time::timeout(timeout, first_frame(&mut reader))
            .await
            .map_err(|_| ClientError::Timeout)??;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (frames_tx, frames_rx) = mpsc::channel(FRAME_LOG_CAPACITY);
        let reader = tokio::spawn(read_loop(reader, Arc::clone(&shared), frames_tx));
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
        self.writer.lock().await.send_text(text.into()).await
    }

    /// Sends raw bytes as a binary frame.
    pub async fn send_binary(&self, bytes: impl Into<Bytes>) -> Result<(), ClientError> {
        self.writer.lock().await.send_binary(bytes.into()).await
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
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut self.reader).await;
    }
}

impl Drop for LiveClient {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

async fn first_frame<R>(reader: &mut R) -> Result<String, ClientError>
where
    R: Stream<Item = Incoming> + Unpin,
{
    while let Some(message) = reader.next().await {
        match message {
            Incoming::Failed(error) => return Err(ClientError::Connect(error)),
            Incoming::Close { code, reason } => return Err(ClientError::Rejected { code, reason }),
            Incoming::Text(text) => {
                let frame: Value = serde_json::from_slice(&text)
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
                    "expected CONNECTION_ESTABLISHED, got {}",
                    String::from_utf8_lossy(&text)
                )));
            }
            Incoming::Binary(_) | Incoming::Other => {}
        }
    }
    Err(ClientError::Closed)
}

async fn read_loop<R>(mut reader: R, shared: Arc<Mutex<Shared>>, frames: mpsc::Sender<ServerFrame>)
where
    R: Stream<Item = Incoming> + Unpin,
{
    let mut close = ServerFrame::Closed {
        code: 1006,
        reason: String::new(),
    };
    while let Some(message) = reader.next().await {
        match message {
            Incoming::Text(text) => match serde_json::from_slice::<Value>(&text) {
                Ok(Value::Array(items)) => {
                    for item in items {
                        receive(&shared, &frames, ServerFrame::Json(item));
                    }
                }
                Ok(item) => receive(&shared, &frames, ServerFrame::Json(item)),
                Err(error) => tracing::warn!(%error, "server sent invalid JSON"),
            },
            Incoming::Binary(bytes) => receive(&shared, &frames, ServerFrame::Binary(bytes)),
            Incoming::Close { code, reason } => {
                close = ServerFrame::Closed { code, reason };
                break;
            }
            Incoming::Other => {}
            Incoming::Failed(_) => break,
        }
    }
    let mut shared_now = lock(&shared);
    shared_now.closed = true;
    shared_now.pending.clear();
    drop(shared_now);
    receive(&shared, &frames, close);
}
