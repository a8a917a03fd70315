//! Mounting singletons: one live instance per component name, shared by every connection
//! that mounts it.

use super::actor::{ComponentEnv, Restore, SpawnRequest};
use super::cluster_link::ClusterNode;
use super::component_type::ComponentType;
use super::mailbox::{ComponentHandle, JoinRequest, MountReply, Viewer};
use super::singleton_table::SingletonTable;
use crate::protocol::ids::new_id;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The singletons of one server.
///
/// In a cluster, the first local mount decides (under the table's lock) whether this
/// server owns the singleton or proxies another server's, see [`ClusterNode::resolve`].
#[derive(Debug)]
pub(crate) struct Singletons {
    table: Arc<SingletonTable>,
    env: Arc<ComponentEnv>,
    cluster: Option<Arc<ClusterNode>>,
}

impl Singletons {
    /// No instances yet; they will run in `env`, in `cluster` if any.
    pub(crate) fn new(env: Arc<ComponentEnv>, cluster: Option<Arc<ClusterNode>>) -> Self {
        Self {
            table: Arc::clone(&env.singletons),
            env,
            cluster,
        }
    }

    /// Adds `viewer` to the shared instance of `descriptor`, creating it (seeded with `props`)
    /// if none exists. The instance replies to the mount itself.
    pub(crate) async fn join(
        &self,
        descriptor: &ComponentType,
        props: Option<Map<String, Value>>,
        default_room: Option<String>,
        restore: Option<Restore>,
        viewer: Viewer,
        reply: MountReply,
    ) -> Result<ComponentHandle, String> {
        let mut table = self.table.lock().await;
        if let Some(handle) = table.get(descriptor.name()) {
            let join = JoinRequest {
                viewer: viewer.clone(),
                reply: reply.clone(),
            };
            if handle.join(join) {
                return Ok(handle.clone());
            }
            // The instance stopped without releasing (it panicked): start a new one.
            table.remove(descriptor.name());
        }
        let (id, cluster) = match &self.cluster {
            Some(node) => {
                let (id, role) = node.resolve(descriptor.name()).await;
                (id, Some((Arc::clone(node), role)))
            }
            None => (Arc::from(new_id()), None),
        };
        let (handle, actor) = (descriptor.start)(SpawnRequest {
            id,
            props,
            viewer,
            reply,
            singleton: Some(Arc::clone(&self.table)),
            env: Arc::clone(&self.env),
            default_room,
            restore,
            cluster,
        })?;
        // A singleton has many viewers: its actor runs in a task of its own.
        tokio::spawn(actor);
        table.insert(descriptor.name(), handle.clone());
        Ok(handle)
    }

    /// Stops every instance (server shutdown). In a cluster, waits (bounded) for owned
    /// singletons to be handed over, then leaves the cluster.
    pub(crate) async fn shutdown_all(&self) {
        for (_, handle) in self.table.lock().await.drain() {
            handle.shutdown();
        }
        if let Some(node) = &self.cluster {
            node.shutdown().await;
        }
    }
}
