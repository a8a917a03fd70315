//! The seam between the core and a WebSocket implementation.
//!
//! An adapter turns its socket into a stream of [`InFrame`]s and a [`FrameSink`]; [`drive`]
//! does the rest. Only adapters know tungstenite, axum or actix types.

use super::connection::{Connection, ConnectionWake, LocalActors};
use super::hub::Hub;
use super::outbox::{
    CloseFrame, GOING_AWAY, MESSAGE_TOO_BIG, NORMAL_CLOSE, ORIGIN_NOT_ALLOWED, OutFrame, Outbox,
    join_text_frames,
};
use crate::metrics::Metrics;

use bytes::Bytes;
use futures_util::future::Either;
use futures_util::{FutureExt, Stream, StreamExt};
use std::collections::VecDeque;
use std::future::Future;
use std::ops::ControlFlow;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::watch;
use tracing::Instrument;

/// One inbound frame, as an adapter sees it.
#[derive(Debug)]
// The in-process transport (`testing`) has no control frames and no size limit of its own.
#[cfg_attr(
    not(any(feature = "standalone", feature = "axum", feature = "actix")),
    allow(dead_code)
)]
pub(crate) enum InFrame<T> {
    /// A text frame (already UTF-8 validated by the WebSocket layer).
    Text(T),
    /// A binary frame.
    Binary(Bytes),
    /// A control frame the adapter handles itself (ping, pong).
    #[cfg_attr(not(any(feature = "standalone", feature = "axum")), allow(dead_code))]
    Control,
    /// The peer sent a message over the WebSocket layer's hard limit: closed with 1009.
    TooLarge,
    /// The peer closed, or the socket failed.
    Closed,
}

/// The socket stopped accepting frames.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SinkClosed;

/// The write half of a WebSocket, as the core sees it.
pub(crate) trait FrameSink: Send + 'static {
    /// Buffers a text frame without flushing.
    fn feed_text(&mut self, frame: Bytes) -> impl Future<Output = Result<(), SinkClosed>> + Send;
    /// Buffers a binary frame without flushing.
    fn feed_binary(&mut self, frame: Bytes) -> impl Future<Output = Result<(), SinkClosed>> + Send;
    /// Writes everything buffered.
    fn flush(&mut self) -> impl Future<Output = Result<(), SinkClosed>> + Send;
    /// Sends a close frame.
    fn close(&mut self, frame: CloseFrame) -> impl Future<Output = Result<(), SinkClosed>> + Send;
}

/// Runs one connection until the peer leaves, the socket fails, or the server shuts down.
///
/// Not an `async fn`: the origin is checked before the future is built, so the future is
/// only [`run`]'s, without a second copy of its arguments (an idle connection keeps its
/// future for its whole life).
#[cfg_attr(
    not(any(feature = "standalone", feature = "axum", feature = "actix")),
    allow(dead_code)
)]
pub(crate) fn drive<T, R, S>(
    hub: Arc<Hub>,
    origin: Option<&str>,
    frames: R,
    sink: S,
    shutdown: watch::Receiver<bool>,
) -> impl Future<Output = ()> + use<T, R, S>
where
    T: AsRef<str>,
    R: Stream<Item = InFrame<T>> + Unpin,
    S: FrameSink,
{
    if origin_allowed(&hub, origin) {
        Either::Left(run(hub, frames, sink, shutdown))
    } else {
        Either::Right(Box::pin(refuse_origin(hub, sink)))
    }
}

/// §2.2: an origin not allowed is closed on open, before CONNECTION_ESTABLISHED.
#[cfg_attr(
    not(any(feature = "standalone", feature = "axum", feature = "actix")),
    allow(dead_code)
)]
async fn refuse_origin<S: FrameSink>(hub: Arc<Hub>, sink: S) {
    let metrics = Arc::clone(&hub.metrics);
    metrics.connection_opened();
    let refused = Outbox::new(1);
    refused.close(ORIGIN_NOT_ALLOWED);
    write_loop(refused, sink, Arc::clone(&metrics)).await;
    metrics.connection_closed(ORIGIN_NOT_ALLOWED.code);
}

