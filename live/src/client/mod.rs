//! A Rust client for the Live protocol (feature `client`).
//!
//! Connects to any server that speaks the protocol (Live or the TypeScript original),
//! mounts components, calls actions and keeps each mounted component's state up to date
//! from `STATE_UPDATE` / `STATE_DELTA` frames. Integration tests and benchmarks use it; it
//! also suits Rust services and bots.
//!
//! ```no_run
//! # async fn run() -> Result<(), live::client::ClientError> {
//! use live::client::LiveClient;
//! use serde_json::json;
//!
//! let client = LiveClient::connect("ws://127.0.0.1:3000/api/live/ws").await?;
//! let counter = client.mount("Counter", json!({})).await?;
//! let result = client.call(&counter.id, "add", json!({"by": 5})).await?;
//! assert_eq!(result, Some(json!(5)));
//! # Ok(())
//! # }
//! ```

use crate::protocol::kinds::{ClientKind, ServerKind};
use crate::state::diff::apply_delta;
use crate::support::lock;
use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How many unread frames [`LiveClient::next_frame`] keeps; older ones are dropped.
const FRAME_LOG_CAPACITY: usize = 16_384;

/// What can go wrong on the client side.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The connection could not be opened.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
    /// No answer in time.
    #[error("timed out waiting for the server")]
    Timeout,
    /// The server answered with a failure.
    #[error("server error: {message}")]
    Server {
        /// The reply's `error` text.
        message: String,
        /// The whole reply frame.
        reply: Value,
    },
    /// The server closed the connection before `CONNECTION_ESTABLISHED` (e.g. 4003 for a
    /// refused origin).
    #[error("connection refused by the server: {code} {reason}")]
    Rejected {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
    /// The server sent something the client did not expect.
    #[error("protocol error: {0}")]
    Protocol(String),
}

/// One frame from the server, in arrival order.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerFrame {
    /// A JSON object (JSON arrays are split into their objects).
    Json(Value),
    /// A binary frame.
    Binary(Bytes),
    /// The server closed the connection.
    Closed {
        /// Close code (1005 when none was given).
        code: u16,
        /// Close reason.
        reason: String,
    },
}

/// Whether a binary room frame carries an event (`0x02`) or a state delta (`0x03`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomFrameKind {
    /// `0x02`: an event (also `$sub:join` / `$sub:leave`).
    Event,
    /// `0x03`: a state delta, payload `{"state": <diff>}`.
    State,
}

/// A decoded binary room frame.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomFrame {
    /// Event or state.
    pub kind: RoomFrameKind,
    /// The recipient component.
    pub component_id: String,
    /// The room.
    pub room_id: String,
    /// The event name (`$state:update` for state frames).
    pub event: String,
    /// The msgpack payload, decoded.
    pub payload: Value,
}

/// Decodes a binary room frame (`0x02`/`0x03`) and its msgpack payload.
pub fn decode_room_frame(bytes: &[u8]) -> Result<RoomFrame, ClientError> {
    use crate::protocol::{msgpack, room_frame};
    let frame =
        room_frame::decode(bytes).map_err(|error| ClientError::Protocol(error.to_string()))?;
    let kind = if frame.frame_type == room_frame::ROOM_STATE {
        RoomFrameKind::State
    } else {
        RoomFrameKind::Event
    };
    let payload =
        msgpack::decode(frame.payload).map_err(|error| ClientError::Protocol(error.to_string()))?;
    Ok(RoomFrame {
        kind,
        component_id: frame.component_id.to_owned(),
        room_id: frame.room_id.to_owned(),
        event: frame.event.to_owned(),
        payload,
    })
}

/// A mounted component, as the mount reply described it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mounted {
    /// The server-assigned component id.
    pub id: String,
    /// `result.initialState`.
    pub state: Value,
}

#[derive(Default)]
struct Shared {
    pending: HashMap<String, oneshot::Sender<Value>>,
    states: HashMap<String, Value>,
    closed: bool,
}

/// A connection to a Live server.
pub struct LiveClient {
    connection_id: String,
    writer: tokio::sync::Mutex<SplitSink<Socket, Message>>,
    shared: Arc<Mutex<Shared>>,
    frames: tokio::sync::Mutex<mpsc::Receiver<ServerFrame>>,
    next_request: AtomicU64,
    timeout: Duration,
    reader: tokio::task::JoinHandle<()>,
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

        let (writer, mut reader) = socket.split();
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

