//! The runtime side of a cluster: a [`ClusterNode`] routes the adapter's inbound traffic
//! to local singleton actors and rooms, and gives each singleton actor a
//! [`SingletonLink`] that runs its background work (heartbeat or owner watch, ordered
//! publishing and mirroring, action forwarding) so that the actor itself never waits on
//! the backend. The contract and the backends are in [`crate::cluster`]; rooms publish
//! their own changes (see `runtime/rooms/fan_out.rs`).

mod dispatch;
mod forward;
mod messages;
mod node;
mod role;
mod singleton_link;
mod tasks;

pub(crate) use forward::Forward;
pub(crate) use node::ClusterNode;
pub(crate) use role::{Role, StartRole};
pub(crate) use singleton_link::SingletonLink;
