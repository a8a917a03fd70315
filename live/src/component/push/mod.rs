//! The server speaks first: timers, background tasks and messages that change a component
//! outside of its clients' calls (docs/push.md).
//!
//! Everything pushed runs on the component's own task, in order with its actions, and is
//! published like an action's changes (the state delta encoded once for every viewer). It
//! all ends when the component is destroyed.

mod ctx;
mod error;
mod handle;
mod host;
mod jobs;
mod pusher;
mod remote;
mod rooms;
mod sessions;
mod stats;
mod topics;
#[cfg(test)]
mod topics_tests;

pub use error::PushError;
pub use handle::{LiveHandle, SessionRef, SingletonRef};
pub(crate) use host::AppRoomOp;
pub(crate) use host::PushHost;
pub(crate) use jobs::BoxJob;
#[cfg(test)]
pub(crate) use jobs::{JobSender, Once, send_job, try_send_job};
pub(crate) use pusher::Pusher;
pub(crate) use remote::{MessageCodec, PushCluster};
pub use rooms::AppRoomRef;
pub(crate) use sessions::Sessions;
pub use stats::ServerStats;
pub(crate) use topics::Topics;

use super::{Ctx, LiveComponent};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::task::AbortHandle;

/// The examples of docs/push.md, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/push.md")]
struct PushGuide;

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

/// A started timer or task: its tokio task, and the flag its queued work checks first.
#[derive(Debug, Clone, Default)]
struct Started {
    task: Option<AbortHandle>,
    cancelled: Arc<AtomicBool>,
}

impl Started {
    fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        if let Some(task) = &self.task {
            task.abort();
        }
    }

    fn is_active(&self) -> bool {
        !self.cancelled.load(Ordering::SeqCst)
            && self.task.as_ref().is_some_and(|task| !task.is_finished())
    }
}

/// A running timer; [`cancel`](Self::cancel) stops it. Dropping the handle does not.
#[derive(Debug, Clone)]
pub struct TimerHandle(Started);

impl TimerHandle {
    /// Stops the timer: no tick runs after this returns (a tick already queued is skipped).
    pub fn cancel(&self) {
        self.0.cancel();
    }

    /// Whether the timer may still fire.
    pub fn is_active(&self) -> bool {
        self.0.is_active()
    }
}

/// A running background task; [`cancel`](Self::cancel) drops its future. Dropping the
/// handle does not.
#[derive(Debug, Clone)]
pub struct TaskHandle(Started);

impl TaskHandle {
    /// Drops the task's future; its `on_done` never runs (a result already queued is
    /// skipped).
    pub fn cancel(&self) {
        self.0.cancel();
    }

    /// Whether the task still runs (or waits to hand its result over).
    pub fn is_active(&self) -> bool {
        self.0.is_active()
    }
}
