//! The built-in server: tokio-tungstenite on a plain TCP listener.

use super::front::{self, Pages, Replay, Routed};
use crate::runtime::Hub;
use crate::runtime::outbox::CloseFrame;
use crate::runtime::transport::{FrameSink, InFrame, SinkClosed, drive, stopped};
use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame as WsCloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error, Message, Utf8Bytes, http};

/// Accepts connections until `shutdown` flips, then waits (up to the grace period) for open
/// connections to close. Besides the WebSocket endpoint it serves `pages`.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    hub: Arc<Hub>,
    pages: Arc<Pages>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_socket(
                        stream,
                        Arc::clone(&hub),
                        Arc::clone(&pages),
                        shutdown.clone(),
                    ));
                }
                Err(error) => {
                    // Typically EMFILE: back off briefly instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = stopped(&mut shutdown) => break,
        }
    }
    drop(listener);
    let grace = hub.config.shutdown_grace;
    if tokio::time::timeout(grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await
    .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period; aborting them");
        connections.abort_all();
    }
    hub.singletons.shutdown_all().await;
}

/// Bytes buffered before a write reaches the socket (the writer flushes after every drain).
const WRITE_BUFFER_BYTES: usize = 64 * 1024;

fn websocket_config(hub: &Hub) -> WebSocketConfig {
    let max = hub.config.max_message_bytes.saturating_mul(2);
    // tungstenite panics unless max_write_buffer_size > write_buffer_size.
    let max_write_buffer = WRITE_BUFFER_BYTES.saturating_add(max).saturating_add(1);
    WebSocketConfig::default()
        .read_buffer_size(hub.config.read_buffer_bytes)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(max_write_buffer)
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
}

/// The socket's two halves once it is a WebSocket, and the upgrade request's `Origin`.
type Opened = (
    SplitSink<WebSocketStream<Replay<TcpStream>>, Message>,
    SplitStream<WebSocketStream<Replay<TcpStream>>>,
    Option<String>,
);

async fn serve_socket(
    stream: TcpStream,
    hub: Arc<Hub>,
    pages: Arc<Pages>,
    shutdown: watch::Receiver<bool>,
) {
    // Routing and the handshake run once, in a boxed future freed afterwards, and the
    // connection in a boxed future of its own: the task keeps only what the connection
    // needs, not the largest state the handshake ever had (~1.5 KiB per connection).
    let Some((sink, stream, origin)) = Box::pin(open_socket(stream, &hub, &pages)).await else {
        return;
    };
    let frames = stream.map(|message| match message {
        Ok(Message::Text(text)) => InFrame::Text(text),
        Ok(Message::Binary(bytes)) => InFrame::Binary(bytes),
        Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => InFrame::Control,
        Ok(Message::Close(_)) => InFrame::Closed,
        Err(Error::Capacity(_)) => InFrame::TooLarge,
        Err(_) => InFrame::Closed,
    });
    let origin = origin.as_deref();
    Box::pin(drive(hub, origin, frames, TungsteniteSink(sink), shutdown)).await;
}

/// Serves a static page, or upgrades the socket to a WebSocket on the Live path; `None` when
/// the connection is done (a page was served, or the request failed or timed out).
// The handshake callback's error type is tungstenite's contract; its size is not ours to choose.
#[allow(clippy::result_large_err)]
async fn open_socket(stream: TcpStream, hub: &Hub, pages: &Pages) -> Option<Opened> {
    let _ = stream.set_nodelay(true);
    // One deadline for the request head, a page response, and the WebSocket handshake.
    let deadline = tokio::time::Instant::now() + hub.config.handshake_timeout;
    let routing = front::route(stream, &hub.config.path, pages);
    let stream = match tokio::time::timeout_at(deadline, routing).await {
        Ok(Routed::Upgrade(stream)) => stream,
        Ok(Routed::Done) => return None,
        Err(_) => {
            tracing::debug!("request head timed out");
            return None;
        }
    };
    let path = hub.config.path.clone();
    // The handshake callback records the Origin header for the connection's origin check.
    let origin: Arc<Mutex<Option<String>>> = Arc::default();
    let seen_origin = Arc::clone(&origin);
    let check_path =
        move |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
            let header = request.headers().get(http::header::ORIGIN);
            if let (Some(value), Ok(mut slot)) =
                (header.and_then(|v| v.to_str().ok()), seen_origin.lock())
            {
                *slot = Some(value.to_owned());
            }
            if request.uri().path() == path {
                Ok(response)
            } else {
                let mut not_found = ErrorResponse::new(Some("Not found".to_owned()));
                *not_found.status_mut() = http::StatusCode::NOT_FOUND;
                Err(not_found)
            }
        };
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(
        stream,
        check_path,
        Some(websocket_config(hub)),
    );
    let socket = match tokio::time::timeout_at(deadline, handshake).await {
        Ok(Ok(socket)) => socket,
        Ok(Err(error)) => {
            tracing::debug!(%error, "websocket handshake failed");
            return None;
        }
        Err(_) => {
            tracing::debug!("websocket handshake timed out");
            return None;
        }
    };
    let (sink, stream) = socket.split();
    let origin = origin.lock().ok().and_then(|mut origin| origin.take());
    Some((sink, stream, origin))
}

/// The write half of a tokio-tungstenite socket.
struct TungsteniteSink(SplitSink<WebSocketStream<Replay<TcpStream>>, Message>);

impl FrameSink for TungsteniteSink {
    async fn feed_text(&mut self, frame: Bytes) -> Result<(), SinkClosed> {
        let text = Utf8Bytes::try_from(frame).map_err(|_| SinkClosed)?;
        self.0
            .feed(Message::Text(text))
            .await
            .map_err(|_| SinkClosed)
    }

    async fn feed_binary(&mut self, frame: Bytes) -> Result<(), SinkClosed> {
        self.0
            .feed(Message::Binary(frame))
            .await
            .map_err(|_| SinkClosed)
    }

    async fn flush(&mut self) -> Result<(), SinkClosed> {
        self.0.flush().await.map_err(|_| SinkClosed)
    }

    async fn close(&mut self, frame: CloseFrame) -> Result<(), SinkClosed> {
        let close = WsCloseFrame {
            code: CloseCode::from(frame.code),
            reason: Utf8Bytes::from_static(frame.reason),
        };
        self.0
            .send(Message::Close(Some(close)))
            .await
            .map_err(|_| SinkClosed)?;
        self.0.close().await.map_err(|_| SinkClosed)
    }
}
