//! The load generator's lean protocol client: tokio-tungstenite straight on a TCP socket,
//! small buffers, and a borrowed parse of only the fields the benchmark reads.
//!
//! It speaks to Live and to the bare baseline alike (both send the same frames), so the
//! client-side cost is identical on both sides of every ratio.

use anyhow::{Context, Result, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// The WebSocket path both servers serve.
pub const PATH: &str = "/api/live/ws";

/// How long any single protocol step may take before the client gives up.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// One client connection.
#[derive(Debug)]
pub struct Conn {
    ws: WebSocketStream<TcpStream>,
    next_request: u64,
}

/// One JSON message from the server (an element of an array frame, or a whole frame).
#[derive(Debug, Deserialize)]
pub struct Msg<'a> {
    /// `type`.
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    /// `componentId`.
    #[serde(rename = "componentId", borrow, default)]
    pub component_id: Option<Cow<'a, str>>,
    /// `requestId`.
    #[serde(rename = "requestId", borrow, default)]
    pub request_id: Option<Cow<'a, str>>,
    /// `success`.
    #[serde(default)]
    pub success: Option<bool>,
    /// `error`.
    #[serde(borrow, default)]
    pub error: Option<Cow<'a, str>>,
    /// `result` (the mount reply carries the component id in it).
    #[serde(default)]
    pub result: Option<Value>,
    /// `payload` (only `payload.delta` is read).
    #[serde(default)]
    pub payload: Option<Payload>,
}

/// The part of a payload the benchmark reads.
#[derive(Debug, Deserialize)]
pub struct Payload {
    /// `STATE_DELTA`'s delta.
    #[serde(default)]
    pub delta: Option<Delta>,
}

/// The delta fields the benchmark components change.
#[derive(Debug, Deserialize)]
pub struct Delta {
    /// `Counter` / `SharedCounter`.
    #[serde(default)]
    pub count: Option<i64>,
    /// `BenchFeed`, `BenchTicker`.
    #[serde(default)]
    pub seq: Option<u64>,
    /// `BenchTicker`: when the server ran the tick (microseconds since the Unix epoch).
    #[serde(default)]
    pub at: Option<u64>,
}

impl Msg<'_> {
    /// The sequence number a `STATE_DELTA` carries (`count` or `seq`), if any.
    pub fn delta_seq(&self) -> Option<u64> {
        if self.kind != "STATE_DELTA" {
            return None;
        }
        let delta = self.payload.as_ref()?.delta.as_ref()?;
        delta
            .seq
            .or_else(|| delta.count.and_then(|count| u64::try_from(count).ok()))
    }

    /// The `(seq, at)` a `BenchTicker` `STATE_DELTA` carries, if any.
    pub fn delta_tick(&self) -> Option<(u64, u64)> {
        if self.kind != "STATE_DELTA" {
            return None;
        }
        let delta = self.payload.as_ref()?.delta.as_ref()?;
        Some((delta.seq?, delta.at?))
    }
}

/// Calls `each` for every message of a text frame (a JSON object or a JSON array of them).
/// Returns false if the frame is not valid JSON of that shape.
pub fn for_each_msg(text: &str, mut each: impl FnMut(&Msg<'_>)) -> bool {
    if text.trim_start().starts_with('[') {
        match serde_json::from_str::<Vec<Msg<'_>>>(text) {
            Ok(messages) => {
                messages.iter().for_each(&mut each);
                true
            }
            Err(_) => false,
        }
    } else {
        match serde_json::from_str::<Msg<'_>>(text) {
            Ok(message) => {
                each(&message);
                true
            }
            Err(_) => false,
        }
    }
}

/// A binary room frame: `[type][idLen][id][roomLen][room][eventLen u16][event][payload]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomFrame<'a> {
    /// `0x02` event, `0x03` state.
    pub frame_type: u8,
    /// The event name.
    pub event: &'a str,
    /// The msgpack payload.
    pub payload: &'a [u8],
}

