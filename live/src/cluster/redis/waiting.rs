//! Forwarded requests (actions, messages) waiting for their answer.

use crate::support::lock;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// Forwarded requests waiting for their answer, by request id.
pub(super) struct Waiting<R>(Mutex<HashMap<String, oneshot::Sender<R>>>);

impl<R> Default for Waiting<R> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

impl<R> Waiting<R> {
    pub(super) fn insert(&self, request_id: String) -> oneshot::Receiver<R> {
        let (tx, rx) = oneshot::channel();
        lock(&self.0).insert(request_id, tx);
        rx
    }

    pub(super) fn remove(&self, request_id: &str) {
        lock(&self.0).remove(request_id);
    }

    pub(super) fn answer(&self, request_id: &str, response: R) {
        if let Some(waiting) = lock(&self.0).remove(request_id) {
            let _ = waiting.send(response);
        }
    }

    /// Fails every waiting request (their futures resolve to `ShuttingDown`).
    pub(super) fn clear(&self) {
        lock(&self.0).clear();
    }
}
