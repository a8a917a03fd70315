//! What the client's transports have in common: the frames a server sends, as one
//! [`Inbound`] stream, and how to send frames ([`Writer`]), over a WebSocket, one of the
//! HTTP transports (`http`), or with feature `testing` an in-process connection to a
//! `live::testing::TestServer` that binds no socket.

use super::error::ClientError;
use super::http;
use bytes::Bytes;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, Stream, StreamExt};
use std::pin::Pin;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(super) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One thing the server sent.
#[derive(Debug)]
pub(crate) enum Received {
    Text(String),
    Binary(Bytes),
    /// The server's close, with its code and reason.
    Closed {
        code: u16,
        reason: String,
    },
}

/// Everything the server sends, in order; the stream ends when the connection drops.
pub(crate) type Inbound = Pin<Box<dyn Stream<Item = Received> + Send>>;

/// The inbound half of a WebSocket.
pub(super) fn websocket_inbound(reader: futures_util::stream::SplitStream<Socket>) -> Inbound {
    let received = reader
        .take_while(|message| std::future::ready(message.is_ok()))
        .filter_map(|message| {
            std::future::ready(match message {
                Ok(Message::Text(text)) => Some(Received::Text(text.to_string())),
                Ok(Message::Binary(bytes)) => Some(Received::Binary(bytes)),
                Ok(Message::Close(frame)) => Some(Received::Closed {
                    code: frame.as_ref().map_or(1005, |f| u16::from(f.code)),
                    reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                }),
                _ => None,
            })
        });
    Box::pin(received)
}

/// How the client sends frames.
pub(crate) enum Writer {
    WebSocket(SplitSink<Socket, Message>),
    Http(http::Sender),
    /// The frames an in-process connection reads.
    #[cfg(feature = "testing")]
    Memory(tokio::sync::mpsc::UnboundedSender<crate::runtime::transport::InFrame<String>>),
}

impl Writer {
    /// Sends one frame.
    pub(super) async fn send(&mut self, frame: Bytes, binary: bool) -> Result<(), ClientError> {
        match self {
            Self::WebSocket(sink) => {
                let message = if binary {
                    Message::Binary(frame)
                } else {
                    let text = String::from_utf8(frame.to_vec())
                        .map_err(|error| ClientError::Protocol(error.to_string()))?;
                    Message::text(text)
                };
                sink.send(message).await.map_err(|_| ClientError::Closed)
            }
            Self::Http(sender) => sender.send(frame, binary).await,
            #[cfg(feature = "testing")]
            Self::Memory(frames) => {
                use crate::runtime::transport::InFrame;
                let frame = if binary {
                    InFrame::Binary(frame)
                } else {
                    let text = String::from_utf8(frame.to_vec())
                        .map_err(|error| ClientError::Protocol(error.to_string()))?;
                    InFrame::Text(text)
                };
                frames.send(frame).map_err(|_| ClientError::Closed)
            }
        }
    }

    /// Closes politely.
    pub(super) async fn close(&mut self) {
        match self {
            Self::WebSocket(sink) => {
                let _ = sink.close().await;
            }
            Self::Http(sender) => {
                let _ = sender.close().await;
            }
            #[cfg(feature = "testing")]
            Self::Memory(frames) => {
                let _ = frames.send(crate::runtime::transport::InFrame::Closed);
            }
        }
    }
}

/// What an in-process connection sends, as the client reads it.
#[cfg(feature = "testing")]
pub(crate) fn memory_inbound(
    mut from_server: tokio::sync::mpsc::UnboundedReceiver<crate::server::memory::ToClient>,
) -> Inbound {
    use crate::server::memory::ToClient;
    let received = futures_util::stream::poll_fn(move |cx| from_server.poll_recv(cx)).map(
        |frame| match frame {
            ToClient::Text(text) => Received::Text(String::from_utf8_lossy(&text).into_owned()),
            ToClient::Binary(bytes) => Received::Binary(bytes),
            ToClient::Close { code, reason } => Received::Closed {
                code,
                reason: reason.to_owned(),
            },
        },
    );
    Box::pin(received)
}
