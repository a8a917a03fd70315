//! The app's handle on a server: push messages and updates to components from code that is
//! not a component (HTTP handlers, jobs, other tasks), or from another component
//! ([`Ctx::server`]), see docs/push.md.

use super::ServerStats;
use super::host::PushHost;
use super::jobs::{BoxJob, JobSender, Message, Once, send_job, try_send_job};
use super::remote::PushCluster;
use super::rooms::AppRoomRef;
use super::{OnMessage, PushError};
use crate::cluster::SingletonOwner;
use crate::component::{Ctx, LiveComponent};
use crate::room::LiveRoom;
use serde::Serialize;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// A cheap, clonable handle on a server: message its singletons and publish to topics from
/// any task. From [`LiveServer::handle`](crate::LiveServer::handle),
/// [`RunningServer::handle`](crate::RunningServer::handle) or [`Ctx::server`].
#[derive(Clone)]
pub struct LiveHandle {
    host: Arc<dyn PushHost>,
}

impl fmt::Debug for LiveHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveHandle").finish_non_exhaustive()
    }
}

impl LiveHandle {
    pub(crate) fn new(host: Arc<dyn PushHost>) -> Self {
        Self { host }
    }

    /// The running instance of singleton `C` on this server.
    pub fn singleton<C: LiveComponent>(&self) -> SingletonRef<C> {
        SingletonRef {
            host: Arc::clone(&self.host),
            _component: PhantomData,
        }
    }

    /// The running instance `instance` of typed room `R`: emit its events, read or change
    /// its state.
    pub fn room<R: LiveRoom>(&self, instance: &str) -> AppRoomRef<R> {
        AppRoomRef::new(Arc::clone(&self.host), instance)
    }

    /// The components that connections authenticated as session `session_id`
    /// ([`Session::id`](crate::component::Session::id)) have mounted on this server.
    pub fn session(&self, session_id: &str) -> SessionRef {
        SessionRef {
            host: Arc::clone(&self.host),
            session_id: Arc::from(session_id),
        }
    }

    /// Queues a copy of `message` for every component of this server subscribed to `topic`
    /// for type `T` ([`Ctx::subscribe`]), waiting while a subscriber's mailbox is full.
    /// Returns how many subscribers of this server got it. In a cluster the message also
    /// goes, as JSON, to every other server with subscribers to `topic`.
    pub async fn publish<T>(&self, topic: &str, message: T) -> usize
    where
        T: Clone + Serialize + Send + 'static,
    {
        self.host.topics().publish(topic, message).await
    }

    /// This server's current counts: connections, components, actions run so far, uptime
    /// (the same as [`RunningServer::stats`](crate::RunningServer::stats)).
    pub async fn stats(&self) -> ServerStats {
        self.host.stats().await
    }

    /// How many components of this server subscribe to `topic` (any message type).
    pub fn subscribers(&self, topic: &str) -> usize {
        self.host.topics().count(topic)
    }
}

/// Sends messages and updates to the running instance of singleton `C`.
///
/// The instance is looked up at every send. A singleton nobody has mounted is not started
/// by a send ([`PushError::NotRunning`]): it would run with no viewer, and nothing would
/// ever destroy it. In a cluster, a message for a singleton that another server owns goes
/// to that server (its type registered with
/// [`LiveServerBuilder::message`](crate::LiveServerBuilder::message)); updates cannot
/// ([`PushError::RemoteUpdate`]).
pub struct SingletonRef<C> {
    host: Arc<dyn PushHost>,
    _component: PhantomData<fn() -> C>,
}