/// Reads a binary room frame's header.
pub fn room_frame(bytes: &[u8]) -> Option<RoomFrame<'_>> {
    let (&frame_type, rest) = bytes.split_first()?;
    let (&id_len, rest) = rest.split_first()?;
    let rest = rest.get(usize::from(id_len)..)?;
    let (&room_len, rest) = rest.split_first()?;
    let rest = rest.get(usize::from(room_len)..)?;
    let event_len = u16::from_be_bytes([*rest.first()?, *rest.get(1)?]);
    let rest = rest.get(2..)?;
    let event = std::str::from_utf8(rest.get(..usize::from(event_len))?).ok()?;
    let payload = rest.get(usize::from(event_len)..)?;
    Some(RoomFrame {
        frame_type,
        event,
        payload,
    })
}

/// Decodes a msgpack unsigned integer (or a whole float64, as large integers travel).
pub fn msgpack_u64(bytes: &[u8]) -> Option<u64> {
    let (&tag, rest) = bytes.split_first()?;
    let be = |n: usize| -> Option<u64> {
        let slice = rest.get(..n)?;
        Some(slice.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    };
    match tag {
        0x00..=0x7f => Some(u64::from(tag)),
        0xcc => be(1),
        0xcd => be(2),
        0xce => be(4),
        0xcf => be(8),
        0xcb => {
            let float = f64::from_bits(be(8)?);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            (float >= 0.0 && float.fract() == 0.0).then_some(float as u64)
        }
        _ => None,
    }
}

fn client_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(4096)
        .max_write_buffer_size(16 * 1024 * 1024)
}

impl Conn {
    /// Connects and reads `CONNECTION_ESTABLISHED`.
    pub async fn connect(addr: SocketAddr) -> Result<Self> {
        let stream = TcpStream::connect(addr).await.context("tcp connect")?;
        Self::handshake(addr, stream).await
    }

    /// Connects with a small kernel receive buffer (a client that stops reading then
    /// stalls the server's writes quickly), and reads `CONNECTION_ESTABLISHED`.
    pub async fn connect_small_buffer(addr: SocketAddr) -> Result<Self> {
        let socket = TcpSocket::new_v4().context("socket")?;
        socket.set_recv_buffer_size(4096).context("SO_RCVBUF")?;
        let stream = socket.connect(addr).await.context("tcp connect")?;
        Self::handshake(addr, stream).await
    }

    async fn handshake(addr: SocketAddr, stream: TcpStream) -> Result<Self> {
        stream.set_nodelay(true).context("nodelay")?;
        let url = format!("ws://{addr}{PATH}");
        let (ws, _) = tokio::time::timeout(
            STEP_TIMEOUT,
            tokio_tungstenite::client_async_with_config(url, stream, Some(client_config())),
        )
        .await
        .context("handshake timed out")?
        .context("websocket handshake")?;
        let mut conn = Self {
            ws,
            next_request: 0,
        };
        let mut established = false;
        conn.read_until(|message| {
            established |= message.kind == "CONNECTION_ESTABLISHED";
            established
        })
        .await?;
        Ok(conn)
    }

    /// A fresh request id.
    pub fn request_id(&mut self) -> String {
        self.next_request += 1;
        format!("r{}", self.next_request)
    }

    /// Sends a text frame (and flushes).
    pub async fn send(&mut self, text: String) -> Result<()> {
        self.send_message(Message::text(text)).await
    }

    /// Sends any frame (and flushes).
    pub async fn send_message(&mut self, message: Message) -> Result<()> {
        self.ws.send(message).await.context("websocket send")
    }

    /// The next frame; an error when the socket closed.
    pub async fn next(&mut self) -> Result<Message> {
        match self.ws.next().await {
            Some(Ok(message)) => Ok(message),
            Some(Err(error)) => Err(anyhow!(error).context("websocket read")),
            None => bail!("connection closed"),
        }
    }

