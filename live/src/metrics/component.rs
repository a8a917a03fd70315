//! The series of one component type, resolved once (when its first instance starts) so an
//! action costs one atomic add and one histogram observation.

use super::Outcome;
#[cfg(feature = "metrics")]
use prometheus_client::metrics::{counter::Counter, gauge::Gauge, histogram::Histogram};
use std::sync::Arc;
use std::time::Instant;

/// One component type's handles: instances, and per action its outcomes and latency.
#[derive(Debug, Default)]
pub(crate) struct ComponentMetrics {
    /// Registered (false: metrics are off, nothing is counted).
    #[cfg(feature = "metrics")]
    pub(super) on: bool,
    #[cfg(feature = "metrics")]
    pub(super) started: Counter,
    #[cfg(feature = "metrics")]
    pub(super) running: Gauge,
    /// One entry per name of the component's `ACTIONS`, in order.
    #[cfg(feature = "metrics")]
    pub(super) actions: Vec<ActionSeries>,
    /// Calls of names that are not actions (all under one `action` label).
    #[cfg(feature = "metrics")]
    pub(super) unknown: Counter,
}

/// One action's series.
#[cfg(feature = "metrics")]
#[derive(Debug)]
pub(super) struct ActionSeries {
    /// By [`Outcome::ALL`] order.
    pub(super) outcomes: [Counter; 5],
    pub(super) latency: Histogram,
}

/// When an action started running (taken only after its checks passed).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActionTimer(Instant);

impl ActionTimer {
    /// Starts timing.
    #[inline]
    pub(crate) fn start() -> Self {
        Self(Instant::now())
    }

    /// Microseconds since the start.
    pub(crate) fn micros(self) -> u64 {
        u64::try_from(self.0.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// One running instance's hold on its type's series: counted as started and running when
/// made, no longer running when dropped.
#[derive(Debug)]
pub(crate) struct InstanceMetrics(Arc<ComponentMetrics>);

impl Drop for InstanceMetrics {
    fn drop(&mut self) {
        #[cfg(feature = "metrics")]
        if self.0.on {
            self.0.running.dec();
        }
    }
}

impl std::ops::Deref for InstanceMetrics {
    type Target = ComponentMetrics;

    fn deref(&self) -> &ComponentMetrics {
        &self.0
    }
}

impl ComponentMetrics {
    /// An instance started; it counts as running until the returned hold drops.
    pub(crate) fn instance(self: Arc<Self>) -> InstanceMetrics {
        #[cfg(feature = "metrics")]
        if self.on {
            self.started.inc();
            self.running.inc();
        }
        InstanceMetrics(self)
    }

    /// A call of `action` (the position of its name in the component's `ACTIONS`; `None`
    /// for a name that is not one) ended with `outcome`; `ran` is set when it ran.
    #[inline]
    pub(crate) fn action(&self, action: Option<usize>, outcome: Outcome, ran: Option<ActionTimer>) {
        #[cfg(feature = "metrics")]
        if self.on {
            let Some(series) = action.and_then(|index| self.actions.get(index)) else {
                self.unknown.inc();
                return;
            };
            if let Some(counter) = series.outcomes.get(outcome as usize) {
                counter.inc();
            }
            if let Some(ActionTimer(started)) = ran {
                series.latency.observe(started.elapsed().as_secs_f64());
            }
        }
        #[cfg(not(feature = "metrics"))]
        let _ = (action, outcome, ran);
    }
}
