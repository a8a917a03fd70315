//! What every connection of one server shares.

use super::{Singletons, Stats};
use crate::component::ComponentDescriptor;
use crate::server::LiveConfig;
use std::collections::HashMap;
use std::sync::Arc;

/// The shared part of a server: settings, the component registry, singletons and counters.
#[derive(Debug)]
pub(crate) struct Hub {
    /// Settings.
    pub(crate) config: LiveConfig,
    /// Mountable components by name.
    pub(crate) components: HashMap<&'static str, ComponentDescriptor>,
    /// Live singleton instances.
    pub(crate) singletons: Arc<Singletons>,
    /// Counters.
    pub(crate) stats: Arc<Stats>,
}

impl Hub {
    /// A hub serving `components` with `config`.
    pub(crate) fn new(
        config: LiveConfig,
        components: HashMap<&'static str, ComponentDescriptor>,
    ) -> Self {
        let stats = Arc::new(Stats::default());
        Self {
            config,
            components,
            singletons: Arc::new(Singletons::new(Arc::clone(&stats))),
            stats,
        }
    }
}
