//! Live counts of connections and components, for tests and operators.

use crate::metrics::{GaugeSource, Gauges};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
// tokio's clock: uptime moves with a paused test clock (live::testing) like timers do.
use tokio::time::Instant;

/// Counters shared by every connection and component of one server.
#[derive(Debug)]
pub(crate) struct Stats {
    /// When the server was built.
    started: Instant,
    /// Actions run since then (running total).
    actions: AtomicU64,
    connections: AtomicUsize,
    components: AtomicUsize,
    rooms: AtomicUsize,
    room_members: AtomicUsize,
    /// Live timers and background tasks of components (shared with their pushers).
    push_tasks: Arc<AtomicUsize>,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            actions: AtomicU64::new(0),
            connections: AtomicUsize::new(0),
            components: AtomicUsize::new(0),
            rooms: AtomicUsize::new(0),
            room_members: AtomicUsize::new(0),
            push_tasks: Arc::default(),
        }
    }
}

/// Which counter a [`StatsGuard`] holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counted {
    /// An open connection.
    Connection,
    /// A running component instance.
    Component,
    /// A running room instance.
    Room,
    /// A member of a room.
    RoomMember,
}

impl Stats {
    fn counter(&self, what: Counted) -> &AtomicUsize {
        match what {
            Counted::Connection => &self.connections,
            Counted::Component => &self.components,
            Counted::Room => &self.rooms,
            Counted::RoomMember => &self.room_members,
        }
    }

    /// Counts one more `what` until the guard drops.
    pub(crate) fn track(self: &Arc<Self>, what: Counted) -> StatsGuard {
        self.counter(what).fetch_add(1, Ordering::Relaxed);
        StatsGuard {
            stats: Arc::clone(self),
            what,
        }
    }

    /// Counts one action run (its checks passed and its method was called).
    pub(crate) fn count_action(&self) {
        self.actions.fetch_add(1, Ordering::Relaxed);
    }

    /// Actions run since the server was built.
    pub(crate) fn actions(&self) -> u64 {
        self.actions.load(Ordering::Relaxed)
    }

    /// Time since the server was built.
    pub(crate) fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Open connections.
    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// Running component instances (private and singleton).
    pub(crate) fn components(&self) -> usize {
        self.components.load(Ordering::Relaxed)
    }

    /// Running room instances.
    pub(crate) fn rooms(&self) -> usize {
        self.rooms.load(Ordering::Relaxed)
    }

    /// Members of all rooms.
    pub(crate) fn room_members(&self) -> usize {
        self.room_members.load(Ordering::Relaxed)
    }

    /// The counter components' pushers count their live timers and tasks in.
    pub(crate) fn push_task_counter(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.push_tasks)
    }

    /// Live timers and background tasks of components.
    pub(crate) fn push_tasks(&self) -> usize {
        self.push_tasks.load(Ordering::Relaxed)
    }
}

impl GaugeSource for Stats {
    fn gauges(&self) -> Gauges {
        Gauges {
            connections: self.connections(),
            components: self.components(),
            rooms: self.rooms(),
            room_members: self.room_members(),
            push_tasks: self.push_tasks(),
        }
    }
}

/// Decrements its counter when dropped.
#[derive(Debug)]
pub(crate) struct StatsGuard {
    stats: Arc<Stats>,
    what: Counted,
}

impl Drop for StatsGuard {
    fn drop(&mut self) {
        self.stats
            .counter(self.what)
            .fetch_sub(1, Ordering::Relaxed);
    }
}
