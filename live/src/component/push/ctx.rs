//! What a component's context starts: timers, background tasks, topic subscriptions, and
//! the handle on its server.

use super::jobs::{JobSender, Once, Tick};
use super::{LiveHandle, OnMessage, Started, TaskHandle, TimerHandle};
use crate::component::Ctx;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::oneshot;
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
        TimerHandle(self.start("every", |jobs, cancelled| {
            repeat(jobs, period, handler, cancelled)
        }))
    }

    /// Runs `handler` once on the component's task after `delay`, unless cancelled or the
    /// component is destroyed first.
    pub fn after<H>(&mut self, delay: Duration, handler: H) -> TimerHandle
    where
        H: FnOnce(&mut C, &mut Ctx<C>) + Send + 'static,
    {
        TimerHandle(self.start("after", |jobs, cancelled| async move {
            tokio::time::sleep(delay).await;
            let fire = move |component: &mut C, ctx: &mut Ctx<C>| {
                if !cancelled.load(Ordering::SeqCst) {
                    handler(component, ctx);
                }
            };
            let _ = jobs.send(Box::new(Once(fire))).await;
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
        TaskHandle(self.start("spawn", |jobs, cancelled| async move {
            let value = future.await;
            let done = move |component: &mut C, ctx: &mut Ctx<C>| {
                if !cancelled.load(Ordering::SeqCst) {
                    on_done(component, value, ctx);
                }
            };
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
            let id: Arc<str> = Arc::from(self.component_id());
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

    /// Starts the task `task` builds from the component's work mailbox and the flag its
    /// handle sets on cancel.
    fn start<F, Fut>(&self, what: &'static str, task: F) -> Started
    where
        F: FnOnce(JobSender<C>, Arc<AtomicBool>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut started = Started::default();
        match self.pusher() {
            Some(pusher) => {
                let task = task(pusher.jobs().clone(), Arc::clone(&started.cancelled));
                started.task = Some(pusher.start(task));
            }
            None => tracing::warn!(what, "this context cannot start timers or tasks"),
        }
        started
    }
}

/// A repeating timer's task: sends a tick, waits for the handler to come back, repeats.
async fn repeat<C, H>(
    jobs: JobSender<C>,
    period: Duration,
    mut handler: H,
    cancelled: Arc<AtomicBool>,
) where
    C: Send + 'static,
    H: FnMut(&mut C, &mut Ctx<C>) + Send + 'static,
{
    let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        let (back, returned) = oneshot::channel();
        let tick = Tick {
            handler,
            back,
            cancelled: Arc::clone(&cancelled),
        };
        if jobs.send(Box::new(tick)).await.is_err() {
            return;
        }
        match returned.await {
            Ok(returned) => handler = returned,
            Err(_) => return,
        }
    }
}