    /// Reads JSON messages (ignoring binary frames) until `stop` returns true, with the
    /// step timeout.
    pub async fn read_until(&mut self, mut stop: impl FnMut(&Msg<'_>) -> bool) -> Result<()> {
        let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
        loop {
            let message = tokio::time::timeout_at(deadline, self.next())
                .await
                .context("timed out waiting for a reply")??;
            match message {
                Message::Text(text) => {
                    let mut done = false;
                    let mut failure = None;
                    if !for_each_msg(&text, |message| {
                        if done {
                            return;
                        }
                        if message.success == Some(false) {
                            failure = Some(message.error.as_deref().unwrap_or("?").to_owned());
                        }
                        done = stop(message);
                    }) {
                        bail!("unparsable frame: {text}");
                    }
                    if done {
                        return match failure {
                            Some(error) => Err(anyhow!("server refused: {error}")),
                            None => Ok(()),
                        };
                    }
                }
                Message::Close(frame) => bail!("closed by server: {frame:?}"),
                _ => {}
            }
        }
    }

    /// Mounts `component` (with `props`, a JSON object text) and returns its id.
    pub async fn mount(&mut self, component: &str, props: Option<&str>) -> Result<String> {
        let request_id = self.request_id();
        let props = props.map(|p| format!(",\"props\":{p}")).unwrap_or_default();
        self.send(format!(
            r#"{{"type":"COMPONENT_MOUNT","componentId":"mount-{component}","payload":{{"component":"{component}"{props}}},"requestId":"{request_id}","expectResponse":true}}"#
        ))
        .await?;
        let mut id = None;
        self.read_until(|message| {
            if message.kind == "MESSAGE_RESPONSE"
                && message.request_id.as_deref() == Some(&request_id)
            {
                id = message
                    .result
                    .as_ref()
                    .and_then(|result| result.get("componentId"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                return true;
            }
            false
        })
        .await?;
        id.ok_or_else(|| anyhow!("mount reply without componentId"))
    }

    /// Sends `CALL_ACTION` (with `expectResponse`); returns the request id.
    pub async fn call(
        &mut self,
        component_id: &str,
        action: &str,
        payload: &str,
    ) -> Result<String> {
        let request_id = self.request_id();
        self.send(action_frame(component_id, action, payload, &request_id))
            .await?;
        Ok(request_id)
    }

    /// Calls an action and waits for its `ACTION_RESPONSE`.
    pub async fn call_and_wait(
        &mut self,
        component_id: &str,
        action: &str,
        payload: &str,
    ) -> Result<()> {
        let request_id = self.call(component_id, action, payload).await?;
        self.read_until(|message| is_reply_to(message, &request_id))
            .await
    }

    /// Closes politely (errors ignored: the benchmark is done with it).
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.ws.close(None)).await;
    }
}

/// Whether `message` is the `ACTION_RESPONSE` to `request_id`.
pub fn is_reply_to(message: &Msg<'_>, request_id: &str) -> bool {
    message.kind == "ACTION_RESPONSE" && message.request_id.as_deref() == Some(request_id)
}

/// A `CALL_ACTION` frame.
pub fn action_frame(component_id: &str, action: &str, payload: &str, request_id: &str) -> String {
    format!(
        r#"{{"type":"CALL_ACTION","componentId":"{component_id}","action":"{action}","payload":{payload},"requestId":"{request_id}","expectResponse":true}}"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_and_objects_parse() {
        let mut kinds = Vec::new();
        assert!(for_each_msg(
            r#"[{"type":"STATE_DELTA","componentId":"a","payload":{"delta":{"count":3}}},{"type":"ACTION_RESPONSE","success":true,"result":3,"requestId":"r1"}]"#,
            |m| kinds.push((m.kind.to_string(), m.delta_seq()))
        ));
        assert_eq!(
            kinds,
            vec![
                ("STATE_DELTA".to_owned(), Some(3)),
                ("ACTION_RESPONSE".to_owned(), None)
            ]
        );
        assert!(for_each_msg(r#"{"type":"PING"}"#, |m| assert_eq!(
            m.kind,
            "PING"
        )));
        assert!(!for_each_msg("nope", |_| {}));
    }

    #[test]
    fn room_frames_and_msgpack() {
        let mut frame = vec![0x02, 2, b'i', b'd', 4];
        frame.extend_from_slice(b"b:m1");
        frame.extend_from_slice(&4u16.to_be_bytes());
        frame.extend_from_slice(b"tick");
        frame.extend_from_slice(&[0xcd, 0x01, 0x00]);
        let parsed = room_frame(&frame);
        assert_eq!(parsed.map(|f| f.event), Some("tick"));
        assert_eq!(parsed.and_then(|f| msgpack_u64(f.payload)), Some(256));
        assert_eq!(msgpack_u64(&[0x05]), Some(5));
        let mut float = vec![0xcb];
        float.extend_from_slice(&(2f64.powi(40)).to_bits().to_be_bytes());
        assert_eq!(msgpack_u64(&float), Some(1 << 40));
        assert_eq!(room_frame(&[0x02, 9]), None);
    }
}
