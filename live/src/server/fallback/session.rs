//! One SSE or long-polling session: the frames the server has written for it and not yet
//! handed over ([`Pending`]), the [`FrameSink`] that fills them, the inbound stream that
//! [`drive`](crate::runtime::transport::drive) reads the client's POSTed frames from, and
//! the poll that empties them.

use crate::runtime::outbox::{CloseFrame, SLOW_CONSUMER};
use crate::runtime::transport::{FrameSink, InFrame, SinkClosed};
use crate::support::lock;
use bytes::Bytes;
use futures_util::Stream;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use tokio::time::Instant;

/// Bytes that may wait for one session's client before it is closed with 1008 (§16).
pub(super) const MAX_QUEUED_BYTES: usize = 4 * 1024 * 1024;

/// A session without a poll, a POST or an SSE stream for this long is closed (§16).
pub(super) const IDLE: Duration = Duration::from_secs(45);

/// Which transport a session belongs to; its token works only on that transport's paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Server-Sent Events: frames stream on the `GET /sse` response.
    Sse,
    /// Long-polling: frames are fetched with `GET /http/poll`.
    Poll,
}

/// A frame waiting for the client.
#[derive(Debug, Clone)]
pub(super) enum Wire {
    /// A JSON text frame (an object or an array of them).
    Text(Bytes),
    /// A binary frame.
    Binary(Bytes),
}

/// What one hand-over gives the client: the frames in order, then the close if the
/// session ended.
#[derive(Debug, Default)]
pub(super) struct Batch {
    pub(super) frames: Vec<Wire>,
    pub(super) closed: Option<CloseFrame>,
}

#[derive(Default)]
struct Pending {
    frames: Vec<Wire>,
    bytes: usize,
    closed: Option<CloseFrame>,
    /// The close has been handed to the client.
    delivered: bool,
}

/// One session. Shared by the table, its driving task and the requests that use it.
pub(super) struct Session {
    token: String,
    kind: Kind,
    origin: Option<String>,
    inbound: mpsc::Sender<InFrame<String>>,
    /// POSTs enqueue one at a time, in the order they got here.
    send_order: tokio::sync::Mutex<()>,
    pending: Mutex<Pending>,
    /// Woken on every change of `pending` and when a new poll starts.
    changed: Notify,
    /// Set when the client is gone: its stream dropped, it closed, or it went idle.
    gone: watch::Sender<bool>,
    last_seen: Mutex<Instant>,
    polls: AtomicU64,
}

/// Inbound frames that may wait between the POST handlers and the connection.
const INBOUND_FRAMES: usize = 16;

impl Session {
    /// A new session and the receiving end of its inbound frames.
    pub(super) fn new(
        token: String,
        kind: Kind,
        origin: Option<String>,
    ) -> (Arc<Self>, mpsc::Receiver<InFrame<String>>) {
        let (inbound, frames) = mpsc::channel(INBOUND_FRAMES);
        let session = Self {
            token,
            kind,
            origin,
            inbound,
            send_order: tokio::sync::Mutex::new(()),
            pending: Mutex::new(Pending::default()),
            changed: Notify::new(),
            gone: watch::channel(false).0,
            last_seen: Mutex::new(Instant::now()),
            polls: AtomicU64::new(0),
        };
        (Arc::new(session), frames)
    }

    pub(super) fn token(&self) -> &str {
        &self.token
    }

    pub(super) fn kind(&self) -> Kind {
        self.kind
    }

    /// The `Origin` of the request that opened the session.
    pub(super) fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// Records activity from the client (a poll or a POST), which keeps the session open.
    pub(super) fn touch(&self) {
        *lock(&self.last_seen) = Instant::now();
    }

    /// The client is gone: the connection closes (its destroy hooks run).
    pub(super) fn leave(&self) {
        self.gone.send_replace(true);
    }

    /// Passes one POSTed frame to the connection, after those POSTed before it. `false` if
    /// the connection has stopped reading.
    pub(super) async fn send(&self, frame: InFrame<String>) -> bool {
        let _order = self.send_order.lock().await;
        self.touch();
        self.inbound.send(frame).await.is_ok()
    }

