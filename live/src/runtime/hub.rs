//! What every connection of one server shares.

use super::actor::ComponentEnv;
use super::cluster_link::ClusterNode;
use super::component_type::ComponentType;
use super::rooms::{RoomFanOut, RoomSettings, RoomTable, Rooms};
use super::singletons::Singletons;
use super::stats::Stats;
use super::uploads::UploadHub;
use crate::cluster::ClusterAdapter;
use crate::component::push::{MessageCodec, PushCluster, Sessions, Topics};
use crate::config::LiveConfig;
use crate::metrics::Metrics;
use crate::room::RoomDescriptor;
use crate::security::AuthProviders;
use crate::upload::UploadStore;
use std::collections::HashMap;
use std::sync::Arc;

/// The shared part of a server: settings, the component registry, singletons, rooms,
/// security and counters.
#[derive(Debug)]
pub(crate) struct Hub {
    /// Settings.
    pub(crate) config: LiveConfig,
    /// Mountable components by name.
    pub(crate) components: HashMap<&'static str, ComponentType>,
    /// Live singleton instances.
    pub(crate) singletons: Arc<Singletons>,
    /// Typed room types by prefix.
    pub(crate) room_types: HashMap<&'static str, RoomDescriptor>,
    /// Live room instances.
    pub(crate) rooms: Arc<Rooms>,
    /// Counters.
    pub(crate) stats: Arc<Stats>,
    /// What operators scrape (`/metrics`).
    pub(crate) metrics: Arc<Metrics>,
    /// What component actors share (rooms, signing, auth, counters).
    pub(crate) env: Arc<ComponentEnv>,
    /// This server's membership in a cluster (`None`: it runs alone).
    pub(crate) cluster: Option<Arc<ClusterNode>>,
    /// Upload settings, store and quota.
    pub(crate) uploads: UploadHub,
}

/// What a hub is built from.
#[derive(Debug)]
pub(crate) struct HubParts {
    /// Settings.
    pub(crate) config: LiveConfig,
    /// Mountable components by name.
    pub(crate) components: HashMap<&'static str, ComponentType>,
    /// Typed room types by prefix.
    pub(crate) room_types: HashMap<&'static str, RoomDescriptor>,
    /// Auth providers, default first.
    pub(crate) auth: AuthProviders,
    /// The cluster this server belongs to (`None`: it runs alone).
    pub(crate) cluster: Option<Arc<dyn ClusterAdapter>>,
    /// How messages reach singletons that another server owns.
    pub(crate) messages: Vec<MessageCodec>,
    /// Whether metrics are recorded (always false without feature `metrics`).
    pub(crate) metrics: bool,
    /// Where uploads are stored (`None`: a `LocalDirStore` from the config).
    pub(crate) upload_store: Option<Arc<dyn UploadStore>>,
}

impl Hub {
    /// A hub from its parts.
    pub(crate) fn new(parts: HubParts) -> Self {
        let HubParts {
            config,
            components,
            room_types,
            auth,
            cluster,
            messages,
            metrics,
            upload_store,
        } = parts;
        let stats = Arc::new(Stats::default());
        let metrics = Arc::new(Metrics::new(Arc::clone(&stats) as _, metrics));
        let settings = RoomSettings {
            empty_grace: config.room_empty_grace,
            max_state_bytes: config.max_room_state_bytes,
        };
        let fan_out = cluster
            .as_ref()
            .map(|adapter| RoomFanOut::start(Arc::clone(adapter)));
        let typed: Vec<RoomDescriptor> = room_types.values().copied().collect();
        let table = RoomTable::new(settings, Arc::clone(&stats), fan_out);
        let rooms = Arc::new(Rooms::new(table, &typed));
        let topics = match &cluster {
            Some(adapter) => Topics::clustered(Arc::clone(adapter)),
            None => Topics::default(),
        };
        let push_cluster = cluster
            .as_ref()
            .map(|adapter| PushCluster::new(Arc::clone(adapter), messages));
        let env = Arc::new(ComponentEnv {
            stats: Arc::clone(&stats),
            metrics: Arc::clone(&metrics),
            rooms: Arc::clone(&rooms),
            signer: config.state_signing.signer(),
            renew_interval: config.state_signing.renew_interval,
            auth,
            singletons: Arc::default(),
            topics,
            sessions: Sessions::default(),
            cluster: push_cluster,
        });
        let cluster = cluster.map(|adapter| ClusterNode::new(adapter, Arc::clone(&metrics)));
        if let Some(node) = &cluster {
            node.start(&env);
        }
        Self {
            uploads: UploadHub::new(&config.uploads, upload_store),
            singletons: Arc::new(Singletons::new(Arc::clone(&env), cluster.clone())),
            cluster,
            rooms,
            room_types,
            config,
            components,
            stats,
            metrics,
            env,
        }
    }
}
