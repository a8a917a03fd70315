//! What a component's context starts: timers, background tasks, topic subscriptions, and
//! the handle on its server.

use super::jobs::{JobSender, Once, Tick};
use super::{LiveHandle, OnMessage, TaskHandle, TimerHandle};
use crate::component::Ctx;
use std::future::Future;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::AbortHandle;
use tokio::time::{Instant, MissedTickBehavior};

/// The shortest timer period (a zero period would never yield).
const MIN_PERIOD: Duration = Duration::from_millis(1);

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

    /// A handle on this server, to message its singletons and sessions, reach its rooms or
    /// publish to topics. Always `Some` in actions, hooks, room handlers and pushes.
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