impl<C> Clone for SingletonRef<C> {
    fn clone(&self) -> Self {
        Self {
            host: Arc::clone(&self.host),
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
        if let Some((cluster, owner)) = self.remote_owner().await? {
            return cluster.forward(C::NAME, owner, message).await;
        }
        self.send_job(Box::new(Message(message))).await
    }

    /// Queues `message` for [`OnMessage::on_message`], or fails with [`PushError::Full`] at
    /// once if the mailbox is full (it waits only to look the instance up). Sent to another
    /// server, it is like [`send`](Self::send): the owner waits for room briefly, then
    /// answers `Full`.
    pub async fn try_send<M>(&self, message: M) -> Result<(), PushError>
    where
        C: OnMessage<M>,
        M: Send + 'static,
    {
        if let Some((cluster, owner)) = self.remote_owner().await? {
            return cluster.forward(C::NAME, owner, message).await;
        }
        self.try_send_job(Box::new(Message(message))).await
    }

    /// Queues `update` to run on the component's task (its changes are published like an
    /// action's), waiting while the mailbox is full. In a cluster it runs only where the
    /// singleton is owned: on another server it fails with [`PushError::RemoteUpdate`].
    pub async fn update<F>(&self, update: F) -> Result<(), PushError>
    where
        F: FnOnce(&mut C, &mut Ctx<C>) + Send + 'static,
    {
        self.refuse_remote_update().await?;
        self.send_job(Box::new(Once(update))).await
    }

    /// [`update`](Self::update), or [`PushError::Full`] at once if the mailbox is full.
    pub async fn try_update<F>(&self, update: F) -> Result<(), PushError>
    where
        F: FnOnce(&mut C, &mut Ctx<C>) + Send + 'static,
    {
        self.refuse_remote_update().await?;
        self.try_send_job(Box::new(Once(update))).await
    }

    async fn send_job(&self, job: BoxJob<C>) -> Result<(), PushError> {
        send_job(&self.jobs().await?, job).await
    }

    async fn try_send_job(&self, job: BoxJob<C>) -> Result<(), PushError> {
        try_send_job(&self.jobs().await?, job)
    }

    /// In a cluster, the owner of the singleton if it is another server (one lookup in the
    /// backend per send), with the cluster to reach it through.
    async fn remote_owner(&self) -> Result<Option<(&PushCluster, SingletonOwner)>, PushError> {
        if !C::SINGLETON {
            return Err(PushError::NotSingleton);
        }
        let Some(cluster) = self.host.cluster() else {
            return Ok(None);
        };
        Ok(cluster
            .remote_owner(C::NAME)
            .await
            .map(|owner| (cluster, owner)))
    }

    /// [`PushError::RemoteUpdate`] if another server owns the singleton: a closure cannot
    /// travel.
    async fn refuse_remote_update(&self) -> Result<(), PushError> {
        match self.remote_owner().await? {
            Some(_) => Err(PushError::RemoteUpdate),
            None => Ok(()),
        }
    }

    /// The running instance's work mailbox.
    async fn jobs(&self) -> Result<JobSender<C>, PushError> {
        if !C::SINGLETON {
            return Err(PushError::NotSingleton);
        }
        let jobs = self
            .host
            .singleton_jobs(C::NAME)
            .await
            .ok_or(PushError::NotRunning)?;
        jobs.downcast_ref::<JobSender<C>>()
            .cloned()
            .ok_or(PushError::WrongType)
    }
}

/// Pushes to the private components of type `C` that one session's connections mounted
/// (every tab of one user), from [`LiveHandle::session`].
///
/// A component is reached if its connection had authenticated when it mounted it; it
/// stays reachable until it is destroyed. Singletons are not listed (use
/// [`LiveHandle::singleton`]).
#[derive(Clone)]
pub struct SessionRef {
    host: Arc<dyn PushHost>,
    session_id: Arc<str>,
}

impl fmt::Debug for SessionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRef")
            .field("session_id", &self.session_id)
            .finish_non_exhaustive()
    }
}

impl SessionRef {
    /// Queues a copy of `message` for every component of type `C` of the session, waiting
    /// while a mailbox is full; returns how many got it.
    pub async fn send<C, M>(&self, message: M) -> usize
    where
        C: OnMessage<M>,
        M: Clone + Send + 'static,
    {
        let mut delivered = 0;
        for jobs in self.mailboxes::<C>() {
            let job = Box::new(Message(message.clone()));
            if send_job(&jobs, job).await.is_ok() {
                delivered += 1;
            }
        }
        delivered
    }

    /// Queues `update` for every component of type `C` of the session, waiting while a
    /// mailbox is full; returns how many got it.
    pub async fn update<C, F>(&self, update: F) -> usize
    where
        C: LiveComponent,
        F: FnOnce(&mut C, &mut Ctx<C>) + Clone + Send + 'static,
    {
        let mut delivered = 0;
        for jobs in self.mailboxes::<C>() {
            if send_job(&jobs, Box::new(Once(update.clone())))
                .await
                .is_ok()
            {
                delivered += 1;
            }
        }
        delivered
    }

    /// How many components (of any type) the session has mounted on this server.
    pub fn components(&self) -> usize {
        self.host.sessions().components(&self.session_id).len()
    }

    fn mailboxes<C: LiveComponent>(&self) -> Vec<JobSender<C>> {
        self.host
            .sessions()
            .components(&self.session_id)
            .iter()
            .filter_map(|jobs| jobs.downcast_ref::<JobSender<C>>())
            .cloned()
            .collect()
    }
}
