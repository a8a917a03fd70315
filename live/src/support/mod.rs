//! Small helpers every layer shares: the boxed future of the object-safe traits, the wall
//! clock in milliseconds, a lock that survives poisoning and the table keyed by ids.

mod id_table;
pub(crate) mod queue;
#[cfg(test)]
mod queue_tests;

use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) use id_table::IdTable;

/// A boxed, `Send` future: what the object-safe traits ([`LiveComponent`]'s hooks,
/// [`AuthProvider`], [`ClusterAdapter`]) return.
///
/// [`LiveComponent`]: crate::LiveComponent
/// [`AuthProvider`]: crate::security::AuthProvider
/// [`ClusterAdapter`]: crate::cluster::ClusterAdapter
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Milliseconds since the epoch, as the protocol's `timestamp` fields carry them (0 if the
/// clock is before the epoch).
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// Locks `mutex`, taking the value over if a panicking holder poisoned it: every table
/// guarded this way stays consistent between statements, so a panic elsewhere must not
/// take the server down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
