//! The runtime: component actors, singletons, connections and their outbound queues.
//!
//! Every mounted component runs in its own task (an actor) that owns the component value;
//! connections talk to it through a [`ComponentHandle`]. A private component has one viewer
//! (its connection); a singleton has every connection that mounted it. Actions on one
//! component run one at a time, in arrival order, with no lock on the state.

mod actor;
pub(crate) mod connection;
mod hub;
pub(crate) mod outbox;
pub(crate) mod rooms;
mod singletons;
mod stats;
pub(crate) mod transport;

pub(crate) use actor::{Call, ComponentHandle, Control, SpawnRequest, spawn_component};
pub(crate) use hub::{Hub, HubParts};
pub(crate) use singletons::Singletons;
pub(crate) use stats::Stats;

/// How a [`ComponentDescriptor`](crate::component::ComponentDescriptor) starts its actor.
pub(crate) type SpawnFn = fn(SpawnRequest) -> Result<ComponentHandle, String>;
