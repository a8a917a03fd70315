//! The table of live singleton instances: one per component name.

use super::actor::{ComponentEnv, Restore};
use super::actor::{ComponentHandle, Control, JoinRequest, MountReply, SpawnRequest, Viewer};

use crate::cluster::node::ClusterNode;
use crate::component::ComponentDescriptor;
use crate::protocol::ids::new_id;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio::sync::mpsc::UnboundedReceiver;

/// Live singleton instances by component name.
///
/// Joining and the last viewer's release both happen under one lock, so a join can never be
/// sent to an instance that is about to destroy itself.
///
/// In a cluster, the first local mount decides (under that lock) whether this server owns
/// the singleton or proxies another server's, see [`ClusterNode::resolve`].
#[derive(Debug)]
pub(crate) struct Singletons {
    table: Mutex<HashMap<&'static str, ComponentHandle>>,
    env: Arc<ComponentEnv>,
    cluster: Option<Arc<ClusterNode>>,
}

impl Singletons {
    /// An empty table whose instances run in `env`, in `cluster` if any.
    pub(crate) fn new(env: Arc<ComponentEnv>, cluster: Option<Arc<ClusterNode>>) -> Self {
        Self {
            table: Mutex::new(HashMap::new()),
            env,
            cluster,
        }
    }

    /// Adds `viewer` to the shared instance of `descriptor`, creating it (seeded with `props`)
    /// if none exists. The instance replies to the mount itself.
    pub(crate) async fn join(
        self: &Arc<Self>,
        descriptor: &ComponentDescriptor,
        props: Option<Map<String, Value>>,
        default_room: Option<String>,
        restore: Option<Restore>,
        viewer: Viewer,
        reply: MountReply,
    ) -> Result<ComponentHandle, String> {
        let mut table = self.table.lock().await;
        if let Some(handle) = table.get(descriptor.name()) {
            let join = Control::Join(Box::new(JoinRequest {
                viewer: viewer.clone(),
                reply: reply.clone(),
            }));
            if handle.control.send(join).is_ok() {
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
        let handle = (descriptor.spawn)(SpawnRequest {
            id,
            props,
            viewer,
            reply,
            singleton: Some(Arc::clone(self)),
            env: Arc::clone(&self.env),
            default_room,
            restore,
            cluster,
        })?;
        table.insert(descriptor.name(), handle.clone());
        Ok(handle)
    }

    /// Called by an instance whose last viewer left. Removes it from the table and returns
    /// true, unless a join is already waiting in its mailbox (then it keeps running).
    pub(crate) async fn release(
        &self,
        name: &'static str,
        id: &str,
        control: &UnboundedReceiver<Control>,
    ) -> bool {
        let mut table = self.table.lock().await;
        if !control.is_empty() {
            return false;
        }
        if table.get(name).is_some_and(|handle| &*handle.id == id) {
            table.remove(name);
        }
        true
    }

    /// Number of live singleton instances.
    pub(crate) async fn count(&self) -> usize {
        self.table.lock().await.len()
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