    /// The inbound frames as [`drive`](crate::runtime::transport::drive) reads them: the
    /// POSTed frames, then `Closed` once the client is gone or (long-polling) idle for
    /// [`IDLE`].
    pub(super) fn inbound(
        self: &Arc<Self>,
        frames: mpsc::Receiver<InFrame<String>>,
    ) -> impl Stream<Item = InFrame<String>> + Unpin + Send + 'static {
        let state = (Arc::clone(self), frames, self.gone.subscribe(), false);
        Box::pin(futures_util::stream::unfold(
            state,
            |(session, mut frames, mut gone, ended)| async move {
                if ended {
                    return None;
                }
                let frame = loop {
                    let idle_at = *lock(&session.last_seen) + IDLE;
                    tokio::select! {
                        frame = frames.recv() => break frame.unwrap_or(InFrame::Closed),
                        _ = gone.wait_for(|gone| *gone) => break InFrame::Closed,
                        () = tokio::time::sleep_until(idle_at), if session.kind == Kind::Poll => {
                            if lock(&session.last_seen).elapsed() >= IDLE {
                                tracing::debug!("long-polling session idle; closing");
                                break InFrame::Closed;
                            }
                        }
                    }
                };
                let ended = matches!(frame, InFrame::Closed);
                Some((frame, (session, frames, gone, ended)))
            },
        ))
    }

    /// Takes everything waiting, once there is something (or `stop` says to give up, which
    /// yields an empty batch).
    pub(super) async fn take(&self, stop: impl Future<Output = ()>) -> Batch {
        tokio::pin!(stop);
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(batch) = self.take_now() {
                return batch;
            }
            tokio::select! {
                () = &mut notified => {}
                () = &mut stop => return Batch::default(),
            }
        }
    }

    fn take_now(&self) -> Option<Batch> {
        let mut pending = lock(&self.pending);
        if pending.frames.is_empty() && pending.closed.is_none() {
            return None;
        }
        pending.bytes = 0;
        // A closed session answers every later poll with its close too, until it is retired.
        let newly_delivered = pending.closed.is_some() && !pending.delivered;
        pending.delivered |= newly_delivered;
        let batch = Batch {
            frames: std::mem::take(&mut pending.frames),
            closed: pending.closed,
        };
        drop(pending);
        if newly_delivered {
            self.changed.notify_waiters();
        }
        Some(batch)
    }

    /// A long poll: the frames waiting, held up to `hold` while there are none. A newer
    /// poll of the same session answers this one at once, empty.
    pub(super) async fn poll(&self, hold: Duration) -> Batch {
        self.touch();
        let mine = self.polls.fetch_add(1, Ordering::SeqCst).wrapping_add(1);
        self.changed.notify_waiters();
        let replaced = async {
            loop {
                let notified = self.changed.notified();
                if self.polls.load(Ordering::SeqCst) != mine {
                    return;
                }
                notified.await;
            }
        };
        let batch = tokio::time::timeout(hold, self.take(replaced)).await;
        self.touch();
        batch.unwrap_or_default()
    }

    /// Resolves once the close has been handed to the client.
    pub(super) async fn delivered(&self) {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if lock(&self.pending).delivered {
                return;
            }
            notified.await;
        }
    }

    /// Queues a frame; past [`MAX_QUEUED_BYTES`] the queue is dropped and the session
    /// closed with 1008.
    fn queue(&self, frame: Wire) -> Result<(), SinkClosed> {
        let mut pending = lock(&self.pending);
        if pending.closed.is_some() {
            return Err(SinkClosed);
        }
        let size = match &frame {
            Wire::Text(bytes) | Wire::Binary(bytes) => bytes.len(),
        };
        pending.bytes = pending.bytes.saturating_add(size);
        if pending.bytes > MAX_QUEUED_BYTES {
            tracing::warn!("session queue over 4 MiB; closing slow client");
            pending.frames.clear();
            pending.bytes = 0;
            pending.closed = Some(SLOW_CONSUMER);
            drop(pending);
            self.changed.notify_waiters();
            return Err(SinkClosed);
        }
        pending.frames.push(frame);
        Ok(())
    }
}

/// The connection's [`FrameSink`]: frames wait in the session until the client takes them.
pub(super) struct SessionSink(pub(super) Arc<Session>);

