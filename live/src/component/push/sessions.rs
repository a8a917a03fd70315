//! The components each authenticated session has mounted (every tab of one user), so app
//! code can push to all of them. A component is listed from its creation to its destruction.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// One listed component: its id and its work mailbox (a `JobSender<C>`, type-erased).
type Listed = (Arc<str>, Arc<dyn Any + Send + Sync>);

/// Components by session id (`Session::id`). Only private components are listed, with the
/// session of the connection that mounted them; bounded by the live components.
#[derive(Default)]
pub(crate) struct Sessions {
    table: Mutex<HashMap<Arc<str>, Vec<Listed>>>,
}

impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessions")
            .field("sessions", &self.lock().len())
            .finish()
    }
}

impl Sessions {
    fn lock(&self) -> MutexGuard<'_, HashMap<Arc<str>, Vec<Listed>>> {
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Lists component `component_id` (work mailbox `jobs`) under `session`.
    pub(crate) fn add(
        &self,
        session: Arc<str>,
        component_id: Arc<str>,
        jobs: Arc<dyn Any + Send + Sync>,
    ) {
        self.lock()
            .entry(session)
            .or_default()
            .push((component_id, jobs));
    }

    /// Unlists component `component_id` of `session` (it is being destroyed).
    pub(crate) fn remove(&self, session: &str, component_id: &str) {
        let mut table = self.lock();
        if let Some(listed) = table.get_mut(session) {
            listed.retain(|(id, _)| &**id != component_id);
            if listed.is_empty() {
                table.remove(session);
            }
        }
    }

    /// The work mailboxes of the components `session` has mounted.
    pub(crate) fn components(&self, session: &str) -> Vec<Arc<dyn Any + Send + Sync>> {
        self.lock()
            .get(session)
            .map(|listed| listed.iter().map(|(_, jobs)| Arc::clone(jobs)).collect())
            .unwrap_or_default()
    }
}
