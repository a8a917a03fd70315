//! One waker for what a connection's task polls on demand: its reader and the actors of
//! its private components.
//!
//! The task is woken by many things: its socket, its actors' mailboxes, its own outbox
//! (which the writer in the same task usually drains in the same pass). Polling the reader
//! on every wake-up is not free: tungstenite zero-fills its read buffer before each read
//! attempt, and the poll goes through the split stream's lock. So the reader and the actors
//! are polled with this waker instead of the task's, and only after it fired (or after
//! they last had something): an outbox wake-up polls neither.

use futures_util::task::AtomicWaker;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Wake, Waker};

/// Set by a wake-up of the reader or of any actor; wakes the connection's task.
///
/// One flag per consumer, set together: a wake-up of either makes both due. A second
/// waker would cost a second allocation in every connection. The connection polls the
/// reader first, so a socket wake-up that brings a call polls the actors once, after the
/// call is queued; an actor's wake-up (a timer, a room message) costs one read attempt.
#[derive(Debug)]
pub(crate) struct ConnectionWake {
    actors_due: AtomicBool,
    reader_due: AtomicBool,
    task: AtomicWaker,
}

impl ConnectionWake {
    /// Both due: the first poll of each registers this waker.
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            actors_due: AtomicBool::new(true),
            reader_due: AtomicBool::new(true),
            task: AtomicWaker::new(),
        })
    }

    /// Records the task to wake; call at every poll of the task, before taking a flag.
    pub(crate) fn register(&self, cx: &Context<'_>) {
        self.task.register(cx.waker());
    }

    /// Whether the actors are to be polled, clearing it.
    pub(crate) fn take_actors_due(&self) -> bool {
        self.actors_due.swap(false, Ordering::AcqRel)
    }

    /// Whether the reader is to be polled, clearing it.
    pub(crate) fn take_reader_due(&self) -> bool {
        self.reader_due.swap(false, Ordering::AcqRel)
    }

    /// The reader returned a frame: it may hold more, so it is polled again.
    pub(crate) fn reader_ready(&self) {
        self.reader_due.store(true, Ordering::Release);
    }

    /// The waker to poll the reader and the actors with.
    pub(crate) fn waker(self: &Arc<Self>) -> Waker {
        Waker::from(Arc::clone(self))
    }
}

impl Wake for ConnectionWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.actors_due.store(true, Ordering::Release);
        self.reader_due.store(true, Ordering::Release);
        self.task.wake();
    }
}
