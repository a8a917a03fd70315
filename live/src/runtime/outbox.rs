//! The per-connection outbound queue: bounded, never blocking the producer.
//!
//! Producers (the connection itself, component actors broadcasting to viewers) push encoded
//! frames; the connection's writer drains everything queued, feeds it to the socket and
//! flushes once. When a slow client lets the queue reach its capacity, the queue is dropped
//! and the connection is closed with code 1008, so memory stays bounded; the client
//! reconnects and mounts again. See `docs/protocol.md` ("Outbound queue").

use crate::metrics::Metrics;
use bytes::Bytes;
use futures_util::task::AtomicWaker;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;

/// One queued outbound frame.
#[derive(Debug, Clone)]
pub(crate) enum OutFrame {
    /// A JSON text frame (always valid UTF-8: produced by serde_json).
    Text(Bytes),
    /// A binary frame: a room frame (`0x02`/`0x03`) or a component's binary delta (`0x01`).
    Binary(Bytes),
    /// Close the socket with this code and reason; nothing is sent after it.
    Close(CloseFrame),
}

/// A WebSocket close code and reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CloseFrame {
    /// The close code.
    pub(crate) code: u16,
    /// The close reason.
    pub(crate) reason: &'static str,
}

/// The client stopped reading: its queue overflowed.
pub(crate) const SLOW_CONSUMER: CloseFrame = CloseFrame {
    code: 1008,
    reason: "Outbound queue full (slow consumer)",
};

/// The server is shutting down.
pub(crate) const GOING_AWAY: CloseFrame = CloseFrame {
    code: 1001,
    reason: "Server shutting down",
};

/// A message over the WebSocket layer's hard limit (twice `max_message_bytes`).
pub(crate) const MESSAGE_TOO_BIG: CloseFrame = CloseFrame {
    code: 1009,
    reason: "Message too big",
};

/// The upgrade request's `Origin` is not in `allowed_origins` (§2.2).
#[cfg_attr(
    not(any(feature = "standalone", feature = "axum", feature = "actix")),
    allow(dead_code)
)]
pub(crate) const ORIGIN_NOT_ALLOWED: CloseFrame = CloseFrame {
    code: 4003,
    reason: "Origin not allowed",
};

/// A normal close.
pub(crate) const NORMAL_CLOSE: CloseFrame = CloseFrame {
    code: 1000,
    reason: "",
};

/// A cheap, clonable handle to one connection's outbound queue.
#[derive(Clone)]
pub(crate) struct Outbox {
    shared: Arc<Shared>,
}

struct Shared {
    queue: Mutex<Queue>,
    /// The waiting writer (there is one consumer: the connection's writer). Lighter than
    /// a `Notify`, whose wait is a node re-armed under a lock for every batch.
    ready: AtomicWaker,
    capacity: usize,
    /// Counts the overflow of a connection's queue (`None`: not counted).
    metrics: Option<Arc<Metrics>>,
}

struct Queue {
    frames: VecDeque<OutFrame>,
    closing: bool,
    /// The code of the close queued (set with `closing`).
    close_code: Option<u16>,
}

