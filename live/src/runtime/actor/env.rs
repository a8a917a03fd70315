//! What every component actor of one server shares.

use crate::component::push::{PushCluster, ServerStats, Sessions, Topics};
use crate::metrics::Metrics;
use crate::runtime::rooms::Rooms;
use crate::runtime::singleton_table::SingletonTable;
use crate::runtime::stats::Stats;
use crate::security::AuthProviders;
use crate::security::signing::StateSigner;
use std::sync::Arc;
use std::time::Duration;

/// What every component of one server shares: counters, rooms, signing and auth.
#[derive(Debug)]
pub(crate) struct ComponentEnv {
    /// Counters.
    pub(crate) stats: Arc<Stats>,
    /// What operators scrape (`/metrics`).
    pub(crate) metrics: Arc<Metrics>,
    /// Rooms.
    pub(crate) rooms: Arc<Rooms>,
    /// Signs state for rehydration.
    pub(crate) signer: StateSigner,
    /// `STATE_SIGNATURE` throttle (zero: no renewals).
    pub(crate) renew_interval: Duration,
    /// Auth providers (for per-action provider checks).
    pub(crate) auth: AuthProviders,
    /// The live singleton instances (app code pushes to them).
    pub(crate) singletons: Arc<SingletonTable>,
    /// Topic subscriptions.
    pub(crate) topics: Topics,
    /// The private components of each authenticated session.
    pub(crate) sessions: Sessions,
    /// Pushes across servers (`None`: the server runs alone).
    pub(crate) cluster: Option<PushCluster>,
}

impl ComponentEnv {
    /// The server's current counts (`RunningServer::stats`, `LiveHandle::stats`).
    pub(crate) async fn server_stats(&self) -> ServerStats {
        ServerStats {
            connections: self.stats.connections(),
            components: self.stats.components(),
            singletons: self.singletons.lock().await.len(),
            rooms: self.stats.rooms(),
            room_members: self.stats.room_members(),
            push_tasks: self.stats.push_tasks(),
            actions: self.stats.actions(),
            uptime: self.stats.uptime(),
        }
    }
}
