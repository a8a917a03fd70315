//! The Prometheus families of one server (feature `metrics`), in a `prometheus-client`
//! registry of its own: two servers in one process never share a series.

use super::component::{ActionSeries, ComponentMetrics};
use super::summary::{RecentClose, RecentCloses};
use super::{
    CLOSE_CODES, ClusterEvent, FrameRefusal, GaugeSource, Outcome, Rehydration, close_code_label,
};
use crate::support::{lock, now_ms};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Labels of one series: fixed keys, values from a bounded set.
type Labels<const N: usize> = [(&'static str, &'static str); N];

/// Latency buckets in seconds: 50 µs to about 3.3 s, doubling.
fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 17))
}

/// Queue depth buckets in frames: 1 to 1,024, doubling.
fn depth_buckets() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 11))
}

/// Every family, and the registry that renders them.
#[derive(Debug)]
pub(super) struct Families {
    registry: Registry,
    pub(super) opened: Counter,
    closed: Vec<Counter>,
    refused: Vec<Counter>,
    pub(super) queue_depth: Histogram,
    pub(super) slow_consumers: Counter,
    pub(super) renewals: Counter,
    rehydrations: [Counter; 2],
    forwards: [Counter; 2],
    forward_latency: Histogram,
    cluster: [Counter; 4],
    started: Family<Labels<1>, Counter>,
    running: Family<Labels<1>, Gauge>,
    actions: Family<Labels<3>, Counter>,
    latency: Family<Labels<2>, Histogram, fn() -> Histogram>,
    /// The last closes, for the inspector.
    recent: Mutex<RecentCloses>,
    /// Each component type's handles, by name (names come from the registry).
    components: Mutex<HashMap<&'static str, Arc<ComponentMetrics>>>,
}

