//! A component's side of pushing: its work mailbox, the timer and task handles it owns (all
//! aborted when it is destroyed), and the server's count of them.

use super::PushHost;
use super::jobs::JobSender;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::task::AbortHandle;

/// What a component's contexts use to start timers and background tasks.
pub(crate) struct Pusher<C> {
    jobs: JobSender<C>,
    tasks: Mutex<Vec<AbortHandle>>,
    /// The server's count of live push tasks.
    live: Arc<AtomicUsize>,
    /// The server (singletons, topics, sessions).
    host: Arc<dyn PushHost>,
    /// The session the component is listed under in the server's sessions.
    session: Option<Arc<str>>,
}

impl<C> fmt::Debug for Pusher<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pusher")
            .field("tasks", &self.lock().len())
            .finish()
    }
}

impl<C: Send + 'static> Pusher<C> {
    /// A pusher sending to `jobs`, counting its tasks in `live`, on server `host`.
    pub(crate) fn new(jobs: JobSender<C>, live: Arc<AtomicUsize>, host: Arc<dyn PushHost>) -> Self {
        Self {
            jobs,
            tasks: Mutex::default(),
            live,
            host,
            session: None,
        }
    }

    /// Lists the component (id `component_id`) under `session` until [`Self::end`].
    pub(crate) fn list_in_session(&mut self, session: &str, component_id: Arc<str>) {
        let session: Arc<str> = Arc::from(session);
        let jobs: Arc<dyn std::any::Any + Send + Sync> = Arc::new(self.jobs.clone());
        self.host
            .sessions()
            .add(Arc::clone(&session), component_id, jobs);
        self.session = Some(session);
    }

    /// The component's work mailbox.
    pub(crate) fn jobs(&self) -> &JobSender<C> {
        &self.jobs
    }

    /// Spawns `task`, counted while it lives and aborted by [`Self::abort_all`].
    pub(crate) fn start(&self, task: impl Future<Output = ()> + Send + 'static) -> AbortHandle {
        let counted = LiveTask::new(&self.live);
        let handle = tokio::spawn(async move {
            let _counted = counted;
            task.await;
        })
        .abort_handle();
        let mut tasks = self.lock();
        tasks.retain(|task| !task.is_finished());
        tasks.push(handle.clone());
        handle
    }
}

impl<C> Pusher<C> {
    /// The server the component runs on.
    pub(crate) fn host(&self) -> Arc<dyn PushHost> {
        Arc::clone(&self.host)
    }

    /// Component `component_id` is being destroyed: aborts every timer and task it started
    /// and ends its topic subscriptions.
    pub(crate) fn end(&self, component_id: &str) {
        for task in self.lock().drain(..) {
            task.abort();
        }
        self.host.topics().unsubscribe_all(component_id);
        if let Some(session) = &self.session {
            self.host.sessions().remove(session, component_id);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<AbortHandle>> {
        self.tasks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Counts one live push task until dropped (when the task ends or is aborted).
struct LiveTask(Arc<AtomicUsize>);

impl LiveTask {
    fn new(live: &Arc<AtomicUsize>) -> Self {
        live.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(live))
    }
}

impl Drop for LiveTask {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
