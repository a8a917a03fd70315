//! The per-connection token bucket applied to every inbound frame.

// tokio's clock, so that tests under a paused clock (live::testing) can refill the budget.
use tokio::time::Instant;

/// A connection's inbound frame budget, a token bucket (`LiveConfig::rate_limit`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Capacity: how many frames may arrive in a burst.
    pub max_tokens: u32,
    /// Tokens added per second, continuously.
    pub refill_per_second: f64,
}

impl Default for RateLimit {
    /// 100 tokens, 50 per second (the reference's).
    fn default() -> Self {
        Self {
            max_tokens: 100,
            refill_per_second: 50.0,
        }
    }
}

/// A token bucket that starts full; each frame takes one token.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    limit: RateLimit,
    tokens: f64,
    refilled_at: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            tokens: f64::from(limit.max_tokens),
            refilled_at: Instant::now(),
        }
    }

    /// Takes one token if there is one.
    pub(crate) fn try_take(&mut self) -> bool {
        self.try_take_at(Instant::now())
    }

    fn try_take_at(&mut self, now: Instant) -> bool {
        // `Instant` is monotonic, so elapsed time is never negative.
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        let refill = elapsed * self.limit.refill_per_second.max(0.0);
        self.tokens = (self.tokens + refill).min(f64::from(self.limit.max_tokens));
        self.refilled_at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_up_to_capacity_then_refill_proportionally() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(RateLimit {
            max_tokens: 3,
            refill_per_second: 10.0,
        });
        bucket.refilled_at = start;
        assert!(bucket.try_take_at(start));
        assert!(bucket.try_take_at(start));
        assert!(bucket.try_take_at(start));
        assert!(!bucket.try_take_at(start));
        // 100 ms at 10/s refills exactly one token.
        let later = start + Duration::from_millis(100);
        assert!(bucket.try_take_at(later));
        assert!(!bucket.try_take_at(later));
        // A long pause refills only up to capacity.
        let much_later = later + Duration::from_secs(60);
        for _ in 0..3 {
            assert!(bucket.try_take_at(much_later));
        }
        assert!(!bucket.try_take_at(much_later));
    }
}
