//! The SSE response body: `event: session` first, then each frame as a `message` or
//! `binary` event, `: ping` every [`PING`] while nothing else is sent, and `event: close`
//! last (reference §16).

use super::session::{Batch, Session, Wire};
use crate::protocol::kinds::SseEvent;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures_util::Stream;
use serde::Serialize;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How often an idle stream gets a `: ping` comment (§2.6).
pub(super) const PING: Duration = Duration::from_secs(15);

/// A response body of SSE bytes.
pub(crate) type EventStream = Pin<Box<dyn Stream<Item = Bytes> + Send + 'static>>;

/// The `session` event's data.
#[derive(Serialize)]
pub(super) struct TokenData<'a> {
    pub(super) token: &'a str,
}

/// The `close` event's data (and long-polling's `closed`).
#[derive(Serialize)]
pub(super) struct CloseData {
    pub(super) code: u16,
    pub(super) reason: &'static str,
}

/// Ends the session when the stream is dropped: the client went away.
struct Leave(Arc<Session>);

impl Drop for Leave {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// The event stream of `session`, which the stream alone reads.
pub(super) fn events(session: Arc<Session>) -> EventStream {
    let token = serde_json::to_string(&TokenData {
        token: session.token(),
    })
    .unwrap_or_default();
    let first = Bytes::from(event(SseEvent::Session, &token));
    let state = (Leave(session), Some(first), false);
    Box::pin(futures_util::stream::unfold(
        state,
        |(leave, first, done)| async move {
            if let Some(first) = first {
                return Some((first, (leave, None, false)));
            }
            if done {
                return None;
            }
            let batch = leave.0.take(tokio::time::sleep(PING)).await;
            if batch.frames.is_empty() && batch.closed.is_none() {
                return Some((Bytes::from_static(b": ping\n\n"), (leave, None, false)));
            }
            let done = batch.closed.is_some();
            Some((render(&batch), (leave, None, done)))
        },
    ))
}

/// One batch as SSE events.
fn render(batch: &Batch) -> Bytes {
    let mut out = String::new();
    for frame in &batch.frames {
        match frame {
            Wire::Text(text) => {
                out.push_str(&event(SseEvent::Message, &String::from_utf8_lossy(text)))
            }
            Wire::Binary(bytes) => out.push_str(&event(SseEvent::Binary, &STANDARD.encode(bytes))),
        }
    }
    if let Some(close) = batch.closed {
        let data = CloseData {
            code: close.code,
            reason: close.reason,
        };
        out.push_str(&event(
            SseEvent::Close,
            &serde_json::to_string(&data).unwrap_or_default(),
        ));
    }
    Bytes::from(out)
}

/// `event: NAME` and one `data:` line per line of `data`.
fn event(name: SseEvent, data: &str) -> String {
    let mut out = format!("event: {name}\n");
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        out.push('\n');
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::outbox::GOING_AWAY;
    use crate::runtime::transport::FrameSink;
    use futures_util::StreamExt;

    #[tokio::test(start_paused = true)]
    async fn the_stream_opens_with_the_session_pings_when_idle_and_ends_with_close() {
        let (session, _frames) = Session::new("ab".into(), super::super::session::Kind::Sse, None);
        let mut sink = super::super::session::SessionSink(Arc::clone(&session));
        let mut events = events(Arc::clone(&session));
        let first = events.next().await;
        assert_eq!(
            first.as_deref(),
            Some(&b"event: session\ndata: {\"token\":\"ab\"}\n\n"[..])
        );
        let started = tokio::time::Instant::now();
        assert_eq!(events.next().await.as_deref(), Some(&b": ping\n\n"[..]));
        assert!(started.elapsed() >= PING);
        assert!(sink.feed_text(Bytes::from_static(b"[1,2]")).await.is_ok());
        assert!(
            sink.feed_binary(Bytes::from_static(&[1, 2, 3]))
                .await
                .is_ok()
        );
        assert!(sink.close(GOING_AWAY).await.is_ok());
        let last = events.next().await.unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&last),
            "event: message\ndata: [1,2]\n\nevent: binary\ndata: AQID\n\n\
             event: close\ndata: {\"code\":1001,\"reason\":\"Server shutting down\"}\n\n"
        );
        assert!(events.next().await.is_none());
    }

    #[test]
    fn multi_line_data_is_split_into_data_lines() {
        assert_eq!(
            event(SseEvent::Message, "{\"a\":\n1}"),
            "event: message\ndata: {\"a\":\ndata: 1}\n\n"
        );
    }
}
