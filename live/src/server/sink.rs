//! One [`FrameSink`] for every WebSocket library whose write half is a `futures` [`Sink`] of
//! messages (tokio-tungstenite for the standalone server, axum): each library only says how
//! to build its text, binary and close messages ([`WsMessage`]).

use crate::runtime::outbox::CloseFrame;
use crate::runtime::transport::{FrameSink, SinkClosed};
use bytes::Bytes;
use futures_util::{Sink, SinkExt};
use std::marker::PhantomData;

/// A WebSocket library's message type.
pub(crate) trait WsMessage: Sized + Send + 'static {
    /// A text message, or `None` if `frame` is not UTF-8.
    fn text(frame: Bytes) -> Option<Self>;
    /// A binary message.
    fn binary(frame: Bytes) -> Self;
    /// A close message with `frame`'s code and reason.
    fn close(frame: CloseFrame) -> Self;
}

/// The write half of a WebSocket: a [`Sink`] of `M`.
pub(crate) struct MessageSink<S, M> {
    sink: S,
    message: PhantomData<fn(M)>,
}

impl<S, M> MessageSink<S, M> {
    pub(crate) fn new(sink: S) -> Self {
        Self {
            sink,
            message: PhantomData,
        }
    }
}

impl<S, M> FrameSink for MessageSink<S, M>
where
    S: Sink<M> + Unpin + Send + 'static,
    M: WsMessage,
{
    async fn feed_text(&mut self, frame: Bytes) -> Result<(), SinkClosed> {
        let text = M::text(frame).ok_or(SinkClosed)?;
        self.sink.feed(text).await.map_err(|_| SinkClosed)
    }

    async fn feed_binary(&mut self, frame: Bytes) -> Result<(), SinkClosed> {
        self.sink
            .feed(M::binary(frame))
            .await
            .map_err(|_| SinkClosed)
    }

    async fn flush(&mut self) -> Result<(), SinkClosed> {
        self.sink.flush().await.map_err(|_| SinkClosed)
    }

    async fn close(&mut self, frame: CloseFrame) -> Result<(), SinkClosed> {
        self.sink
            .send(M::close(frame))
            .await
            .map_err(|_| SinkClosed)?;
        self.sink.close().await.map_err(|_| SinkClosed)
    }
}