/// [`drive`] after the origin check, for transports that check `Origin` themselves (the
/// HTTP transports answer 403 instead of closing with 4003).
pub(crate) async fn run<T, R, S>(hub: Arc<Hub>, frames: R, sink: S, shutdown: watch::Receiver<bool>)
where
    T: AsRef<str>,
    R: Stream<Item = InFrame<T>> + Unpin,
    S: FrameSink,
{
    let metrics = Arc::clone(&hub.metrics);
    metrics.connection_opened();
    // Boxed: moved into the reader, it would otherwise take its room twice in this future.
    let connection = Box::new(Connection::open(hub));
    let span = tracing::info_span!(
        "live.connection",
        connection = %connection.id(),
        close_code = tracing::field::Empty,
    );
    let outbox = connection.outbox().clone();
    // The writer runs in this task, polled alongside the reader (a task of its own cost
    // ~0.7 KiB per idle connection); a panic in it ends only the writing, as a panicking
    // writer task did.
    // Pinned where it is built, and the reader awaited without a local: a future moved
    // out of a local before an `.await` is stored twice in this state machine.
    let writing = std::pin::pin!(
        AssertUnwindSafe(write_loop(outbox.clone(), sink, Arc::clone(&metrics)))
            .catch_unwind()
            .map(drop)
    );
    read_loop(connection, frames, writing, shutdown)
        .instrument(span.clone())
        .await;
    let code = outbox.close_code().unwrap_or(NORMAL_CLOSE.code);
    span.record("close_code", code);
    metrics.connection_closed(code);
}

/// Feeds the connection its frames until the peer leaves, the writer stops or the server
/// shuts down; then closes it and waits for the writer to finish. The writer and the
/// actors of the connection's private components are polled all along, also while a
/// frame is being handled.
async fn read_loop<T, R, W>(
    mut connection: Box<Connection>,
    mut frames: R,
    writer: Pin<&mut W>,
    mut shutdown: watch::Receiver<bool>,
) where
    T: AsRef<str>,
    R: Stream<Item = InFrame<T>> + Unpin,
    W: Future<Output = ()>,
{
    let outbox = connection.outbox().clone();
    let mut stopping = std::pin::pin!(stopped_once_registered(&mut shutdown));
    let mut beside = Beside {
        writer,
        writer_finished: false,
        actors: LocalActors::default(),
        wake: ConnectionWake::new(),
    };
    loop {
        // This pass polls the reader, the actors and the writer below, so the wake-ups it
        // causes itself (a call queued for an actor, a reply queued for the writer) need
        // not wake its task again: the wakers are forgotten here and registered again
        // when the pass ends (the writer's by its own poll, the others' by `rearm`).
        beside.wake.quiet();
        outbox.quiet_writer();
        tokio::select! {
            // The reader first, then the actors, then the writer: the frames read in this
            // wake-up are run and answered in it too (the loop comes back here until the
            // reader has nothing more), and a socket wake-up does not poll the actors
            // before their call is queued. A client that sends many frames at once is held
            // to its call mailbox's bound: a full mailbox makes the frame's handling wait,
            // beside the actors and the writer.
            biased;
            frame = next_frame(&mut frames, &beside.wake) => match frame {
                // An action call is queued at once; other work is boxed: the message's
                // state lives only while it runs, not in every idle connection's task.
                Some(InFrame::Text(text)) => {
                    if let Some(handling) = connection.on_text(text.as_ref()) {
                        beside.alongside(handling).await;
                    }
                }
                Some(InFrame::Binary(bytes)) => {
                    let handling = Box::pin(connection.on_binary(&bytes));
                    beside.alongside(handling).await;
                }
                Some(InFrame::Control) => {}
                Some(InFrame::TooLarge) => {
                    outbox.close(MESSAGE_TOO_BIG);
                    break;
                }
                Some(InFrame::Closed) | None => break,
            },
            () = beside.actors.run_unregistered(&beside.wake) => {}
            () = beside.writer.as_mut(), if !beside.writer_finished => {
                beside.writer_finished = true;
                break;
            }
            () = stopping.as_mut() => {
                outbox.close(GOING_AWAY);
                break;
            }
            () = until(connection.upload_deadline()) => connection.purge_stale_uploads(),
            () = beside.wake.rearm() => {}
        }
        beside.actors.adopt(connection.starting());
        if beside.writer_finished {
            break;
        }
    }
    beside.actors.adopt(connection.starting());
    Connection::close(*connection);
    beside.actors.finish_detached(beside.wake);
    if !beside.writer_finished {
        beside.writer.await;
    }
}

