//! What a server counts for operators: the events the runtime reports (one call per event)
//! and, with feature `metrics`, their Prometheus families in one registry per server
//! (`families.rs`), rendered as the text format at `/metrics` (docs/operations.md).
//!
//! Every label value is a `&'static str`: component and action names come from the
//! component registry (never from a client), close codes and refusal reasons from small
//! fixed sets, so the number of series stays bounded whatever clients send. Without the
//! feature every call here is empty and compiles away.

// Without the feature the labels and the gauge source are kept (the runtime reports the
// same events) but nothing reads them.
#![cfg_attr(not(feature = "metrics"), allow(dead_code))]

mod component;
#[cfg(feature = "metrics")]
mod families;
#[cfg(feature = "metrics")]
mod summary;

pub(crate) use component::{ActionTimer, ComponentMetrics, InstanceMetrics};

#[cfg(feature = "metrics")]
use families::Families;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
#[cfg(feature = "metrics")]
pub(crate) use summary::{ActionSummary, RecentClose};

/// The `Content-Type` of [`Metrics::render`]: the Prometheus text format, version 0.0.4.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The server's current counts, read at each scrape (the runtime's `Stats` are the source:
/// the gauges are not kept twice).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Gauges {
    /// Open connections.
    pub(crate) connections: usize,
    /// Running component instances.
    pub(crate) components: usize,
    /// Running room instances.
    pub(crate) rooms: usize,
    /// Members of all rooms.
    pub(crate) room_members: usize,
    /// Live timers and background tasks of components.
    pub(crate) push_tasks: usize,
}

/// Where the gauges come from (the runtime's counters implement it).
pub(crate) trait GaugeSource: Send + Sync + fmt::Debug + 'static {
    /// The counts now.
    fn gauges(&self) -> Gauges;
}

/// How an action call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It ran and returned `Ok`.
    Ok,
    /// It was not callable, or it ran and returned an error.
    Error,
    /// An auth rule refused the caller.
    Denied,
    /// A rate limit refused the call.
    RateLimited,
    /// It panicked.
    Panicked,
}

impl Outcome {
    /// Every outcome, in label order.
    pub(crate) const ALL: [Outcome; 5] = [
        Outcome::Ok,
        Outcome::Error,
        Outcome::Denied,
        Outcome::RateLimited,
        Outcome::Panicked,
    ];

    /// The `outcome` label value.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Denied => "denied",
            Outcome::RateLimited => "rate_limited",
            Outcome::Panicked => "panicked",
        }
    }
}

/// Why the connection refused an inbound frame (the connection-level refusals of
/// `protocol::refusal`, grouped into a fixed set of `reason` labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameRefusal {
    /// The per-connection rate limit.
    RateLimited,
    /// Larger than `max_message_bytes`.
    TooLarge,
    /// JSON nested deeper than `max_json_depth`.
    TooDeep,
    /// Not JSON.
    InvalidJson,
    /// JSON of the wrong shape (not an object, a missing or ill-typed field).
    InvalidMessage,
    /// A `type` the protocol does not have.
    UnknownType,
    /// A binary frame that is not a valid upload chunk.
    Binary,
}

impl FrameRefusal {
    /// Every reason, in label order.
    pub(crate) const ALL: [FrameRefusal; 7] = [
        FrameRefusal::RateLimited,
        FrameRefusal::TooLarge,
        FrameRefusal::TooDeep,
        FrameRefusal::InvalidJson,
        FrameRefusal::InvalidMessage,
        FrameRefusal::UnknownType,
        FrameRefusal::Binary,
    ];

    /// The `reason` label value.
    pub(crate) fn label(self) -> &'static str {
        match self {
            FrameRefusal::RateLimited => "rate_limited",
            FrameRefusal::TooLarge => "too_large",
            FrameRefusal::TooDeep => "too_deep",
            FrameRefusal::InvalidJson => "invalid_json",
            FrameRefusal::InvalidMessage => "invalid_message",
            FrameRefusal::UnknownType => "unknown_type",
            FrameRefusal::Binary => "binary",
        }
    }
}

/// The `code` label of a close code: the codes the server closes with, else `other`.
pub(crate) fn close_code_label(code: u16) -> &'static str {
    match code {
        1000 => "1000",
        1001 => "1001",
        1008 => "1008",
        1009 => "1009",
        1011 => "1011",
        4003 => "4003",
        _ => "other",
    }
}

/// The close codes with a label of their own.
pub(crate) const CLOSE_CODES: [&str; 7] = ["1000", "1001", "1008", "1009", "1011", "4003", "other"];

/// How a rehydration ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rehydration {
    /// The signed state was accepted and the component restored.
    Ok,
    /// Refused: expired, forged, malformed, or the component could not be restored.
    Refused,
}

/// A cluster event worth counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClusterEvent {
    /// This server claimed a singleton (it became the owner).
    Claim,
    /// This server took over a singleton whose owner stopped answering.
    Failover,
    /// A call to the cluster backend failed.
    BackendError,
    /// The backend connection was re-established.
    Reconnect,
}

