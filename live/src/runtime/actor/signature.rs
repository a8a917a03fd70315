//! Signed state: every state a viewer receives whole is signed, and changed state gets a
//! fresh signature (`STATE_SIGNATURE`) at most once per renewal interval.

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

    /// When the next `STATE_SIGNATURE` is due, if one is.
    pub(super) fn signature_deadline(&self) -> Option<Instant> {
        let interval = self.env.renew_interval;
        if !self.signature_due || interval.is_zero() {
            return None;
        }
        Some(
            self.last_signature
                .map_or_else(Instant::now, |last| last + interval),
        )
    }

    /// Sends a fresh signature of the current state to every viewer.
    pub(super) fn renew_signature(&mut self) {
        let signed = self.sign();
        self.broadcast(outbound::state_signature(&self.id, &signed));
        self.env.metrics.signature_renewed();
    }
}