/// What a connection's task polls besides its reader: the writer, and the actors of its
/// private components.
struct Beside<'w, W> {
    writer: Pin<&'w mut W>,
    /// The writer has returned (it is not polled again).
    writer_finished: bool,
    actors: LocalActors,
    /// The waker of the reader and the actors.
    wake: Arc<ConnectionWake>,
}

impl<W: Future<Output = ()>> Beside<'_, W> {
    /// Runs `work` to its end while polling the actors and the writer too (unless it has
    /// finished): `work` may wait for either, e.g. for room in a component's mailbox.
    async fn alongside<F>(&mut self, work: F)
    where
        F: Future<Output = ()> + Unpin,
    {
        let mut work = work;
        loop {
            tokio::select! {
                biased;
                () = &mut work => return,
                () = self.actors.run(&self.wake) => {}
                () = self.writer.as_mut(), if !self.writer_finished => self.writer_finished = true,
            }
        }
    }
}

/// The reader's next frame. The reader is polled only when `wake` fired since its last
/// poll, or when its last poll returned a frame (it may hold more): a wake-up of the task
/// by anything else (the writer's outbox, mostly) costs no read attempt. The task is
/// registered with `wake` by the pass ([`ConnectionWake::rearm`]), not here.
fn next_frame<'a, R>(
    frames: &'a mut R,
    wake: &'a Arc<ConnectionWake>,
) -> impl Future<Output = Option<R::Item>> + 'a
where
    R: Stream + Unpin,
{
    std::future::poll_fn(move |_| {
        if !wake.take_reader_due() {
            return std::task::Poll::Pending;
        }
        let waker = wake.waker();
        let polled = frames.poll_next_unpin(&mut std::task::Context::from_waker(&waker));
        if polled.is_ready() {
            wake.reader_ready();
        }
        polled
    })
}

/// Drains the outbox into the sink: consecutive JSON frames become one JSON array frame,
/// everything is fed, and the socket is flushed once per drain.
pub(crate) async fn write_loop<S: FrameSink>(outbox: Outbox, mut sink: S, metrics: Arc<Metrics>) {
    while let Some(batch) = outbox.next_batch().await {
        metrics.outbound_drained(batch.len());
        // Boxed: the writing state (timers, the frame being fed) lives only while a batch
        // is written, not in every idle connection.
        if Box::pin(write_batch(batch, &mut sink, &outbox))
            .await
            .is_break()
        {
            return;
        }
    }
}

