//! The table of live singleton instances, one per component name. An instance leaves it
//! through [`SingletonTable::release`] when its last viewer goes.

use super::mailbox::{ComponentHandle, Inbox};
use std::collections::HashMap;
use tokio::sync::{Mutex, MutexGuard};

/// Live singleton instances by component name.
///
/// Joining and the last viewer's release both happen under its lock, so a join can never
/// be sent to an instance that is about to destroy itself.
#[derive(Debug, Default)]
pub(crate) struct SingletonTable {
    instances: Mutex<HashMap<&'static str, ComponentHandle>>,
}

impl SingletonTable {
    /// The table, locked (joins and new instances happen under the lock).
    pub(crate) async fn lock(&self) -> MutexGuard<'_, HashMap<&'static str, ComponentHandle>> {
        self.instances.lock().await
    }

    /// Called by an instance whose last viewer left. Removes it from the table and returns
    /// true, unless a join is already waiting in its mailbox (then it keeps running).
    pub(crate) async fn release(&self, name: &'static str, id: &str, mail: &Inbox) -> bool {
        let mut instances = self.instances.lock().await;
        if !mail.no_urgent() {
            return false;
        }
        if instances.get(name).is_some_and(|handle| &*handle.id == id) {
            instances.remove(name);
        }
        true
    }
}