/// One server's metrics. Cheap to call from hot paths: every series a call touches was
/// created up front or is resolved once per component type ([`ComponentMetrics`]).
#[derive(Debug)]
pub(crate) struct Metrics {
    /// `None`: turned off at run time (`LiveServerBuilder::without_metrics`).
    #[cfg(feature = "metrics")]
    families: Option<Families>,
}

impl Metrics {
    /// A registry whose gauges read `gauges` at each scrape; `on: false` records nothing.
    pub(crate) fn new(gauges: Arc<dyn GaugeSource>, on: bool) -> Self {
        #[cfg(not(feature = "metrics"))]
        let _ = (gauges, on);
        Self {
            #[cfg(feature = "metrics")]
            families: on.then(|| Families::new(gauges)),
        }
    }

    /// The metrics in the Prometheus text format (version 0.0.4); empty without the
    /// feature.
    pub(crate) fn render(&self) -> String {
        #[cfg(feature = "metrics")]
        return self
            .families
            .as_ref()
            .map_or_else(String::new, Families::render);
        #[cfg(not(feature = "metrics"))]
        String::new()
    }

    /// Per action: calls, failures and latency p99 (for the inspector).
    #[cfg(feature = "metrics")]
    pub(crate) fn action_summaries(&self) -> Vec<ActionSummary> {
        summary::actions(&self.render())
    }

    /// The last closes, newest last (for the inspector).
    #[cfg(feature = "metrics")]
    pub(crate) fn recent_closes(&self) -> Vec<RecentClose> {
        self.families
            .as_ref()
            .map_or_else(Vec::new, Families::recent_closes)
    }

    /// Slow-consumer closes so far.
    #[cfg(feature = "metrics")]
    pub(crate) fn slow_consumer_closes(&self) -> u64 {
        self.families
            .as_ref()
            .map_or(0, |families| families.slow_consumers.get())
    }

    /// The handles of component type `name` with actions `actions` (created on first use).
    pub(crate) fn component(
        &self,
        name: &'static str,
        actions: &'static [&'static str],
    ) -> Arc<ComponentMetrics> {
        #[cfg(feature = "metrics")]
        return match &self.families {
            Some(families) => families.component(name, actions),
            None => Arc::new(ComponentMetrics::default()),
        };
        #[cfg(not(feature = "metrics"))]
        {
            let _ = (name, actions);
            Arc::new(ComponentMetrics::default())
        }
    }

    /// A connection was accepted.
    #[inline]
    pub(crate) fn connection_opened(&self) {
        #[cfg(feature = "metrics")]
        if let Some(families) = &self.families {
            families.opened.inc();
        }
    }

    /// A connection closed with `code` (1008: a slow consumer).
    #[inline]
    pub(crate) fn connection_closed(&self, code: u16) {
        #[cfg(feature = "metrics")]
        if let Some(families) = &self.families {
            families.closed(code);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = code;
    }

    /// A connection's outbound queue overflowed: it is closed with 1008 (counted again in
    /// [`connection_closed`](Self::connection_closed) once its socket is released).
    pub(crate) fn slow_consumer(&self) {
        #[cfg(feature = "metrics")]
        if let Some(families) = &self.families {
            families.slow_consumers.inc();
        }
    }

    /// The connection refused an inbound frame.
    #[inline]
    pub(crate) fn frame_refused(&self, reason: FrameRefusal) {
        #[cfg(feature = "metrics")]
        if let Some(families) = &self.families {
            families.refused(reason);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = reason;
    }

    /// A connection's writer woke up to `frames` queued frames (the outbound queue depth).
    #[inline]
    pub(crate) fn outbound_drained(&self, frames: usize) {
        #[cfg(feature = "metrics")]
        if let Some(families) = &self.families {
            families.queue_depth.observe(frames as f64);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = frames;
    }

    /// A component sent a renewed `STATE_SIGNATURE`.
    #[inline]
    pub(crate) fn signature_renewed(&self) {
        #[cfg(feature = "metrics")]
        if let Some(families) = &self.families {
            families.renewals.inc();
        }
    }

    /// A `COMPONENT_REHYDRATE` ended.
    #[inline]
    pub(crate) fn rehydrated(&self, outcome: Rehydration) {
        #[cfg(feature = "metrics")]
        if let Some(families) = &self.families {
            families.rehydrated(outcome);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = outcome;
    }

    /// A proxy forwarded an action to its singleton's owner; `ok` whether an answer came,
    /// after `took`.
    #[inline]
    pub(crate) fn forwarded(&self, ok: bool, took: Duration) {
        #[cfg(feature = "metrics")]
        if let Some(families) = &self.families {
            families.forwarded(ok, took);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = (ok, took);
    }

    /// A cluster event happened.
    #[inline]
    pub(crate) fn cluster(&self, event: ClusterEvent) {
        #[cfg(feature = "metrics")]
        if let Some(families) = &self.families {
            families.cluster(event);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = event;
    }
}