/// Writes one batch; `Break` once the connection is done (closed, or the sink failed).
async fn write_batch<S: FrameSink>(
    batch: VecDeque<OutFrame>,
    sink: &mut S,
    outbox: &Outbox,
) -> ControlFlow<()> {
    let mut texts = Vec::new();
    for frame in batch {
        let fed = match frame {
            OutFrame::Text(text) => {
                texts.push(text);
                Ok(())
            }
            OutFrame::Binary(bytes) => match feed_texts(sink, &mut texts).await {
                Ok(()) => within(sink.feed_binary(bytes)).await,
                Err(closed) => Err(closed),
            },
            OutFrame::Close(close) => {
                let _ = feed_texts(sink, &mut texts).await;
                let _ = within(sink.flush()).await;
                let _ = within(sink.close(close)).await;
                return ControlFlow::Break(());
            }
        };
        if fed.is_err() {
            outbox.close(super::outbox::NORMAL_CLOSE);
            return ControlFlow::Break(());
        }
    }
    let written = match feed_texts(sink, &mut texts).await {
        Ok(()) => within(sink.flush()).await,
        Err(closed) => Err(closed),
    };
    if written.is_err() {
        outbox.close(super::outbox::NORMAL_CLOSE);
        return ControlFlow::Break(());
    }
    ControlFlow::Continue(())
}

async fn feed_texts<S: FrameSink>(sink: &mut S, texts: &mut Vec<Bytes>) -> Result<(), SinkClosed> {
    match join_text_frames(texts) {
        Some(frame) => within(sink.feed_text(frame)).await,
        None => Ok(()),
    }
}

/// Whether the upgrade request's `Origin` is allowed (always, when no list is configured).
pub(crate) fn origin_allowed(hub: &Hub, origin: Option<&str>) -> bool {
    match &hub.config.allowed_origins {
        None => true,
        Some(allowed) => origin.is_some_and(|origin| allowed.iter().any(|a| a == origin)),
    }
}

/// Resolves at `deadline`; never without one. The timer is boxed: only connections with
/// uploads in progress have one, and idle connections' futures stay small.
async fn until(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(deadline) => Box::pin(tokio::time::sleep_until(deadline.into())).await,
        None => std::future::pending().await,
    }
}

/// Resolves once the server starts shutting down (or the server is gone).
pub(crate) async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopping| *stopping).await;
}

/// [`stopped`] for a future polled at every wake-up of its task: after the first poll has
/// registered the task's waker with the signal, later polls only peek at the signal's
/// version (one atomic load) and poll the wait again only once it changed. Polling a
/// registered wait takes the signal's waiter lock each time (~400 instructions per
/// action). It relies on the task's waker staying the same, as a tokio task's does.
/// The signal only ever turns on, so any change (or the sender's end) means stopping.
async fn stopped_once_registered(shutdown: &mut watch::Receiver<bool>) {
    if *shutdown.borrow_and_update() {
        return;
    }
    let peek = shutdown.clone();
    let mut changed = std::pin::pin!(shutdown.changed());
    let mut registered = false;
    std::future::poll_fn(|cx| {
        if registered && matches!(peek.has_changed(), Ok(false)) {
            return std::task::Poll::Pending;
        }
        registered = true;
        changed.as_mut().poll(cx).map(drop)
    })
    .await;
}

