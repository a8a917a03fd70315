//! The server speaks first: timers, background tasks and messages that change a component
//! outside of its clients' calls (docs/push.md).
//!
//! Everything pushed runs on the component's own task, in order with its actions, and is
//! published like an action's changes (the state delta encoded once for every viewer). It
//! all ends when the component is destroyed.

mod error;
mod handle;
pub(crate) mod jobs;
mod pusher;
mod rooms;
mod sessions;
mod topics;

pub use error::PushError;
pub(crate) use handle::PushHost;
pub use handle::{LiveHandle, SessionRef, SingletonRef};
pub(crate) use jobs::{BoxJob, JobSender};
#[cfg(test)]
pub(crate) use jobs::{send_job, try_send_job};
pub(crate) use pusher::Pusher;
pub(crate) use rooms::AppRoomOp;
pub use rooms::AppRoomRef;
pub(crate) use sessions::Sessions;
pub(crate) use topics::Topics;

use super::{Ctx, LiveComponent};
pub(crate) use jobs::Once;
use jobs::Tick;
use std::future::Future;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::AbortHandle;
use tokio::time::{Instant, MissedTickBehavior};

/// The examples of docs/push.md, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/push.md")]
struct PushGuide;

/// The shortest timer period (a zero period would never yield).
const MIN_PERIOD: Duration = Duration::from_millis(1);

/// A component that receives messages of type `M` from app code or other components
/// ([`SingletonRef::send`]), from topics ([`Ctx::subscribe`]) or from other components
/// ([`Ctx::server`]).
///
/// ```
/// use live::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[live_component(name = "Board", singleton)]
/// #[derive(Default, Serialize, Deserialize)]
/// pub struct Board {
///     notice: String,
/// }
///
/// #[live_component]
/// impl Board {}
///
/// pub struct Announce(pub String);
///
/// impl OnMessage<Announce> for Board {
///     async fn on_message(&mut self, message: Announce, _ctx: &mut Ctx<Self>) {
///         self.notice = message.0;
///     }
/// }
/// ```
pub trait OnMessage<M: Send + 'static>: LiveComponent {
    /// Handles one message on the component's task; the changes it makes are sent to every
    /// viewer afterwards. A panic is logged and the component keeps serving.
    fn on_message(&mut self, message: M, ctx: &mut Ctx<Self>) -> impl Future<Output = ()> + Send;
}

/// A running timer; [`cancel`](Self::cancel) stops it. Dropping the handle does not.
#[derive(Debug, Clone)]
pub struct TimerHandle(Option<AbortHandle>);

impl TimerHandle {
    /// Stops the timer: no tick runs after this returns, unless one is already queued.
    pub fn cancel(&self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }

    /// Whether the timer may still fire.
    pub fn is_active(&self) -> bool {
        self.0.as_ref().is_some_and(|task| !task.is_finished())
    }
}

/// A running background task; [`cancel`](Self::cancel) drops its future. Dropping the
/// handle does not.
#[derive(Debug, Clone)]
pub struct TaskHandle(Option<AbortHandle>);

impl TaskHandle {
    /// Drops the task's future (its `on_done` never runs, unless its result is already
    /// queued).
    pub fn cancel(&self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }

    /// Whether the task still runs (or waits to hand its result over).
    pub fn is_active(&self) -> bool {
        self.0.as_ref().is_some_and(|task| !task.is_finished())
    }
}

impl<C: Send + 'static> Ctx<C> {
    /// Runs `handler` on the component's task every `period` (first after one period), until
    /// cancelled or the component is destroyed.
    ///
    /// Ticks never pile up: while one tick is queued or running, the ticks that fall due
    /// are skipped.
    pub fn every<H>(&mut self, period: Duration, handler: H) -> TimerHandle
    where
        H: FnMut(&mut C, &mut Ctx<C>) + Send + 'static,
    {
        let period = period.max(MIN_PERIOD);
        TimerHandle(self.start("every", |jobs| repeat(jobs, period, handler)))
    }

    /// Runs `handler` once on the component's task after `delay`, unless cancelled or the
    /// component is destroyed first.
    pub fn after<H>(&mut self, delay: Duration, handler: H) -> TimerHandle
    where
        H: FnOnce(&mut C, &mut Ctx<C>) + Send + 'static,
    {
        TimerHandle(self.start("after", |jobs| async move {
            tokio::time::sleep(delay).await;
            let _ = jobs.send(Box::new(Once(handler))).await;
        }))
    }

    /// Runs `future` in the background (off the component's task, so it cannot touch the
    /// state), then `on_done` with its output on the component's task. Destroying the
    /// component drops the future.
    pub fn spawn<T, F, D>(&mut self, future: F, on_done: D) -> TaskHandle
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
        D: FnOnce(&mut C, T, &mut Ctx<C>) + Send + 'static,
    {
        TaskHandle(self.start("spawn", |jobs| async move {
            let value = future.await;
            let done = move |component: &mut C, ctx: &mut Ctx<C>| on_done(component, value, ctx);
            let _ = jobs.send(Box::new(Once(done))).await;
        }))
    }

    /// A handle on this server, to message its singletons or publish to topics.
    pub fn server(&self) -> Option<LiveHandle> {
        self.pusher().map(|pusher| LiveHandle::new(pusher.host()))
    }

    /// Subscribes this component to `topic`'s messages of type `T` (published with
    /// [`LiveHandle::publish`]) until [`unsubscribe`](Self::unsubscribe) or its destruction.
    /// Subscribing again changes nothing.
    pub fn subscribe<T>(&mut self, topic: &str)
    where
        C: OnMessage<T>,
        T: Send + 'static,
    {
        if let Some(pusher) = self.pusher() {
            let id: std::sync::Arc<str> = std::sync::Arc::from(self.component_id());
            pusher
                .host()
                .topics()
                .subscribe::<C, T>(topic, id, pusher.jobs().clone());
        }
    }

    /// Ends this component's subscription to `topic`'s messages of type `T`.
    pub fn unsubscribe<T: 'static>(&mut self, topic: &str) {
        if let Some(pusher) = self.pusher() {
            pusher
                .host()
                .topics()
                .unsubscribe::<T>(topic, self.component_id());
        }
    }

    fn start<F, Fut>(&self, what: &'static str, task: F) -> Option<AbortHandle>
    where
        F: FnOnce(JobSender<C>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Some(pusher) = self.pusher() else {
            tracing::warn!(what, "this context cannot start timers or tasks");
            return None;
        };
        Some(pusher.start(task(pusher.jobs().clone())))
    }
}

/// A repeating timer's task: sends a tick, waits for the handler to come back, repeats.
async fn repeat<C, H>(jobs: JobSender<C>, period: Duration, mut handler: H)
where
    C: Send + 'static,
    H: FnMut(&mut C, &mut Ctx<C>) + Send + 'static,
{
    let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        let (back, returned) = oneshot::channel();
        if jobs.send(Box::new(Tick { handler, back })).await.is_err() {
            return;
        }
        match returned.await {
            Ok(returned) => handler = returned,
            Err(_) => return,
        }
    }
}
