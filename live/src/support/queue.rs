//! A lean multi-producer, single-consumer queue for a component's mailboxes (its mail,
//! pushed work).
//!
//! tokio's `mpsc` allocates its cache-padded channel state and a first block of 32 slots
//! when a channel is created: 800 B for 8-byte messages and 1,056 B for 16-byte ones,
//! measured with a counting allocator. A component had three mailboxes (control, calls,
//! work), so that was 2.9 KiB per mounted component before any message arrived. This
//! queue is one small allocation (about 0.1 KiB) and grows its buffer on first use; a
//! component now has two (its mail, with control on the urgent lane, and its work).
//!
//! Semantics are those of tokio's `mpsc` as the actor used them: FIFO; `recv` returns
//! `None` once every (strong) sender is gone and the queue is empty; a bounded queue makes
//! `send` wait for room and `try_send` fail with [`TrySendError::Full`]; once the receiver
//! is dropped, sends fail and queued messages are dropped; receiving takes from the task's
//! cooperative budget like tokio's own channels.
//!
//! A queue has a second, **urgent** lane ([`Sender::try_send_urgent`]): never bounded,
//! always received first. A component's membership changes use it, so they share one
//! allocation, one lock and one waker with its calls (one lock per message received
//! instead of one per mailbox polled) and still overtake them.

use super::lock;
use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker, ready};
use tokio::sync::Semaphore;

/// A queue without a bound (`try_send` fails only when the receiver is gone).
#[cfg(test)]
pub(crate) fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    open(None)
}

/// A queue holding at most `capacity` messages: `send` waits for room.
pub(crate) fn bounded<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    open(Some(Semaphore::new(capacity.max(1))))
}

fn open<T>(slots: Option<Semaphore>) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::new(),
            urgent: VecDeque::new(),
            waker: None,
            receiver_gone: false,
        }),
        senders: AtomicUsize::new(1),
        slots,
    });
    (Sender(Arc::clone(&shared)), Receiver(shared))
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Strong senders alive; the queue ends when it reaches 0.
    senders: AtomicUsize,
    /// Free places of a bounded queue; closed when the receiver goes.
    slots: Option<Semaphore>,
}

struct State<T> {
    items: VecDeque<T>,
    /// Received before `items`; takes no place of a bounded queue.
    urgent: VecDeque<T>,
    /// The receiver's task, waiting for a message.
    waker: Option<Waker>,
    receiver_gone: bool,
}

impl<T> State<T> {
    /// The next message, urgent ones first, and whether it held a place of the bound
    /// (which the caller frees once the lock is released).
    fn pop(&mut self) -> Option<(T, bool)> {
        match self.urgent.pop_front() {
            Some(item) => Some((item, false)),
            None => self.items.pop_front().map(|item| (item, true)),
        }
    }
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        lock(&self.state)
    }

    /// Gives a bounded queue's place back (a message that took one was received).
    fn free_place(&self) {
        if let Some(slots) = &self.slots {
            slots.add_permits(1);
        }
    }

    /// Queues `item` (its place, if bounded, is already taken) and wakes the receiver.
    fn push(&self, item: T, urgent: bool) -> Result<(), T> {
        let waker = {
            let mut state = self.lock();
            if state.receiver_gone {
                return Err(item);
            }
            if urgent {
                state.urgent.push_back(item);
            } else {
                state.items.push_back(item);
            }
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }
}

/// The sending side; clones share the queue, which stays open while one exists.
pub(crate) struct Sender<T>(Arc<Shared<T>>);

/// Why [`Sender::try_send`] gave its message back.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TrySendError<T> {
    /// A bounded queue is full.
    Full(T),
    /// The receiver is gone.
    Closed(T),
}

impl<T> Sender<T> {
    /// Queues `item`, waiting while a bounded queue is full; gives it back if the receiver
    /// is gone.
    pub(crate) async fn send(&self, item: T) -> Result<(), T> {
        if let Some(slots) = &self.0.slots {
            match slots.acquire().await {
                Ok(permit) => permit.forget(),
                Err(_) => return Err(item),
            }
        }
        self.0.push(item, false)
    }

    /// Queues `item` now, or gives it back (full, or the receiver is gone).
    pub(crate) fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        if let Some(slots) = &self.0.slots {
            match slots.try_acquire() {
                Ok(permit) => permit.forget(),
                Err(tokio::sync::TryAcquireError::NoPermits) => {
                    return Err(TrySendError::Full(item));
                }
                Err(tokio::sync::TryAcquireError::Closed) => {
                    return Err(TrySendError::Closed(item));
                }
            }
        }
        self.0.push(item, false).map_err(TrySendError::Closed)
    }

    /// Queues `item` on the urgent lane: received before every other message, and never
    /// refused for room. Gives it back if the receiver is gone.
    pub(crate) fn try_send_urgent(&self, item: T) -> Result<(), T> {
        self.0.push(item, true)
    }

    /// Whether the receiver is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.0.lock().receiver_gone
    }

    /// A sender that does not keep the queue open.
    pub(crate) fn downgrade(&self) -> WeakSender<T> {
        WeakSender(Arc::clone(&self.0))
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.0.senders.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(&self.0))
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.0.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            let waker = self.0.lock().waker.take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// A sender that does not keep the queue open: [`upgrade`](Self::upgrade) fails once
/// every strong sender is gone.
pub(crate) struct WeakSender<T>(Arc<Shared<T>>);

impl<T> WeakSender<T> {
    /// A strong sender, if one still exists.
    pub(crate) fn upgrade(&self) -> Option<Sender<T>> {
        let mut count = self.0.senders.load(Ordering::Acquire);
        loop {
            if count == 0 {
                return None;
            }
            match self.0.senders.compare_exchange_weak(
                count,
                count + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(Sender(Arc::clone(&self.0))),
                Err(now) => count = now,
            }
        }
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

/// The receiving side (one per queue).
pub(crate) struct Receiver<T>(Arc<Shared<T>>);

impl<T> Receiver<T> {
    /// The next message; `None` once every sender is gone and the queue is empty.
    /// Cancel-safe: a message is taken only when it is returned.
    pub(crate) async fn recv(&mut self) -> Option<T> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = ready!(tokio::task::coop::poll_proceed(cx));
        let mut state = self.0.lock();
        if let Some((item, held_place)) = state.pop() {
            drop(state);
            if held_place {
                self.0.free_place();
            }
            coop.made_progress();
            return Poll::Ready(Some(item));
        }
        if self.0.senders.load(Ordering::Acquire) == 0 {
            coop.made_progress();
            return Poll::Ready(None);
        }
        match &mut state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            waker => *waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The next message if one is queued.
    #[cfg(test)]
    pub(crate) fn try_recv(&mut self) -> Option<T> {
        let (item, held_place) = self.0.lock().pop()?;
        if held_place {
            self.0.free_place();
        }
        Some(item)
    }

    /// Whether no message is queued.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        let state = self.0.lock();
        state.items.is_empty() && state.urgent.is_empty()
    }

    /// Whether no urgent message is queued.
    pub(crate) fn no_urgent(&self) -> bool {
        self.0.lock().urgent.is_empty()
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(slots) = &self.0.slots {
            slots.close();
        }
        let items = {
            let mut state = self.0.lock();
            state.receiver_gone = true;
            state.waker = None;
            (
                std::mem::take(&mut state.items),
                std::mem::take(&mut state.urgent),
            )
        };
        drop(items);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
