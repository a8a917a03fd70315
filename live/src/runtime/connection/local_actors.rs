//! The actors of a connection's private components, run in the connection's own task.
//!
//! A private component has one viewer, so its actor needs no task of its own: polled by
//! its connection, a call is read, run and answered in one wake-up of one task, instead
//! of waking the actor's task and then the connection's again. The actors keep their
//! mailboxes, so rooms, pushes and timers reach them as before; a wake-up of any of
//! them wakes the connection's task (through its [`ConnectionWake`]).

use super::wake::ConnectionWake;
use crate::runtime::actor::ActorTask;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The running actors of one connection's private components.
///
/// Most connections run one or two, so this is a plain list with one waker shared by
/// all of them (a set with a waker per actor, like `FuturesUnordered`, costs ~0.3 KiB
/// more per connection): a wake-up of any actor polls them all.
#[derive(Default)]
pub(crate) struct LocalActors {
    /// The first actor, inline: most connections run one, and need no list.
    first: Option<ActorTask>,
    /// The others.
    more: Vec<ActorTask>,
    /// An actor was added since the last poll (its first poll is due).
    added: bool,
}

impl std::fmt::Debug for LocalActors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalActors")
            .field("running", &self.len())
            .finish()
    }
}

/// Actors started while a message was handled, waiting to join the running ones (the
/// handling borrows the connection; the running actors are polled beside it).
#[derive(Default)]
pub(crate) struct Starting(Vec<ActorTask>);

impl std::fmt::Debug for Starting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Starting").field(&self.0.len()).finish()
    }
}

impl Starting {
    /// Queues a new component's actor.
    pub(crate) fn push(&mut self, actor: ActorTask) {
        self.0.push(actor);
    }
}

impl LocalActors {
    /// Starts running the actors queued in `starting`.
    pub(crate) fn adopt(&mut self, starting: &mut Starting) {
        for actor in std::mem::take(&mut starting.0) {
            self.add(actor);
        }
    }

    /// Starts running `actor` (it is polled at the next [`run`](Self::run)).
    pub(crate) fn add(&mut self, actor: ActorTask) {
        self.added = true;
        if self.first.is_none() {
            self.first = Some(actor);
        } else {
            self.more.push(actor);
        }
    }

    /// How many actors run.
    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.more.len()
    }

    /// Runs the actors with `wake` as their waker; never resolves (an actor that ends is
    /// dropped). Poll it beside the connection's other work.
    pub(crate) fn run<'a>(
        &'a mut self,
        wake: &'a Arc<ConnectionWake>,
    ) -> impl Future<Output = ()> + 'a {
        std::future::poll_fn(move |cx| {
            wake.register(cx);
            self.poll_actors(wake);
            Poll::Pending
        })
    }

    /// [`run`](Self::run) for a pass that registers the task itself, at its end
    /// ([`ConnectionWake::rearm`]).
    pub(crate) fn run_unregistered<'a>(
        &'a mut self,
        wake: &'a Arc<ConnectionWake>,
    ) -> impl Future<Output = ()> + 'a {
        std::future::poll_fn(move |_| {
            self.poll_actors(wake);
            Poll::Pending
        })
    }

    /// Polls every actor if `wake` fired or an actor was added since the last poll; an
    /// actor that ended is dropped.
    fn poll_actors(&mut self, wake: &Arc<ConnectionWake>) {
        let due = wake.take_actors_due() | std::mem::take(&mut self.added);
        if !due || self.len() == 0 {
            return;
        }
        // Borrowed per poll, not kept: 16 bytes less in every connection's future.
        let waker = wake.waker();
        let mut actor_cx = Context::from_waker(&waker);
        if let Some(actor) = &mut self.first
            && !still_running(actor, &mut actor_cx)
        {
            self.first = None;
        }
        self.more
            .retain_mut(|actor| still_running(actor, &mut actor_cx));
        if self.first.is_none() && !self.more.is_empty() {
            self.first = Some(self.more.remove(0));
        }
    }

    /// The connection is gone: the actors finish (each has been told to leave, and runs
    /// its destroy hooks) in a task of their own.
    pub(crate) fn finish_detached(mut self, wake: Arc<ConnectionWake>) {
        if self.len() == 0 {
            return;
        }
        self.added = true;
        tokio::spawn(std::future::poll_fn(move |cx| {
            wake.register(cx);
            self.poll_actors(&wake);
            if self.len() == 0 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }));
    }
}

/// Polls one actor; false once it ended. One that panics (outside the component's own
/// code, which its actor already contains) ends too, as a panic ended only its task.
fn still_running(actor: &mut ActorTask, cx: &mut Context<'_>) -> bool {
    match std::panic::catch_unwind(AssertUnwindSafe(|| actor.as_mut().poll(cx))) {
        Ok(Poll::Pending) => true,
        Ok(Poll::Ready(())) => false,
        Err(_) => {
            tracing::error!("a component actor panicked; the component is gone");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn a_panicking_actor_ends_alone() {
        let mut actors = LocalActors::default();
        let survivor_ran = Arc::new(AtomicBool::new(false));
        actors.add(Box::pin(async { panic!("actor bug") }));
        let flag = Arc::clone(&survivor_ran);
        actors.add(Box::pin(async move {
            tokio::task::yield_now().await;
            flag.store(true, Ordering::SeqCst);
            std::future::pending::<()>().await;
        }));
        let wake = ConnectionWake::new();
        let _ = tokio::time::timeout(Duration::from_millis(200), actors.run(&wake)).await;
        assert!(survivor_ran.load(Ordering::SeqCst));
        assert_eq!(actors.len(), 1, "the panicked actor is dropped");
    }

    #[tokio::test]
    async fn an_actor_woken_from_outside_runs_again() {
        let mut actors = LocalActors::default();
        let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
        let (done_tx, mut done_rx) = tokio::sync::oneshot::channel();
        actors.add(Box::pin(async move {
            let _ = go_rx.await;
            let _ = done_tx.send(());
        }));
        actors.add(Box::pin(std::future::pending()));
        let wake = ConnectionWake::new();
        let run = async {
            tokio::select! {
                () = actors.run(&wake) => {}
                _ = &mut done_rx => {}
            }
        };
        let sender = async {
            tokio::task::yield_now().await;
            let _ = go_tx.send(());
        };
        let (finished, ()) =
            tokio::join!(tokio::time::timeout(Duration::from_secs(5), run), sender);
        assert!(finished.is_ok(), "the woken actor was not polled again");
        assert_eq!(actors.len(), 1, "the finished actor is dropped");
    }

    #[tokio::test]
    async fn detached_actors_run_to_their_end() {
        let mut actors = LocalActors::default();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        actors.add(Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let _ = done_tx.send(());
        }));
        actors.finish_detached(ConnectionWake::new());
        let finished = tokio::time::timeout(Duration::from_secs(5), done_rx).await;
        assert!(matches!(finished, Ok(Ok(()))));
    }
}
