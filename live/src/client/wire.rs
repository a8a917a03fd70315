//! What the client's transports have in common: the frames a server sends, as one
//! [`Inbound`] stream, and how to send frames ([`Writer`]), over a WebSocket or one of the
//! HTTP transports (`http`).

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
pub(super) enum Received {
    Text(String),
    Binary(Bytes),
    /// The server's close, with its code and reason.
    Closed {
        code: u16,
        reason: String,
    },
}

/// Everything the server sends, in order; the stream ends when the connection drops.
pub(super) type Inbound = Pin<Box<dyn Stream<Item = Received> + Send>>;

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
pub(super) enum Writer {
    WebSocket(SplitSink<Socket, Message>),
    Http(http::Sender),
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
        }
    }
}
