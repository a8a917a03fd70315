//! The app's handle on a server: push messages and updates to components from code that is
//! not a component (HTTP handlers, jobs, other tasks), see docs/push.md.

use crate::component::push::{BoxJob, JobSender, Message, Once, send_job, try_send_job};
use crate::component::{Ctx, LiveComponent, OnMessage, PushError};
use crate::runtime::Hub;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// A cheap, clonable handle on a server for app code: reach its singletons (and through
/// them their viewers) from any task. From [`LiveServer::handle`](super::LiveServer::handle)
/// or [`RunningServer::handle`](super::RunningServer::handle).
#[derive(Clone)]
pub struct LiveHandle {
    hub: Arc<Hub>,
}

impl fmt::Debug for LiveHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveHandle")
            .field("path", &self.hub.config.path)
            .finish()
    }
}

impl LiveHandle {
    pub(super) fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }

    /// The running instance of singleton `C` on this server.
    pub fn singleton<C: LiveComponent>(&self) -> SingletonRef<C> {
        SingletonRef {
            hub: Arc::clone(&self.hub),
            _component: PhantomData,
        }
    }
}

/// Sends messages and updates to the running instance of singleton `C`.
///
/// The instance is looked up at every send. A singleton nobody has mounted is not started
/// by a send ([`PushError::NotRunning`]): it would run with no viewer and nothing would
/// ever destroy it.
pub struct SingletonRef<C> {
    hub: Arc<Hub>,
    _component: PhantomData<fn() -> C>,
}

impl<C> Clone for SingletonRef<C> {
    fn clone(&self) -> Self {
        Self {
            hub: Arc::clone(&self.hub),
            _component: PhantomData,
        }
    }
}

impl<C> fmt::Debug for SingletonRef<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SingletonRef").finish_non_exhaustive()
    }
}

impl<C: LiveComponent> SingletonRef<C> {
    /// Queues `message` for [`OnMessage::on_message`], waiting while the mailbox is full.
    pub async fn send<M>(&self, message: M) -> Result<(), PushError>
    where
        C: OnMessage<M>,
        M: Send + 'static,
    {
        self.send_job(Box::new(Message(message))).await
    }

    /// Queues `message` for [`OnMessage::on_message`], or fails with [`PushError::Full`] at
    /// once if the mailbox is full.
    pub async fn try_send<M>(&self, message: M) -> Result<(), PushError>
    where
        C: OnMessage<M>,
        M: Send + 'static,
    {
        self.try_send_job(Box::new(Message(message))).await
    }

    /// Queues `update` to run on the component's task (its changes are published like an
    /// action's), waiting while the mailbox is full.
    pub async fn update<F>(&self, update: F) -> Result<(), PushError>
    where
        F: FnOnce(&mut C, &mut Ctx<C>) + Send + 'static,
    {
        self.send_job(Box::new(Once(update))).await
    }

    /// [`update`](Self::update), or [`PushError::Full`] at once if the mailbox is full.
    pub async fn try_update<F>(&self, update: F) -> Result<(), PushError>
    where
        F: FnOnce(&mut C, &mut Ctx<C>) + Send + 'static,
    {
        self.try_send_job(Box::new(Once(update))).await
    }

    async fn send_job(&self, job: BoxJob<C>) -> Result<(), PushError> {
        send_job(&self.jobs().await?, job).await
    }

    async fn try_send_job(&self, job: BoxJob<C>) -> Result<(), PushError> {
        try_send_job(&self.jobs().await?, job)
    }

    /// The running instance's work mailbox.
    async fn jobs(&self) -> Result<JobSender<C>, PushError> {
        if !C::SINGLETON {
            return Err(PushError::NotSingleton);
        }
        let handle = self
            .hub
            .singletons
            .running(C::NAME)
            .await
            .ok_or(PushError::NotRunning)?;
        handle
            .jobs()
            .and_then(|jobs| jobs.downcast_ref::<JobSender<C>>())
            .cloned()
            .ok_or(PushError::WrongType)
    }
}
