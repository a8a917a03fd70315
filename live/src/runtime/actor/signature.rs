//! Signed state: every state a viewer receives whole is signed, and changed state gets a
//! fresh signature (`STATE_SIGNATURE`) at most once per renewal interval.
//!
//! A change made when the last signature is at least an interval old is signed at once,
//! by the call that made it: the `STATE_SIGNATURE` follows the delta in the same write,
//! with no timer and no write of its own (the reference's leading edge). A change inside
//! the interval is signed by the actor's timer, a quarter interval after the interval
//! ends (the trailing edge), unless a later change came first and signed it.

use super::instance::Actor;
use crate::component::LiveComponent;
use crate::protocol::outbound;
use crate::support::now_ms;
use serde_json::{Map, Value};
use tokio::time::Instant;

impl<C: LiveComponent> Actor<C> {
    /// Signs the current state with the next version.
    pub(super) fn sign(&mut self) -> Value {
        self.version += 1;
        self.signature_due = false;
        self.last_signature = Some(Instant::now());
        let empty = Map::new();
        let state = self.synced.as_object().unwrap_or(&empty);
        self.env
            .signer
            .sign(&self.id, C::NAME, self.version, state, now_ms())
            .to_json()
    }

    /// When the timer renews the signature of a change not yet signed, if there is one:
    /// [`trailing_delay`](Self::trailing_delay) after the interval ends, so that a
    /// component changed more often than that renews inline
    /// ([`renew_signature_if_due`](Self::renew_signature_if_due)).
    pub(super) fn signature_deadline(&self) -> Option<Instant> {
        let interval = self.env.renew_interval;
        if !self.signature_due || interval.is_zero() {
            return None;
        }
        Some(
            self.last_signature
                .map_or_else(Instant::now, |last| last + interval + self.trailing_delay()),
        )
    }

    /// After a change was sent: renews the signature now when the last one is at least
    /// an interval old (the timer's deadline is at most a trailing delay away), so that
    /// the `STATE_SIGNATURE` leaves with the change.
    pub(super) fn renew_signature_if_due(&mut self) {
        let early = self.trailing_delay();
        if self
            .signature_deadline()
            .is_some_and(|deadline| deadline <= Instant::now() + early)
        {
            self.renew_signature();
        }
    }

    /// How long after the interval the timer waits for a later change to sign inline:
    /// a quarter interval.
    fn trailing_delay(&self) -> std::time::Duration {
        self.env.renew_interval / 4
    }

    /// Sends a fresh signature of the current state to every viewer.
    pub(super) fn renew_signature(&mut self) {
        let signed = self.sign();
        self.broadcast(outbound::state_signature(&self.id, &signed));
        self.env.metrics.signature_renewed();
    }
}
