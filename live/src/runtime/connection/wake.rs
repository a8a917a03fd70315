//! One waker for what a connection's task polls on demand: its reader and the actors of
//! its private components.
//!
//! The task is woken by many things: its socket, its actors' mailboxes, its own outbox
//! (which the writer in the same task usually drains in the same pass). Polling the reader
//! on every wake-up is not free: tungstenite zero-fills its read buffer before each read
//! attempt, and the poll goes through the split stream's lock. So the reader and the actors
//! are polled with this waker instead of the task's, and only after it fired (or after
//! they last had something): an outbox wake-up polls neither.

use futures_util::task::{ArcWake, AtomicWaker, WakerRef, waker_ref};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Context;

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

    /// Forgets the task's waker while the task runs: until [`rearm`](Self::rearm), a
    /// wake-up only sets the flags, which the running pass looks at. (The connection's own
    /// pushes, a call into its actor's mailbox above all, would otherwise wake the running
    /// task and make it run a second, idle pass.)
    pub(crate) fn quiet(&self) {
        drop(self.task.take());
    }

    /// The last step of a pass that polled the reader and the actors without registering:
    /// records the task to wake, then wakes it at once if a wake-up came since they were
    /// looked at. Never resolves.
    pub(crate) fn rearm(&self) -> impl std::future::Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            self.register(cx);
            if self.actors_due.load(Ordering::Acquire) || self.reader_due.load(Ordering::Acquire) {
                cx.waker().wake_by_ref();
            }
            std::task::Poll::Pending
        })
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

    /// The waker to poll the reader and the actors with: borrowed, so a poll costs no
    /// reference count (whoever keeps it clones it).
    pub(crate) fn waker(self: &Arc<Self>) -> WakerRef<'_> {
        waker_ref(self)
    }
}

impl ArcWake for ConnectionWake {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.actors_due.store(true, Ordering::Release);
        arc_self.reader_due.store(true, Ordering::Release);
        arc_self.task.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::sync::atomic::AtomicUsize;
    use std::task::{Poll, Wake, Waker};

    /// A task's waker that counts its wake-ups.
    #[derive(Default)]
    struct CountingTask(AtomicUsize);

    impl Wake for CountingTask {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_wake_up_during_a_quiet_pass_is_seen_when_the_pass_ends() {
        let wake = ConnectionWake::new();
        let task = Arc::new(CountingTask::default());
        let task_waker = Waker::from(Arc::clone(&task));
        let mut cx = Context::from_waker(&task_waker);
        let woken = || task.0.load(Ordering::SeqCst);
        // The pass looked at both flags, then forgot the task.
        assert!(wake.take_actors_due() && wake.take_reader_due());
        wake.register(&cx);
        wake.quiet();
        // A wake-up now (the pass queued a call for an actor) wakes no one...
        wake.waker().wake_by_ref();
        assert_eq!(woken(), 0, "the running task was woken");
        // ...but the pass's end sees it and wakes the task for another pass.
        let mut rearm = std::pin::pin!(wake.rearm());
        assert!(rearm.as_mut().poll(&mut cx).is_pending());
        assert_eq!(woken(), 1, "the wake-up during the pass was lost");
        // A pass that takes the flags and ends with nothing new does not wake it.
        assert!(wake.take_actors_due() && wake.take_reader_due());
        wake.quiet();
        assert_eq!(rearm.as_mut().poll(&mut cx), Poll::Pending);
        assert_eq!(woken(), 1, "woken with nothing due");
        // After the pass, a wake-up reaches the task.
        wake.waker().wake_by_ref();
        assert_eq!(woken(), 2, "a wake-up after the pass was lost");
    }
}
