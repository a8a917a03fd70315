//! Small helpers every layer shares: the boxed future of the object-safe traits, the wall
//! clock in milliseconds, a lock that survives poisoning and the tables keyed by ids.

pub(crate) mod queue;
#[cfg(test)]
mod queue_tests;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

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

/// A hash table keyed by ids the server made (connection and component ids), looked up on
/// every call.
///
/// `foldhash`'s fast hasher instead of the standard SipHash: a lookup of a 21-byte id costs
/// a fraction, and its state is 8 bytes instead of 16. Flooding a table with colliding
/// keys needs control of the keys inserted; these are random ids the server chose, and a
/// client only looks them up. Its seed is still random per table.
pub(crate) type IdMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