impl FrameSink for SessionSink {
    async fn feed_text(&mut self, frame: Bytes) -> Result<(), SinkClosed> {
        self.0.queue(Wire::Text(frame))
    }

    async fn feed_binary(&mut self, frame: Bytes) -> Result<(), SinkClosed> {
        self.0.queue(Wire::Binary(frame))
    }

    async fn flush(&mut self) -> Result<(), SinkClosed> {
        self.0.changed.notify_waiters();
        Ok(())
    }

    async fn close(&mut self, frame: CloseFrame) -> Result<(), SinkClosed> {
        let mut pending = lock(&self.0.pending);
        pending.closed.get_or_insert(frame);
        drop(pending);
        self.0.changed.notify_waiters();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(frame: &Wire) -> &[u8] {
        match frame {
            Wire::Text(bytes) | Wire::Binary(bytes) => bytes,
        }
    }

    #[tokio::test]
    async fn a_poll_takes_what_waits_and_a_newer_poll_replaces_a_waiting_one() {
        let (session, _frames) = Session::new("t".into(), Kind::Poll, None);
        let mut sink = SessionSink(Arc::clone(&session));
        assert!(sink.feed_text(Bytes::from_static(b"{}")).await.is_ok());
        let batch = session.poll(Duration::from_secs(5)).await;
        assert_eq!(batch.frames.iter().map(text).collect::<Vec<_>>(), [b"{}"]);

        let waiting = tokio::spawn({
            let session = Arc::clone(&session);
            async move { session.poll(Duration::from_secs(30)).await }
        });
        while session.polls.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        let newer = tokio::spawn({
            let session = Arc::clone(&session);
            async move { session.poll(Duration::from_secs(30)).await }
        });
        let replaced = tokio::time::timeout(Duration::from_secs(5), waiting).await;
        assert!(
            matches!(replaced, Ok(Ok(Batch { ref frames, closed: None })) if frames.is_empty())
        );
        assert!(sink.close(SLOW_CONSUMER).await.is_ok());
        let closed = tokio::time::timeout(Duration::from_secs(5), newer).await;
        assert!(matches!(
            closed,
            Ok(Ok(Batch {
                closed: Some(SLOW_CONSUMER),
                ..
            }))
        ));
        tokio::time::timeout(Duration::from_secs(5), session.delivered())
            .await
            .ok();
        assert!(lock(&session.pending).delivered);
        // A poll after the close was handed over gets it again at once, not a held poll.
        let again = tokio::time::timeout(
            Duration::from_secs(5),
            session.poll(Duration::from_secs(30)),
        )
        .await;
        assert!(matches!(
            again,
            Ok(Batch {
                closed: Some(SLOW_CONSUMER),
                ..
            })
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_polling_session_is_closed_after_45_s_without_a_poll_or_post() {
        use futures_util::StreamExt;
        let (session, frames) = Session::new("t".into(), Kind::Poll, None);
        let mut inbound = session.inbound(frames);
        let sender = Arc::clone(&session);
        tokio::spawn(async move {
            tokio::time::sleep(IDLE / 2).await;
            sender.send(InFrame::Text("{}".to_owned())).await
        });
        let start = Instant::now();
        assert!(matches!(inbound.next().await, Some(InFrame::Text(_))));
        assert!(matches!(inbound.next().await, Some(InFrame::Closed)));
        // Idle counts from the last POST.
        assert!(start.elapsed() >= IDLE + IDLE / 2);
        assert!(inbound.next().await.is_none());
    }

    #[tokio::test]
    async fn past_4_mib_queued_the_session_closes_with_1008() {
        let (session, _frames) = Session::new("t".into(), Kind::Sse, None);
        let mut sink = SessionSink(Arc::clone(&session));
        let chunk = Bytes::from(vec![b'x'; 1024 * 1024]);
        for _ in 0..4 {
            assert!(sink.feed_text(chunk.clone()).await.is_ok());
        }
        assert!(sink.feed_text(chunk).await.is_err());
        let batch = session.take(std::future::pending()).await;
        assert!(batch.frames.is_empty());
        assert_eq!(batch.closed, Some(SLOW_CONSUMER));
    }
}
