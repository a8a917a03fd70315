//! The runtime: component actors, singletons, rooms, connections and their outbound queues.
//!
//! Every mounted component is an actor that owns the component value; connections talk
//! to it through a [`ComponentHandle`](mailbox::ComponentHandle). A singleton's actor is a
//! task of its own; a private component's runs in its connection's task
//! ([`connection::LocalActors`]). A
//! private component has one viewer (its connection); a singleton has every connection that
//! mounted it. Actions on one component run one at a time, in arrival order, with no lock
//! on the state.
//!
//! Imports run one way: `transport` → `connection` → `hub` → `singletons` →
//! `component_type` → `actor` → `cluster_link` → `rooms` → `mailbox` → `outbox`/`stats`.

mod actor;
mod cluster_link;
mod component_type;
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
mod uploads;

pub(crate) use cluster_link::ClusterNode;
pub use component_type::ComponentRegistration;
pub(crate) use component_type::{ComponentType, registered_components};
pub(crate) use hub::{Hub, HubParts};
