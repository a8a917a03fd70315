//! Per-action rate limits (§6.2 g): a fixed window per calling connection.

use crate::protocol::refusal::Refusal;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
// tokio's clock, so that tests under a paused clock (live::testing) can pass a window.
use tokio::time::Instant;

/// `max_calls` calls per `window_ms` milliseconds, per calling connection; counted per
/// action when `per_action`, else across all the component's limited actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionRateLimit {
    /// Calls allowed in one window.
    pub max_calls: u32,
    /// Window length in milliseconds.
    pub window_ms: u64,
    /// Count each action separately (true) or all together (false).
    pub per_action: bool,
}

/// Call counts of one component, per (connection, action-or-`*`).
#[derive(Debug, Default)]
pub(crate) struct ActionWindows {
    windows: HashMap<(Arc<str>, String), (Instant, u32)>,
}

impl ActionWindows {
    /// Counts a call; `Err` with the reference's text when over the limit.
    pub(crate) fn check(
        &mut self,
        connection: &Arc<str>,
        action: &str,
        limit: ActionRateLimit,
        now: Instant,
    ) -> Result<(), String> {
        let key = if limit.per_action { action } else { "*" };
        let window = Duration::from_millis(limit.window_ms);
        let entry = self
            .windows
            .entry((Arc::clone(connection), key.to_owned()))
            .or_insert((now, 0));
        if now.saturating_duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= limit.max_calls {
            return Err(Refusal::ActionRateLimited {
                max_calls: limit.max_calls,
                window_ms: limit.window_ms,
            }
            .text());
        }
        entry.1 += 1;
        Ok(())
    }

    /// Drops a connection's counters (it stopped viewing the component).
    pub(crate) fn forget(&mut self, connection: &str) {
        self.windows.retain(|(owner, _), _| &**owner != connection);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_window_per_connection_and_action() {
        let mut windows = ActionWindows::default();
        let a: Arc<str> = Arc::from("a");
        let b: Arc<str> = Arc::from("b");
        let limit = ActionRateLimit {
            max_calls: 2,
            window_ms: 1000,
            per_action: true,
        };
        let start = Instant::now();
        assert!(windows.check(&a, "x", limit, start).is_ok());
        assert!(windows.check(&a, "x", limit, start).is_ok());
        assert_eq!(
            windows.check(&a, "x", limit, start),
            Err("Action rate limit exceeded (max 2 calls per 1000ms)".into())
        );
        assert!(
            windows.check(&a, "y", limit, start).is_ok(),
            "another action has its own window"
        );
        assert!(
            windows.check(&b, "x", limit, start).is_ok(),
            "another connection has its own window"
        );
        let later = start + Duration::from_millis(1000);
        assert!(windows.check(&a, "x", limit, later).is_ok(), "a new window");
        let shared = ActionRateLimit {
            per_action: false,
            ..limit
        };
        let mut windows = ActionWindows::default();
        assert!(windows.check(&a, "x", shared, start).is_ok());
        assert!(windows.check(&a, "y", shared, start).is_ok());
        assert!(windows.check(&a, "z", shared, start).is_err());
        windows.forget("a");
        assert!(windows.check(&a, "z", shared, start).is_ok());
    }
}