impl Families {
    pub(super) fn new(gauges: Arc<dyn GaugeSource>) -> Self {
        let mut registry = Registry::with_prefix("live");
        registry.register_collector(Box::new(Current(gauges)));
        let opened = Counter::default();
        registry.register(
            "connections_opened",
            "WebSocket connections accepted",
            opened.clone(),
        );
        let closed_family = Family::<Labels<1>, Counter>::default();
        registry.register(
            "connections_closed",
            "Connections closed, by the close code the server sent (1008: slow consumer)",
            closed_family.clone(),
        );
        let closed = CLOSE_CODES
            .iter()
            .map(|code| closed_family.get_or_create_owned(&[("code", code)]))
            .collect();
        let refused_family = Family::<Labels<1>, Counter>::default();
        registry.register(
            "frames_refused",
            "Inbound frames the connection refused, by reason",
            refused_family.clone(),
        );
        let refused = FrameRefusal::ALL
            .iter()
            .map(|reason| refused_family.get_or_create_owned(&[("reason", reason.label())]))
            .collect();
        let queue_depth = depth_buckets();
        registry.register(
            "outbound_queue_depth_frames",
            "Frames waiting in a connection's outbound queue each time its writer woke up",
            queue_depth.clone(),
        );
        let slow_consumers = Counter::default();
        registry.register(
            "slow_consumer_closes",
            "Connections whose outbound queue overflowed and that were closed with 1008",
            slow_consumers.clone(),
        );
        let renewals = Counter::default();
        registry.register(
            "signature_renewals",
            "STATE_SIGNATURE renewals sent",
            renewals.clone(),
        );
        let rehydrate_family = Family::<Labels<1>, Counter>::default();
        registry.register(
            "rehydrations",
            "COMPONENT_REHYDRATE requests, by outcome (ok, refused)",
            rehydrate_family.clone(),
        );
        let rehydrations =
            ["ok", "refused"].map(|o| rehydrate_family.get_or_create_owned(&[("outcome", o)]));
        let forward_family = Family::<Labels<1>, Counter>::default();
        registry.register(
            "cluster_forwards",
            "Actions forwarded to the owner of a singleton on another server, by outcome",
            forward_family.clone(),
        );
        let forwards =
            ["ok", "failed"].map(|o| forward_family.get_or_create_owned(&[("outcome", o)]));
        let forward_latency = latency_buckets();
        registry.register(
            "cluster_forward_duration_seconds",
            "Time from forwarding an action to the owner's answer",
            forward_latency.clone(),
        );
        let cluster = [
            (
                "cluster_claims",
                "Singletons this server claimed (became the owner of)",
            ),
            (
                "cluster_failovers",
                "Singletons this server took over from an owner that stopped",
            ),
            (
                "cluster_backend_errors",
                "Failed calls to the cluster backend (Redis)",
            ),
            (
                "cluster_backend_reconnects",
                "Reconnections to the cluster backend (Redis)",
            ),
        ]
        .map(|(name, help)| {
            let counter = Counter::default();
            registry.register(name, help, counter.clone());
            counter
        });
        let started = Family::<Labels<1>, Counter>::default();
        registry.register(
            "component_instances_started",
            "Component instances started (mounted, rehydrated or mirrored), by component",
            started.clone(),
        );
        let running = Family::<Labels<1>, Gauge>::default();
        registry.register(
            "component_instances",
            "Running component instances, by component",
            running.clone(),
        );
        let actions = Family::<Labels<3>, Counter>::default();
        registry.register(
            "actions",
            "Action calls, by component, action and outcome (ok, error, denied, rate_limited, \
             panicked); names that are not actions count as action=\"_unknown\"",
            actions.clone(),
        );
        let latency: Family<Labels<2>, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_buckets);
        registry.register(
            "action_duration_seconds",
            "Time an action ran (its checks passed), by component and action",
            latency.clone(),
        );
        Self {
            registry,
            opened,
            closed,
            refused,
            queue_depth,
            slow_consumers,
            renewals,
            rehydrations,
            forwards,
            forward_latency,
            cluster,
            started,
            running,
            actions,
            latency,
            recent: Mutex::default(),
            components: Mutex::default(),
        }
    }

    /// The text format.
    pub(super) fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail; a collector error leaves what was written.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }

    pub(super) fn component(
        &self,
        name: &'static str,
        actions: &'static [&'static str],
    ) -> Arc<ComponentMetrics> {
        let mut components = lock(&self.components);
        let entry = components.entry(name).or_insert_with(|| {
            let component = ("component", name);
            Arc::new(ComponentMetrics {
                on: true,
                started: self.started.get_or_create_owned(&[component]),
                running: self.running.get_or_create_owned(&[component]),
                actions: actions
                    .iter()
                    .map(|action| ActionSeries {
                        outcomes: Outcome::ALL.map(|outcome| {
                            let labels =
                                [component, ("action", action), ("outcome", outcome.label())];
                            self.actions.get_or_create_owned(&labels)
                        }),
                        latency: self
                            .latency
                            .get_or_create_owned(&[component, ("action", action)]),
                    })
                    .collect(),
                unknown: self.actions.get_or_create_owned(&[
                    component,
                    ("action", "_unknown"),
                    ("outcome", Outcome::Error.label()),
                ]),
            })
        });
        Arc::clone(entry)
    }

    pub(super) fn recent_closes(&self) -> Vec<RecentClose> {
        lock(&self.recent).list()
    }

    pub(super) fn closed(&self, code: u16) {
        lock(&self.recent).push(RecentClose {
            at_ms: now_ms(),
            code,
        });
        let label = close_code_label(code);
        if let Some(at) = CLOSE_CODES.iter().position(|code| *code == label)
            && let Some(counter) = self.closed.get(at)
        {
            counter.inc();
        }
    }

    pub(super) fn refused(&self, reason: FrameRefusal) {
        if let Some(counter) = self.refused.get(reason as usize) {
            counter.inc();
        }
    }

    pub(super) fn rehydrated(&self, outcome: Rehydration) {
        let [ok, refused] = &self.rehydrations;
        match outcome {
            Rehydration::Ok => ok.inc(),
            Rehydration::Refused => refused.inc(),
        };
    }

    pub(super) fn forwarded(&self, answered: bool, took: Duration) {
        let [ok, failed] = &self.forwards;
        if answered {
            ok.inc();
            self.forward_latency.observe(took.as_secs_f64());
        } else {
            failed.inc();
        }
    }

    pub(super) fn cluster(&self, event: ClusterEvent) {
        if let Some(counter) = self.cluster.get(event as usize) {
            counter.inc();
        }
    }
}

/// The gauges, read from the runtime's counters at each scrape.
#[derive(Debug)]
struct Current(Arc<dyn GaugeSource>);

impl Collector for Current {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let now = self.0.gauges();
        let gauges = [
            ("connections", "Open WebSocket connections", now.connections),
            ("components", "Running component instances", now.components),
            ("rooms", "Running room instances", now.rooms),
            ("room_members", "Members of all rooms", now.room_members),
            (
                "push_tasks",
                "Live timers and background tasks of components",
                now.push_tasks,
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
            let metric = encoder.encode_descriptor(name, help, None, gauge.metric_type())?;
            gauge.encode(metric)?;
        }
        Ok(())
    }
}
