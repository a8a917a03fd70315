//! The client's two transports: a WebSocket (tokio-tungstenite), or with feature `testing`
//! an in-process connection to a `live::testing::TestServer` that binds no socket.

use super::error::ClientError;
use bytes::Bytes;
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Where the client writes.
pub(crate) enum Writer {
    /// The write half of a WebSocket.
    Socket(SplitSink<Socket, Message>),
    /// The frames an in-process connection reads.
    #[cfg(feature = "testing")]
    Memory(tokio::sync::mpsc::UnboundedSender<crate::runtime::transport::InFrame<String>>),
}

impl Writer {
    pub(super) async fn send_text(&mut self, text: String) -> Result<(), ClientError> {
        match self {
            Self::Socket(sink) => sink
                .send(Message::text(text))
                .await
                .map_err(|_| ClientError::Closed),
            #[cfg(feature = "testing")]
            Self::Memory(frames) => frames
                .send(crate::runtime::transport::InFrame::Text(text))
                .map_err(|_| ClientError::Closed),
        }
    }

    pub(super) async fn send_binary(&mut self, bytes: Bytes) -> Result<(), ClientError> {
        match self {
            Self::Socket(sink) => sink
                .send(Message::Binary(bytes))
                .await
                .map_err(|_| ClientError::Closed),
            #[cfg(feature = "testing")]
            Self::Memory(frames) => frames
                .send(crate::runtime::transport::InFrame::Binary(bytes))
                .map_err(|_| ClientError::Closed),
        }
    }

    /// Closes politely (errors mean it is closed already).
    pub(super) async fn close(&mut self) {
        match self {
            Self::Socket(sink) => {
                let _ = sink.close().await;
            }
            #[cfg(feature = "testing")]
            Self::Memory(frames) => {
                let _ = frames.send(crate::runtime::transport::InFrame::Closed);
            }
        }
    }
}

/// What the client reads, whatever the transport.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A text frame.
    Text(Bytes),
    /// A binary frame.
    Binary(Bytes),
    /// The server's close frame.
    Close {
        /// Close code (1005 when none was given).
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// A control frame.
    Other,
    /// The transport failed.
    Failed(String),
}

impl Incoming {
    pub(super) fn from_socket(message: Result<Message, Error>) -> Self {
        match message {
            Ok(Message::Text(text)) => Self::Text(Bytes::from(text)),
            Ok(Message::Binary(bytes)) => Self::Binary(bytes),
            Ok(Message::Close(frame)) => Self::Close {
                code: frame.as_ref().map_or(1005, |f| u16::from(f.code)),
                reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
            },
            Ok(_) => Self::Other,
            Err(error) => Self::Failed(error.to_string()),
        }
    }
}

#[cfg(feature = "testing")]
impl From<crate::server::memory::ToClient> for Incoming {
    fn from(frame: crate::server::memory::ToClient) -> Self {
        use crate::server::memory::ToClient;
        match frame {
            ToClient::Text(text) => Self::Text(text),
            ToClient::Binary(bytes) => Self::Binary(bytes),
            ToClient::Close { code, reason } => Self::Close {
                code,
                reason: reason.to_owned(),
            },
        }
    }
}