/// How long one socket write may stall before the peer is considered gone. A client that
/// stops reading fills its socket buffer; without this bound its writer would wait forever
/// and the connection (and its close frame) would never be released.
const WRITE_STALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A socket operation bounded by [`WRITE_STALL_TIMEOUT`]; a stall counts as a closed sink.
async fn within(operation: impl Future<Output = Result<(), SinkClosed>>) -> Result<(), SinkClosed> {
    // Most writes finish at their first poll: only a write that waits gets the timer
    // (making one reads the clock).
    let mut operation = std::pin::pin!(operation);
    let first =
        std::future::poll_fn(|cx| std::task::Poll::Ready(operation.as_mut().poll(cx))).await;
    if let std::task::Poll::Ready(written) = first {
        return written;
    }
    tokio::time::timeout(WRITE_STALL_TIMEOUT, operation)
        .await
        .unwrap_or(Err(SinkClosed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn a_registered_shutdown_wait_still_sees_the_signal() {
        let (stop, mut shutdown) = watch::channel(false);
        let mut waiting = std::pin::pin!(stopped_once_registered(&mut shutdown));
        for _ in 0..3 {
            let early = tokio::time::timeout(Duration::from_millis(10), waiting.as_mut()).await;
            assert!(early.is_err(), "resolved before the shutdown");
        }
        let _ = stop.send(true);
        let seen = tokio::time::timeout(Duration::from_secs(5), waiting).await;
        assert!(seen.is_ok(), "the shutdown was not seen");
    }

    #[tokio::test]
    async fn a_registered_shutdown_wait_ends_when_the_server_is_gone() {
        let (stop, mut shutdown) = watch::channel(false);
        let mut waiting = std::pin::pin!(stopped_once_registered(&mut shutdown));
        let early = tokio::time::timeout(Duration::from_millis(10), waiting.as_mut()).await;
        assert!(early.is_err(), "resolved before the server went");
        drop(stop);
        let seen = tokio::time::timeout(Duration::from_secs(5), waiting).await;
        assert!(seen.is_ok(), "the server's end was not seen");
    }

    /// A stream that counts its polls, holds the waker of its last pending poll, and
    /// yields the items pushed into it.
    #[derive(Default)]
    struct CountingStream {
        polls: usize,
        items: VecDeque<u8>,
        waker: Option<std::task::Waker>,
    }

    impl Stream for CountingStream {
        type Item = u8;

        fn poll_next(
            mut self: Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<u8>> {
            self.polls += 1;
            match self.items.pop_front() {
                Some(item) => std::task::Poll::Ready(Some(item)),
                None => {
                    self.waker = Some(cx.waker().clone());
                    std::task::Poll::Pending
                }
            }
        }
    }

    #[test]
    fn the_reader_is_polled_only_after_its_waker_fired_or_it_gave_a_frame() {
        let wake = ConnectionWake::new();
        let mut frames = CountingStream::default();
        let task = futures_util::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&task);
        let mut poll = |frames: &mut CountingStream| {
            let next = std::pin::pin!(next_frame(frames, &wake));
            next.poll(&mut cx)
        };
        // Due at first: polled, nothing there.
        assert!(poll(&mut frames).is_pending());
        assert_eq!(frames.polls, 1);
        // A wake-up of the task by anything else: not polled.
        assert!(poll(&mut frames).is_pending());
        assert_eq!(frames.polls, 1, "polled without its waker firing");
        // Its own waker fires: polled, and a frame comes.
        frames.items.extend([1, 2]);
        let kept = frames.waker.take();
        assert!(kept.is_some(), "no waker kept");
        kept.into_iter().for_each(std::task::Waker::wake);
        assert_eq!(poll(&mut frames), std::task::Poll::Ready(Some(1)));
        // It gave a frame: polled again without a wake-up (it may hold more).
        assert_eq!(poll(&mut frames), std::task::Poll::Ready(Some(2)));
        assert!(poll(&mut frames).is_pending());
        assert_eq!(frames.polls, 4);
        assert!(poll(&mut frames).is_pending());
        assert_eq!(frames.polls, 4, "polled again after it had nothing");
    }

    #[tokio::test]
    async fn the_writer_keeps_running_while_a_frame_is_handled() {
        let wrote = Arc::new(AtomicBool::new(false));
        let writer = {
            let wrote = Arc::clone(&wrote);
            async move { wrote.store(true, Ordering::SeqCst) }
        };
        let writer = std::pin::pin!(writer);
        let mut beside = Beside {
            writer,
            writer_finished: false,
            actors: LocalActors::default(),
            wake: ConnectionWake::new(),
        };
        // The handling ends only once the writer has run: it must be polled meanwhile.
        let handling = Box::pin(async {
            while !wrote.load(Ordering::SeqCst) {
                tokio::task::yield_now().await;
            }
        });
        let handled =
            tokio::time::timeout(Duration::from_secs(5), beside.alongside(handling)).await;
        assert!(
            handled.is_ok(),
            "the writer was not polled during the handling"
        );
        assert!(beside.writer_finished, "the writer's end was not recorded");
    }
}
