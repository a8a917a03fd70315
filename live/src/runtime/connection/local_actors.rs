//! The actors of a connection's private components, run in the connection's own task.
//!
//! A private component has one viewer, so its actor needs no task of its own: polled by
//! its connection, a call is read, run and answered in one wake-up of one task, instead
//! of waking the actor's task and then the connection's again. The actors keep their
//! mailboxes, so rooms, pushes and timers reach them as before; a wake-up of any of
//! them wakes the connection's task.

use crate::runtime::actor::ActorTask;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use std::panic::AssertUnwindSafe;

/// The running actors of one connection's private components.
#[derive(Default)]
pub(crate) struct LocalActors {
    running: FuturesUnordered<ActorTask>,
}

impl std::fmt::Debug for LocalActors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalActors")
            .field("running", &self.running.len())
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

    /// Starts running `actor`. A panic in it (outside the component's own code, which
    /// its actor already contains) ends only that actor, as it ended only its task.
    pub(crate) fn add(&mut self, actor: ActorTask) {
        let contained = AssertUnwindSafe(actor).catch_unwind().map(|outcome| {
            if outcome.is_err() {
                tracing::error!("a component actor panicked; the component is gone");
            }
        });
        self.running.push(Box::pin(contained));
    }

    /// Runs the actors; never resolves (an actor that ends is dropped). Poll it beside
    /// the connection's other work.
    pub(crate) async fn run(&mut self) {
        while !self.running.is_empty() {
            let _ = self.running.next().await;
        }
        std::future::pending().await
    }

    /// The connection is gone: the actors finish (each has been told to leave, and runs
    /// its destroy hooks) in a task of their own.
    pub(crate) fn finish_detached(self) {
        if self.running.is_empty() {
            return;
        }
        let mut running = self.running;
        tokio::spawn(async move { while running.next().await.is_some() {} });
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
        let _ = tokio::time::timeout(Duration::from_millis(200), actors.run()).await;
        assert!(survivor_ran.load(Ordering::SeqCst));
        assert_eq!(actors.running.len(), 1, "the panicked actor is dropped");
    }

    #[tokio::test]
    async fn detached_actors_run_to_their_end() {
        let mut actors = LocalActors::default();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        actors.add(Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let _ = done_tx.send(());
        }));
        actors.finish_detached();
        let finished = tokio::time::timeout(Duration::from_secs(5), done_rx).await;
        assert!(matches!(finished, Ok(Ok(()))));
    }
}
