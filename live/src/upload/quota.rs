//! The upload quota: bytes one user (else one connection) may start uploading per window.

use crate::support::lock;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Bytes reserved per key in fixed windows that start at a key's first upload.
#[derive(Debug)]
pub(crate) struct Quota {
    limit: u64,
    window: Duration,
    used: Mutex<HashMap<String, (Instant, u64)>>,
}

impl Quota {
    /// A quota of `limit` bytes per `window`.
    pub(crate) fn new(limit: u64, window: Duration) -> Self {
        Self {
            limit,
            window,
            used: Mutex::default(),
        }
    }

    /// The limit in bytes.
    pub(crate) fn limit(&self) -> u64 {
        self.limit
    }

    /// Reserves `bytes` for `key`; false (and nothing reserved) if that would pass the limit.
    pub(crate) fn reserve(&self, key: &str, bytes: u64, now: Instant) -> bool {
        let mut used = lock(&self.used);
        used.retain(|_, (start, _)| now.saturating_duration_since(*start) < self.window);
        let entry = used.entry(key.to_owned()).or_insert((now, 0));
        match entry
            .1
            .checked_add(bytes)
            .filter(|total| *total <= self.limit)
        {
            Some(total) => {
                entry.1 = total;
                true
            }
            None => false,
        }
    }

    /// Gives back bytes of an upload that did not finish.
    pub(crate) fn release(&self, key: &str, bytes: u64) {
        if let Some(entry) = lock(&self.used).get_mut(key) {
            entry.1 = entry.1.saturating_sub(bytes);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn reserves_up_to_the_limit_per_window() {
        let quota = Quota::new(10, Duration::from_secs(60));
        let now = Instant::now();
        assert!(quota.reserve("a", 6, now));
        assert!(!quota.reserve("a", 5, now));
        assert!(quota.reserve("b", 10, now));
        quota.release("a", 6);
        assert!(quota.reserve("a", 10, now));
        assert!(quota.reserve("a", 10, now + Duration::from_secs(61)));
    }
}
