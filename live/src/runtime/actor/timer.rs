//! The actor's one timer, shared by signature renewal and membership publishing.

use super::instance::Actor;
use crate::component::LiveComponent;
use std::pin::Pin;
use tokio::time::{Instant, Sleep};

impl<C: LiveComponent> Actor<C> {
    /// Sets the timer to the earliest pending deadline (touching it only when that moved).
    pub(super) fn arm_timer(&mut self) {
        let next = match (self.signature_deadline(), self.membership_publish_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if next != self.timer_armed {
            if let Some(deadline) = next {
                match &mut self.timer {
                    Some(timer) => timer.as_mut().reset(deadline),
                    None => self.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
                }
            }
            self.timer_armed = next;
        }
    }

    /// Runs whatever the timer was set for and is due now.
    pub(super) fn timer_fired(&mut self) {
        let now = Instant::now();
        if self.membership_publish_at.is_some_and(|at| at <= now) {
            self.publish_membership_changes();
        }
        if self.signature_deadline().is_some_and(|at| at <= now) {
            self.renew_signature();
        }
    }
}

/// Waits for the actor's timer (forever if it was never created).
pub(super) async fn expiry(timer: &mut Option<Pin<Box<Sleep>>>) {
    match timer {
        Some(timer) => timer.as_mut().await,
        None => std::future::pending().await,
    }
}