    /// Mounts `component` with `props` (an object, or `null` for none).
    pub async fn mount(&self, component: &str, props: Value) -> Result<Mounted, ClientError> {
        let mut payload = Map::new();
        payload.insert("component".into(), json!(component));
        if !props.is_null() {
            payload.insert("props".into(), props);
        }
        let reply = self
            .request(json!({"type": ClientKind::ComponentMount, "componentId": format!("mount-{component}"), "payload": payload}))
            .await?;
        let reply = expect_success(reply)?;
        let result = reply.get("result").cloned().unwrap_or(Value::Null);
        let id = result
            .get("componentId")
            .and_then(Value::as_str)
            .ok_or_else(|| ClientError::Protocol("mount reply without result.componentId".into()))?
            .to_owned();
        let state = result.get("initialState").cloned().unwrap_or(Value::Null);
        lock(&self.shared)
            .states
            .entry(id.clone())
            .or_insert_with(|| state.clone());
        Ok(Mounted { id, state })
    }

    /// Calls `action` and returns its result (`None` when the action returned nothing).
    pub async fn call(
        &self,
        component_id: &str,
        action: &str,
        payload: Value,
    ) -> Result<Option<Value>, ClientError> {
        let reply = self
            .request(json!({"type": ClientKind::CallAction, "componentId": component_id, "action": action, "payload": payload}))
            .await?;
        let reply = expect_success(reply)?;
        Ok(reply.get("result").cloned())
    }

    /// Calls `action` without asking for a reply (failures still produce one, readable with
    /// [`next_frame`](Self::next_frame)).
    pub async fn fire(
        &self,
        component_id: &str,
        action: &str,
        payload: Value,
    ) -> Result<(), ClientError> {
        self.send_json(&json!({"type": ClientKind::CallAction, "componentId": component_id, "action": action, "payload": payload, "expectResponse": false}))
            .await
    }

    /// Writes one updatable field (`PROPERTY_UPDATE`).
    pub async fn set_property(
        &self,
        component_id: &str,
        property: &str,
        value: Value,
    ) -> Result<(), ClientError> {
        let reply = self
            .request(json!({"type": ClientKind::PropertyUpdate, "componentId": component_id, "property": property, "payload": {"value": value}}))
            .await?;
        expect_success(reply).map(|_| ())
    }

    /// Unmounts a component.
    pub async fn unmount(&self, component_id: &str) -> Result<(), ClientError> {
        let reply = self
            .request(json!({"type": ClientKind::ComponentUnmount, "componentId": component_id}))
            .await?;
        lock(&self.shared).states.remove(component_id);
        expect_success(reply).map(|_| ())
    }

    /// Sends `message` with a fresh `requestId` and `expectResponse: true`, and returns the
    /// first frame that carries that `requestId` (success or not).
    pub async fn request(&self, mut message: Value) -> Result<Value, ClientError> {
        let request_id = format!("rq{}", self.next_request.fetch_add(1, Ordering::Relaxed));
        let object = message
            .as_object_mut()
            .ok_or_else(|| ClientError::Protocol("a request must be a JSON object".into()))?;
        object.insert("requestId".into(), json!(request_id));
        object.insert("expectResponse".into(), json!(true));
        let (tx, rx) = oneshot::channel();
        {
            let mut shared = lock(&self.shared);
            if shared.closed {
                return Err(ClientError::Closed);
            }
            shared.pending.insert(request_id.clone(), tx);
        }
        if let Err(error) = self.send_json(&message).await {
            lock(&self.shared).pending.remove(&request_id);
            return Err(error);
        }
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(_)) => Err(ClientError::Closed),
            Err(_) => {
                lock(&self.shared).pending.remove(&request_id);
                Err(ClientError::Timeout)
            }
        }
    }

    /// Sends a JSON message as one text frame.
    pub async fn send_json(&self, message: &Value) -> Result<(), ClientError> {
        self.send_text(message.to_string()).await
    }

    /// Sends raw text (for tests of malformed input).
    pub async fn send_text(&self, text: impl Into<String>) -> Result<(), ClientError> {
        self.send(Message::text(text.into())).await
    }

    /// Sends raw bytes as a binary frame.
    pub async fn send_binary(&self, bytes: impl Into<Bytes>) -> Result<(), ClientError> {
        self.send(Message::Binary(bytes.into())).await
    }

    async fn send(&self, message: Message) -> Result<(), ClientError> {
        self.writer
            .lock()
            .await
            .send(message)
            .await
            .map_err(|_| ClientError::Closed)
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

    /// The state of a mounted component, as the frames received so far made it.
    pub fn state(&self, component_id: &str) -> Option<Value> {
        lock(&self.shared).states.get(component_id).cloned()
    }

    /// Waits until `check` holds for the component's state (polling every 5 ms).
    pub async fn wait_for_state(
        &self,
        component_id: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Result<Value, ClientError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            if let Some(state) = self.state(component_id).filter(|state| check(state)) {
                return Ok(state);
            }
            if lock(&self.shared).closed {
                return Err(ClientError::Closed);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClientError::Timeout);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Whether the server closed the connection.
    pub fn is_closed(&self) -> bool {
        lock(&self.shared).closed
    }

    /// Closes the connection politely (dropping the client closes it abruptly).
    pub async fn close(mut self) {
        let _ = self.writer.lock().await.close().await;
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut self.reader).await;
    }
}

