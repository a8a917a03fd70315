//! The in-process transport behind `live::testing`: a connection whose frames travel
//! through channels instead of a socket, served by the same [`drive`] as every adapter.

use super::LiveServer;
use crate::runtime::outbox::CloseFrame;
use crate::runtime::transport::{FrameSink, InFrame, SinkClosed, drive};
use bytes::Bytes;
use futures_util::stream;
use std::sync::Arc;
use tokio::sync::mpsc;

/// A frame the server sent to an in-process client.
#[derive(Debug)]
pub(crate) enum ToClient {
    /// A text frame (one JSON message or a JSON array of them).
    Text(Bytes),
    /// A binary frame.
    Binary(Bytes),
    /// The close frame.
    Close {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: &'static str,
    },
}

/// The client's end of an in-process connection. Dropping `to_server` closes it.
#[derive(Debug)]
pub(crate) struct MemoryEnd {
    /// Frames to the server.
    pub(crate) to_server: mpsc::UnboundedSender<InFrame<String>>,
    /// Frames from the server, in order.
    pub(crate) from_server: mpsc::UnboundedReceiver<ToClient>,
}

impl LiveServer {
    /// Opens a connection that binds no socket: the runtime serves it exactly as a WebSocket
    /// connection (no `Origin` header). `None` once the server is shutting down.
    pub(crate) fn connect_in_memory(&self) -> Option<MemoryEnd> {
        let shutdown = self.lifecycle.connection_signal()?;
        let (to_server, mut inbound) = mpsc::unbounded_channel::<InFrame<String>>();
        let (outbound, from_server) = mpsc::unbounded_channel();
        let frames = stream::poll_fn(move |cx| inbound.poll_recv(cx));
        let hub = Arc::clone(&self.hub);
        tokio::spawn(async move {
            Box::pin(drive(hub, None, frames, ChannelSink(outbound), shutdown)).await;
        });
        Some(MemoryEnd {
            to_server,
            from_server,
        })
    }
}

/// The server's write half of an in-process connection.
struct ChannelSink(mpsc::UnboundedSender<ToClient>);

impl ChannelSink {
    fn send(&self, frame: ToClient) -> Result<(), SinkClosed> {
        self.0.send(frame).map_err(|_| SinkClosed)
    }
}

impl FrameSink for ChannelSink {
    async fn feed_text(&mut self, frame: Bytes) -> Result<(), SinkClosed> {
        self.send(ToClient::Text(frame))
    }

    async fn feed_binary(&mut self, frame: Bytes) -> Result<(), SinkClosed> {
        self.send(ToClient::Binary(frame))
    }

    async fn flush(&mut self) -> Result<(), SinkClosed> {
        Ok(())
    }

    async fn close(&mut self, frame: CloseFrame) -> Result<(), SinkClosed> {
        self.send(ToClient::Close {
            code: frame.code,
            reason: frame.reason,
        })
    }
}
