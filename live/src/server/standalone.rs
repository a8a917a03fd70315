//! The built-in server: HTTP on hyper ([`connection`]), then tokio-tungstenite, on a plain
//! TCP listener.

use super::fallback::Fallback;
use super::http::{Pages, connection};
use super::sink::{MessageSink, WsMessage};
use crate::runtime::Hub;
use crate::runtime::outbox::CloseFrame;
use crate::runtime::transport::{InFrame, drive, stopped};
use bytes::Bytes;
use futures_util::StreamExt;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame as WsCloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error, Message, Utf8Bytes};

/// Accepts connections until `shutdown` flips, then waits (up to the grace period) for open
/// connections to close. Besides the WebSocket endpoint it serves `pages`.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    hub: Arc<Hub>,
    pages: Arc<Pages>,
    fallback: Arc<Fallback>,
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
                        Arc::clone(&fallback),
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
        // SSE and long-polling sessions run in tasks of their own.
        fallback.drained().await;
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

/// A socket that is a WebSocket now, and the upgrade request's `Origin`.
type Opened = (WebSocketStream<TcpStream>, Option<String>);

async fn serve_socket(
    stream: TcpStream,
    hub: Arc<Hub>,
    pages: Arc<Pages>,
    fallback: Arc<Fallback>,
    shutdown: watch::Receiver<bool>,
) {
    // The HTTP request and the handshake run once, in a boxed future freed afterwards, and
    // the connection in a boxed future of its own: the task keeps only what the connection
    // needs, not the largest state the handshake ever had (~1.5 KiB per connection).
    let opening = open_socket(stream, &hub, &pages, &fallback, shutdown.clone());
    let Some((socket, origin)) = Box::pin(opening).await else {
        return;
    };
    let (sink, stream) = socket.split();
    let frames = stream.map(|message| match message {
        Ok(Message::Text(text)) => InFrame::Text(text),
        Ok(Message::Binary(bytes)) => InFrame::Binary(bytes),
        Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => InFrame::Control,
        Ok(Message::Close(_)) => InFrame::Closed,
        Err(Error::Capacity(_)) => InFrame::TooLarge,
        Err(_) => InFrame::Closed,
    });
    let origin = origin.as_deref();
    let sink = MessageSink::new(sink);
    Box::pin(drive(hub, origin, frames, sink, shutdown)).await;
}

/// Serves static pages, errors and the SSE and long-polling endpoints, until the socket
/// upgrades to a WebSocket on the Live path; `None` when the connection is done.
async fn open_socket(
    stream: TcpStream,
    hub: &Hub,
    pages: &Pages,
    fallback: &Arc<Fallback>,
    shutdown: watch::Receiver<bool>,
) -> Option<Opened> {
    let _ = stream.set_nodelay(true);
    // hyper bounds each request head by the handshake timeout (idle keep-alive included).
    let routes = connection::Routes {
        live_path: &hub.config.path,
        pages,
        fallback,
        uploads: hub.uploads.local.as_ref(),
        head_timeout: hub.config.handshake_timeout,
    };
    let upgraded = connection::serve(stream, routes, shutdown).await?;
    let socket = WebSocketStream::from_partially_read(
        upgraded.stream,
        upgraded.read_ahead,
        Role::Server,
        Some(websocket_config(hub)),
    )
    .await;
    Some((socket, upgraded.origin))
}

impl WsMessage for Message {
    fn text(frame: Bytes) -> Option<Self> {
        Utf8Bytes::try_from(frame).ok().map(Message::Text)
    }

    fn binary(frame: Bytes) -> Self {
        Message::Binary(frame)
    }

    fn close(frame: CloseFrame) -> Self {
        Message::Close(Some(WsCloseFrame {
            code: CloseCode::from(frame.code),
            reason: Utf8Bytes::from_static(frame.reason),
        }))
    }
}