impl Drop for LiveClient {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// The frame's `type`, if it is one the server sends.
fn frame_kind(frame: &Value) -> Option<ServerKind> {
    frame
        .get("type")
        .and_then(Value::as_str)
        .and_then(ServerKind::parse)
}

fn expect_success(reply: Value) -> Result<Value, ClientError> {
    let failed = reply.get("success") == Some(&Value::Bool(false))
        || frame_kind(&reply) == Some(ServerKind::Error);
    if failed {
        let message = reply
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("unknown error")
            .to_owned();
        return Err(ClientError::Server { message, reply });
    }
    Ok(reply)
}

async fn first_frame(reader: &mut SplitStream<Socket>) -> Result<String, ClientError> {
    while let Some(message) = reader.next().await {
        let message = message.map_err(|error| ClientError::Connect(error.to_string()))?;
        if let Message::Close(frame) = &message {
            return Err(ClientError::Rejected {
                code: frame.as_ref().map_or(1005, |f| u16::from(f.code)),
                reason: frame
                    .as_ref()
                    .map(|f| f.reason.to_string())
                    .unwrap_or_default(),
            });
        }
        if let Message::Text(text) = message {
            let frame: Value = serde_json::from_str(&text)
                .map_err(|error| ClientError::Protocol(error.to_string()))?;
            if frame_kind(&frame) == Some(ServerKind::ConnectionEstablished) {
                return frame
                    .get("connectionId")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        ClientError::Protocol("CONNECTION_ESTABLISHED without connectionId".into())
                    });
            }
            return Err(ClientError::Protocol(format!(
                "expected CONNECTION_ESTABLISHED, got {text}"
            )));
        }
    }
    Err(ClientError::Closed)
}

async fn read_loop(
    mut reader: SplitStream<Socket>,
    shared: Arc<Mutex<Shared>>,
    frames: mpsc::Sender<ServerFrame>,
) {
    let mut close = ServerFrame::Closed {
        code: 1006,
        reason: String::new(),
    };
    while let Some(message) = reader.next().await {
        match message {
            Ok(Message::Text(text)) => match serde_json::from_str::<Value>(&text) {
                Ok(Value::Array(items)) => {
                    for item in items {
                        receive(&shared, &frames, item);
                    }
                }
                Ok(item) => receive(&shared, &frames, item),
                Err(error) => tracing::warn!(%error, "server sent invalid JSON"),
            },
            Ok(Message::Binary(bytes)) => {
                let _ = frames.try_send(ServerFrame::Binary(bytes));
            }
            Ok(Message::Close(frame)) => {
                close = ServerFrame::Closed {
                    code: frame.as_ref().map_or(1005, |f| u16::from(f.code)),
                    reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                };
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let mut shared_now = lock(&shared);
    shared_now.closed = true;
    shared_now.pending.clear();
    drop(shared_now);
    let _ = frames.try_send(close);
}

/// Applies a frame to the component states, settles its request, and logs it.
fn receive(shared: &Mutex<Shared>, frames: &mpsc::Sender<ServerFrame>, frame: Value) {
    {
        let mut shared = lock(shared);
        let component = frame.get("componentId").and_then(Value::as_str);
        let payload = frame.get("payload");
        match (frame_kind(&frame), component, payload) {
            (Some(ServerKind::StateUpdate), Some(id), Some(payload)) => {
                if let Some(state) = payload.get("state") {
                    shared.states.insert(id.to_owned(), state.clone());
                }
            }
            (Some(ServerKind::StateDelta), Some(id), Some(payload)) => {
                if let (Some(state), Some(delta)) =
                    (shared.states.get_mut(id), payload.get("delta"))
                {
                    apply_delta(state, delta);
                }
            }
            _ => {}
        }
        if let Some(request_id) = frame.get("requestId").and_then(Value::as_str)
            && let Some(waiting) = shared.pending.remove(request_id)
        {
            let _ = waiting.send(frame.clone());
        }
    }
    if frames.try_send(ServerFrame::Json(frame)).is_err() {
        tracing::debug!("client frame log full; dropping a frame");
    }
}
