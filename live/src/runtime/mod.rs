//! The runtime: component actors, singletons, rooms, connections and their outbound queues.
//!
//! Every mounted component runs in its own task (an actor) that owns the component value;
//! connections talk to it through a [`ComponentHandle`]. A private component has one viewer
//! (its connection); a singleton has every connection that mounted it. Actions on one
//! component run one at a time, in arrival order, with no lock on the state.
//!
//! Imports run one way: `transport` → `connection` → `singletons` → `actor` →
//! `cluster_link` → `rooms` → `mailbox` → `outbox`/`stats`.

mod actor;
mod cluster_link;
pub(crate) mod connection;
mod hub;
mod mailbox;
pub(crate) mod outbox;
mod push_host;
pub(crate) mod rooms;
mod singleton_table;
mod singletons;
mod stats;
pub(crate) mod transport;

pub(crate) use actor::{SpawnRequest, spawn_component};
pub(crate) use cluster_link::ClusterNode;
pub(crate) use hub::{Hub, HubParts};
pub(crate) use mailbox::ComponentHandle;

/// How a [`ComponentDescriptor`](crate::component::ComponentDescriptor) starts its actor.
pub(crate) type SpawnFn = fn(SpawnRequest) -> Result<ComponentHandle, String>;
