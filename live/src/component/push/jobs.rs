//! Work queued for a component's own task: a timer tick, a spawned task's result, a
//! message, an update. Each kind is a small struct behind the [`Job`] trait, so the actor's
//! work mailbox holds one type per component.

use super::{OnMessage, PushError};
use crate::component::Ctx;
use crate::support::BoxFuture;
use crate::support::queue::{self, TrySendError};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::oneshot;

/// One piece of work the component's task runs against its state, in order with actions.
pub(crate) trait Job<C>: Send {
    /// Runs the work; what it changes is published like an action's changes.
    fn run<'a>(self: Box<Self>, component: &'a mut C, ctx: &'a mut Ctx<C>) -> BoxFuture<'a, ()>;
}

/// What a component's work mailbox receives.
pub(crate) type BoxJob<C> = Box<dyn Job<C>>;

/// Sends work to one component's task.
pub(crate) type JobSender<C> = queue::Sender<BoxJob<C>>;

/// Queues `job`, waiting while the mailbox is full; [`PushError::Gone`] once the component
/// was destroyed.
pub(crate) async fn send_job<C>(jobs: &JobSender<C>, job: BoxJob<C>) -> Result<(), PushError> {
    jobs.send(job).await.map_err(|_| PushError::Gone)
}

/// Queues `job` now: [`PushError::Full`] if the mailbox is full, [`PushError::Gone`] once
/// the component was destroyed.
pub(crate) fn try_send_job<C>(jobs: &JobSender<C>, job: BoxJob<C>) -> Result<(), PushError> {
    jobs.try_send(job).map_err(|error| match error {
        TrySendError::Full(_) => PushError::Full,
        TrySendError::Closed(_) => PushError::Gone,
    })
}

/// One tick of a repeating timer. The handler travels with the tick and goes back to the
/// timer's task afterwards: a timer can never have two ticks queued or running.
pub(super) struct Tick<H> {
    pub(super) handler: H,
    pub(super) back: oneshot::Sender<H>,
    /// Set when the timer is cancelled: a tick queued before that does not run.
    pub(super) cancelled: Arc<AtomicBool>,
}

impl<C, H> Job<C> for Tick<H>
where
    C: Send + 'static,
    H: FnMut(&mut C, &mut Ctx<C>) + Send + 'static,
{
    fn run<'a>(self: Box<Self>, component: &'a mut C, ctx: &'a mut Ctx<C>) -> BoxFuture<'a, ()> {
        let Tick {
            mut handler,
            back,
            cancelled,
        } = *self;
        if cancelled.load(Ordering::SeqCst) {
            return Box::pin(std::future::ready(()));
        }
        // Caught here (not only around the job) so the handler survives its panic and the
        // timer keeps ticking.
        if std::panic::catch_unwind(AssertUnwindSafe(|| handler(component, ctx))).is_err() {
            tracing::error!(component = ctx.component_id(), "timer handler panicked");
        }
        let _ = back.send(handler);
        Box::pin(std::future::ready(()))
    }
}

/// A one-shot closure on the component's state: an `after` timer, a spawned task's result,
/// an update sent by app code.
pub(crate) struct Once<F>(pub(crate) F);

impl<C, F> Job<C> for Once<F>
where
    C: Send + 'static,
    F: FnOnce(&mut C, &mut Ctx<C>) + Send + 'static,
{
    fn run<'a>(self: Box<Self>, component: &'a mut C, ctx: &'a mut Ctx<C>) -> BoxFuture<'a, ()> {
        (self.0)(component, ctx);
        Box::pin(std::future::ready(()))
    }
}

/// A typed message for [`OnMessage::on_message`].
pub(crate) struct Message<M>(pub(crate) M);

impl<C, M> Job<C> for Message<M>
where
    C: OnMessage<M>,
    M: Send + 'static,
{
    fn run<'a>(self: Box<Self>, component: &'a mut C, ctx: &'a mut Ctx<C>) -> BoxFuture<'a, ()> {
        Box::pin(component.on_message(self.0, ctx))
    }
}
