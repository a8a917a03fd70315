//! The inspector's feed: a task that samples the server every second and replaces the
//! `LiveInspector` singleton's figures through the push API (when nobody views it, the
//! update finds no instance and only the chart's history is kept).

use super::component::{ActionRow, CloseRow, LiveInspector, OwnerRow, Point, RoomRow};
use crate::component::LiveHandle;
use crate::runtime::Hub;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// How often the figures are refreshed.
const PERIOD: Duration = Duration::from_secs(1);
/// Points the chart keeps.
const HISTORY: usize = 60;
/// Rows of the actions table.
const TOP_ACTIONS: usize = 10;
/// Rows of the rooms table.
const TOP_ROOMS: usize = 50;

/// Starts the feed of the server whose hub is `hub`; it ends when the server is dropped.
pub(crate) fn start_feed(hub: &Arc<Hub>) {
    let hub = Arc::downgrade(hub);
    tokio::spawn(async move {
        let mut feed = Feed::default();
        let mut ticks = tokio::time::interval(PERIOD);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            ticks.tick().await;
            let Some(hub) = Weak::upgrade(&hub) else {
                return;
            };
            let figures = feed.sample(&hub).await;
            let handle = LiveHandle::new(hub.env.clone());
            drop(hub);
            // No instance (nobody is looking) or a full mailbox: skip this second.
            let update = move |inspector: &mut LiveInspector, _: &mut _| *inspector = figures;
            let _ = handle.singleton::<LiveInspector>().try_update(update).await;
        }
    });
}

/// What the feed remembers between samples.
#[derive(Debug, Default)]
struct Feed {
    history: VecDeque<Point>,
    /// Calls per action at the last sample, and when it was taken.
    last_calls: HashMap<(String, String), u64>,
    last_at: Option<Instant>,
}

impl Feed {
    async fn sample(&mut self, hub: &Hub) -> LiveInspector {
        let stats = hub.env.server_stats().await;
        let uptime = stats.uptime.as_secs();
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(Point {
            t: uptime,
            connections: stats.connections,
            components: stats.components,
        });
        let instance = hub.cluster.as_ref().map_or_else(
            || "standalone".to_owned(),
            |node| node.instance_id().to_owned(),
        );
        let mut rooms: Vec<RoomRow> = hub
            .rooms
            .member_counts()
            .await
            .into_iter()
            .map(|(id, members)| RoomRow {
                id: id.to_string(),
                members,
                instance: instance.clone(),
            })
            .collect();
        rooms.sort_by(|a, b| b.members.cmp(&a.members).then_with(|| a.id.cmp(&b.id)));
        rooms.truncate(TOP_ROOMS);
        let mut closes: Vec<CloseRow> = hub
            .metrics
            .recent_closes()
            .into_iter()
            .map(|close| CloseRow {
                at_ms: close.at_ms,
                code: close.code,
            })
            .collect();
        closes.reverse();
        LiveInspector {
            uptime_seconds: uptime,
            connections: stats.connections,
            components: stats.components,
            singletons: stats.singletons,
            rooms: stats.rooms,
            room_members: stats.room_members,
            actions: stats.actions,
            history: self.history.iter().cloned().collect(),
            top_actions: self.top_actions(hub),
            room_list: rooms,
            slow_consumer_closes: hub.metrics.slow_consumer_closes(),
            recent_closes: closes,
            owners: owners(hub, &instance).await,
            instance,
        }
    }

    /// Actions by calls in the last second, then by calls in all.
    fn top_actions(&mut self, hub: &Hub) -> Vec<ActionRow> {
        let now = Instant::now();
        let elapsed = self
            .last_at
            .map_or(PERIOD, |at| now.duration_since(at))
            .as_secs_f64()
            .max(0.001);
        self.last_at = Some(now);
        let mut rows: Vec<ActionRow> = hub
            .metrics
            .action_summaries()
            .into_iter()
            .filter(|summary| summary.calls > 0)
            .map(|summary| {
                let key = (summary.component.clone(), summary.action.clone());
                let before = self.last_calls.insert(key, summary.calls).unwrap_or(0);
                #[allow(clippy::cast_precision_loss)]
                let per_second = summary.calls.saturating_sub(before) as f64 / elapsed;
                ActionRow {
                    component: summary.component,
                    action: summary.action,
                    per_second: (per_second * 10.0).round() / 10.0,
                    calls: summary.calls,
                    failed: summary.failed,
                    p99_ms: summary.p99_seconds.map(|seconds| seconds * 1000.0),
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            b.per_second
                .total_cmp(&a.per_second)
                .then_with(|| b.calls.cmp(&a.calls))
        });
        rows.truncate(TOP_ACTIONS);
        rows
    }
}

/// The owner of each singleton running here: this server alone, else the cluster's answer.
async fn owners(hub: &Hub, instance: &str) -> Vec<OwnerRow> {
    let mut names: Vec<&'static str> = hub.env.singletons.lock().await.keys().copied().collect();
    names.sort_unstable();
    let mut rows = Vec::with_capacity(names.len());
    for name in names {
        let owner = match &hub.cluster {
            Some(node) => node.owner_of(name).await,
            None => Some(instance.to_owned()),
        };
        rows.push(OwnerRow {
            singleton: name.to_owned(),
            owner,
        });
    }
    rows
}