impl Outbox {
    /// An empty queue holding at most `capacity` frames.
    #[cfg_attr(
        not(any(feature = "standalone", feature = "axum", feature = "actix")),
        allow(dead_code)
    )]
    pub(crate) fn new(capacity: usize) -> Self {
        Self::build(capacity, None)
    }

    /// [`new`](Self::new), whose overflow `metrics` count as a slow-consumer close.
    pub(crate) fn counted(capacity: usize, metrics: Arc<Metrics>) -> Self {
        Self::build(capacity, Some(metrics))
    }

    fn build(capacity: usize, metrics: Option<Arc<Metrics>>) -> Self {
        Self {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue {
                    frames: VecDeque::new(),
                    closing: false,
                    close_code: None,
                }),
                ready: AtomicWaker::new(),
                capacity: capacity.max(1),
                metrics,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.shared
            .queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues a JSON text frame. Returns false if the connection is closing.
    pub(crate) fn push_text(&self, frame: Bytes) -> bool {
        self.push(OutFrame::Text(frame))
    }

    /// Queues a frame. Returns false if the connection is closing (the frame is dropped).
    /// Reaching the capacity drops the queue and closes the connection ([`SLOW_CONSUMER`]).
    pub(crate) fn push(&self, frame: OutFrame) -> bool {
        let mut queue = self.lock();
        if queue.closing {
            return false;
        }
        if queue.frames.len() >= self.shared.capacity {
            tracing::warn!(
                capacity = self.shared.capacity,
                "outbound queue full; closing slow connection"
            );
            queue.frames.clear();
            queue.frames.push_back(OutFrame::Close(SLOW_CONSUMER));
            queue.closing = true;
            queue.close_code = Some(SLOW_CONSUMER.code);
            drop(queue);
            if let Some(metrics) = &self.shared.metrics {
                metrics.slow_consumer();
            }
            self.shared.ready.wake();
            return false;
        }
        queue.frames.push_back(frame);
        drop(queue);
        self.shared.ready.wake();
        true
    }

    /// Closes the connection after the frames already queued.
    pub(crate) fn close(&self, frame: CloseFrame) {
        let mut queue = self.lock();
        if queue.closing {
            return;
        }
        queue.closing = true;
        queue.close_code = Some(frame.code);
        queue.frames.push_back(OutFrame::Close(frame));
        drop(queue);
        self.shared.ready.wake();
    }

    /// The code of the close queued, if one was.
    pub(crate) fn close_code(&self) -> Option<u16> {
        self.lock().close_code
    }

    /// Whether a close has been queued.
    #[cfg(test)]
    pub(crate) fn is_closing(&self) -> bool {
        self.lock().closing
    }

    /// Number of frames waiting.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().frames.len()
    }

    /// Waits until frames are queued and takes all of them, queue buffer and all: an idle
    /// connection's queue holds no buffer (the next push allocates a fresh one).
    /// Returns `None` once the queue is closed and empty: nothing more will come.
    /// One consumer only (the writer): a second one waiting would take the first's place.
    pub(crate) fn next_batch(
        &self,
    ) -> impl std::future::Future<Output = Option<VecDeque<OutFrame>>> + '_ {
        std::future::poll_fn(|cx| {
            if let Some(taken) = self.take_ready() {
                return Poll::Ready(taken);
            }
            self.shared.ready.register(cx.waker());
            // Looked at again: a push between the first look and the registration woke
            // no one.
            match self.take_ready() {
                Some(taken) => Poll::Ready(taken),
                None => Poll::Pending,
            }
        })
    }

    /// Forgets the writer's waker while the writer's task runs a pass that polls the
    /// writer later on (its next poll registers again): a frame the pass itself queues
    /// then wakes no one, instead of making the task run a second, idle pass.
    pub(crate) fn quiet_writer(&self) {
        drop(self.shared.ready.take());
    }

    /// The queued frames (`Some(Some)`), the end (`Some(None)`: closed and empty), or
    /// nothing yet (`None`).
    fn take_ready(&self) -> Option<Option<VecDeque<OutFrame>>> {
        let mut queue = self.lock();
        if !queue.frames.is_empty() {
            return Some(Some(std::mem::take(&mut queue.frames)));
        }
        queue.closing.then_some(None)
    }
}

impl fmt::Debug for Outbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let queue = self.lock();
        f.debug_struct("Outbox")
            .field("queued", &queue.frames.len())
            .field("closing", &queue.closing)
            .finish()
    }
}

/// The outboxes of every connection viewing one component, shared with the rooms the
/// component is a member of: a room pushes its frames straight into them (one hop, no detour
/// through the component's task). The component's task keeps the list equal to its viewers.
#[derive(Clone, Default)]
pub(crate) struct Audience {
    outboxes: Arc<Mutex<Vec<Outbox>>>,
}

impl Audience {
    fn lock(&self) -> MutexGuard<'_, Vec<Outbox>> {
        self.outboxes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a viewer's outbox.
    pub(crate) fn add(&self, outbox: Outbox) {
        self.lock().push(outbox);
    }

    /// Removes a viewer's outbox (the same queue, not an equal one).
    pub(crate) fn remove(&self, outbox: &Outbox) {
        self.lock()
            .retain(|kept| !Arc::ptr_eq(&kept.shared, &outbox.shared));
    }

    /// Removes every outbox: the component is going away.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// Queues `frame` for every viewer: the last one gets the frame itself, the others
    /// clones of the same buffer (a private component's single viewer costs no clone, which
    /// for a buffer built from a `Vec` would allocate).
    pub(crate) fn push(&self, frame: OutFrame) {
        let outboxes = self.lock();
        if let Some((last, others)) = outboxes.split_last() {
            for outbox in others {
                outbox.push(frame.clone());
            }
            last.push(frame);
        }
    }
}

impl fmt::Debug for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Audience")
            .field("viewers", &self.lock().len())
            .finish()
    }
}

/// Joins consecutive JSON text frames into one JSON array frame (`[a,b,c]`), as the
/// reference server's batcher does; a single frame is sent as it is (moved, not cloned:
/// a clone of a frame not yet shared allocates its shared header). Leaves `frames` empty.
pub(crate) fn join_text_frames(frames: &mut Vec<Bytes>) -> Option<Bytes> {
    if frames.len() <= 1 {
        return frames.pop();
    }
    let total: usize = frames.iter().map(Bytes::len).sum::<usize>() + frames.len() + 1;
    let mut joined = Vec::with_capacity(total);
    joined.push(b'[');
    for (index, frame) in frames.drain(..).enumerate() {
        if index > 0 {
            joined.push(b',');
        }
        joined.extend_from_slice(&frame);
    }
    joined.push(b']');
    Some(Bytes::from(joined))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drains_everything_queued_in_order() {
        let outbox = Outbox::new(10);
        outbox.push_text(Bytes::from_static(b"1"));
        outbox.push_text(Bytes::from_static(b"2"));
        let batch = outbox.next_batch().await.unwrap_or_default();
        let texts: Vec<_> = batch
            .iter()
            .filter_map(|f| match f {
                OutFrame::Text(b) => Some(b.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            texts,
            vec![Bytes::from_static(b"1"), Bytes::from_static(b"2")]
        );
        assert_eq!(outbox.len(), 0);
    }

    #[tokio::test]
    async fn a_waiting_writer_is_woken_by_a_push_and_by_a_close() {
        let outbox = Outbox::new(10);
        let writer = {
            let outbox = outbox.clone();
            tokio::spawn(async move {
                let first = outbox.next_batch().await.map(|batch| batch.len());
                let second = outbox.next_batch().await.map(|batch| batch.len());
                let end = outbox.next_batch().await.is_none();
                (first, second, end)
            })
        };
        // The writer is waiting on an empty queue before each of these.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        outbox.push_text(Bytes::from_static(b"1"));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        outbox.close(NORMAL_CLOSE);
        let woken = tokio::time::timeout(std::time::Duration::from_secs(5), writer).await;
        let Ok(Ok((first, second, end))) = woken else {
            panic!("the writer was not woken");
        };
        assert_eq!(
            (first, second),
            (Some(1), Some(1)),
            "a frame, then the close frame"
        );
        assert!(end, "closed and drained: the end");
    }

    #[tokio::test]
    async fn overflow_drops_the_queue_and_closes_with_1008() {
        let outbox = Outbox::new(3);
        for _ in 0..3 {
            assert!(outbox.push_text(Bytes::from_static(b"x")));
        }
        assert!(!outbox.push_text(Bytes::from_static(b"y")));
        assert!(outbox.is_closing());
        assert!(!outbox.push_text(Bytes::from_static(b"z")));
        let batch = outbox.next_batch().await.unwrap_or_default();
        assert!(matches!(
            batch.iter().collect::<Vec<_>>().as_slice(),
            [OutFrame::Close(SLOW_CONSUMER)]
        ));
        assert!(outbox.next_batch().await.is_none());
    }

    #[tokio::test]
    async fn an_audience_reaches_exactly_its_current_viewers() {
        let (first, second) = (Outbox::new(10), Outbox::new(10));
        let audience = Audience::default();
        audience.add(first.clone());
        audience.add(second.clone());
        audience.push(OutFrame::Text(Bytes::from_static(b"both")));
        audience.remove(&first);
        audience.push(OutFrame::Text(Bytes::from_static(b"second only")));
        assert_eq!((first.len(), second.len()), (1, 2));
        audience.clear();
        audience.push(OutFrame::Text(Bytes::from_static(b"nobody")));
        assert_eq!((first.len(), second.len()), (1, 2));
    }

    #[test]
    fn text_frames_join_into_a_json_array() {
        let one = Bytes::from_static(br#"{"a":1}"#);
        let two = Bytes::from_static(br#"{"b":2}"#);
        assert_eq!(join_text_frames(&mut Vec::new()), None);
        let mut single = vec![one.clone()];
        assert_eq!(join_text_frames(&mut single), Some(one.clone()));
        assert!(single.is_empty());
        let mut both = vec![one, two];
        assert_eq!(
            join_text_frames(&mut both),
            Some(Bytes::from_static(br#"[{"a":1},{"b":2}]"#))
        );
        assert!(both.is_empty());
    }
}
