//! One server's membership in a cluster: which singletons run here, how a singleton
//! starts (owner or proxy), and serving the actions other servers forward to them.

use super::role::StartRole;
use crate::cluster::{ActionRequest, ActionResponse, Claim, ClusterAdapter, ClusterError};
use crate::metrics::{ClusterEvent, Metrics};
use crate::protocol::ids::new_id;
use crate::protocol::refusal::Refusal;
use crate::runtime::mailbox::{Call, ComponentHandle};
use crate::support::lock;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

/// A local singleton actor, for routing.
#[derive(Debug)]
pub(super) struct Registered {
    pub(super) handle: ComponentHandle,
    pub(super) kick: Arc<Notify>,
}

/// One server's membership in a cluster.
#[derive(Debug)]
pub(crate) struct ClusterNode {
    pub(super) adapter: Arc<dyn ClusterAdapter>,
    pub(super) instance_id: Arc<str>,
    pub(super) heartbeat: Duration,
    pub(super) timeout: Duration,
    /// Local singleton actors by name.
    pub(super) singletons: Mutex<HashMap<String, Registered>>,
    /// Owner publisher tasks (each ends after its hand-off); awaited on shutdown.
    pub(super) publishers: Mutex<Vec<JoinHandle<()>>>,
    pub(super) next_request: AtomicU64,
    /// When the adapter last reconnected to the backend.
    pub(super) reconnected: Mutex<Option<Instant>>,
    /// The server's metrics (claims, failovers, forwards, backend errors).
    pub(super) metrics: Arc<Metrics>,
}

impl ClusterNode {
    /// A node on `adapter` (not started yet).
    pub(crate) fn new(adapter: Arc<dyn ClusterAdapter>, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(Self {
            instance_id: Arc::from(adapter.instance_id()),
            heartbeat: adapter.heartbeat_interval().max(Duration::from_millis(10)),
            timeout: adapter.operation_timeout(),
            adapter,
            singletons: Mutex::new(HashMap::new()),
            publishers: Mutex::new(Vec::new()),
            next_request: AtomicU64::new(0),
            reconnected: Mutex::new(None),
            metrics,
        })
    }

    /// This server's instance id.
    pub(crate) fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// The instance id of the server owning singleton `name` (`None`: unknown, or the
    /// backend did not answer).
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) async fn owner_of(&self, name: &str) -> Option<String> {
        let owner = self.op("owner", self.adapter.singleton_owner(name)).await;
        owner.ok().flatten().map(|owner| owner.instance_id)
    }

    /// Whether the adapter reconnected recently (two heartbeats and a second): a missing
    /// claim may then be the backend's lost data, not a dead owner.
    pub(super) fn in_reconnect_grace(&self) -> bool {
        let grace = self.heartbeat.saturating_mul(2) + Duration::from_secs(1);
        lock(&self.reconnected).is_some_and(|at| at.elapsed() < grace)
    }

    /// Runs one backend operation with the operation timeout.
    pub(super) async fn op<T>(
        &self,
        what: &str,
        future: impl Future<Output = Result<T, ClusterError>>,
    ) -> Result<T, ClusterError> {
        let result = match tokio::time::timeout(self.timeout, future).await {
            Ok(result) => result,
            Err(_) => {
                let ms = self.timeout.as_millis();
                Err(ClusterError::Timeout(
                    Refusal::ClusterOpTimeout { what, ms }.text(),
                ))
            }
        };
        if result.is_err() {
            self.metrics.cluster(ClusterEvent::BackendError);
        }
        result
    }

    /// Decides how this server runs singleton `name`: as its owner (claimed, with the
    /// mirrored state if a previous owner left one) or as a proxy of another server's.
    /// When the backend is unreachable the singleton runs locally as an owner; its
    /// heartbeat settles the claim once the backend is back.
    pub(crate) async fn resolve(&self, name: &str) -> (Arc<str>, StartRole) {
        if let Err(error) = self.op("watch", self.adapter.watch_singleton(name)).await {
            tracing::warn!(singleton = name, %error, "could not watch the singleton's channel");
        }
        let mirror = match self
            .op("load", self.adapter.load_singleton_state(name))
            .await
        {
            Ok(mirror) => mirror,
            Err(error) => {
                tracing::warn!(singleton = name, %error, "cluster unreachable; serving locally");
                return (Arc::from(new_id()), StartRole::Owner { recovered: None });
            }
        };
        let id: Arc<str> = Arc::from(
            mirror
                .as_ref()
                .map_or_else(new_id, |mirror| mirror.component_id.clone()),
        );
        for _ in 0..3 {
            match self
                .op("claim", self.adapter.claim_singleton(name, &id))
                .await
            {
                Ok(Claim::Claimed) => {
                    tracing::info!(singleton = name, id = %id, "claimed singleton");
                    self.metrics.cluster(ClusterEvent::Claim);
                    return (id, StartRole::Owner { recovered: mirror });
                }
                // A proxy uses the owner's component id, so that ids match across servers.
                Ok(Claim::Taken(Some(owner))) => {
                    return (
                        Arc::from(owner.component_id.as_str()),
                        StartRole::Proxy {
                            owner: Some(owner),
                            mirror,
                        },
                    );
                }
                // The claim expired between the attempt and the lookup: try again.
                Ok(Claim::Taken(None)) => {}
                Err(error) => {
                    tracing::warn!(singleton = name, %error, "cluster unreachable; serving locally");
                    return (id, StartRole::Owner { recovered: mirror });
                }
            }
        }
        (
            id,
            StartRole::Proxy {
                owner: None,
                mirror,
            },
        )
    }

    /// Routes inbound traffic for singleton `name` to `handle`.
    pub(super) fn register(&self, name: &str, handle: ComponentHandle, kick: Arc<Notify>) {
        lock(&self.singletons).insert(name.to_owned(), Registered { handle, kick });
    }

    /// Stops routing to the actor `id` of `name`, and stops watching `name`'s channel.
    pub(super) fn unregister(self: &Arc<Self>, name: &'static str, id: &str) {
        let mut table = lock(&self.singletons);
        if table.get(name).is_some_and(|entry| &*entry.handle.id == id) {
            table.remove(name);
            drop(table);
            let node = Arc::clone(self);
            tokio::spawn(async move {
                // A new local instance may have started meanwhile: it watches again.
                if !lock(&node.singletons).contains_key(name)
                    && let Err(error) = node
                        .op("unwatch", node.adapter.unwatch_singleton(name))
                        .await
                {
                    tracing::debug!(singleton = name, %error, "unwatch failed");
                }
            });
        }
    }

    pub(super) fn lookup(&self, name: &str) -> Option<(ComponentHandle, Arc<Notify>)> {
        lock(&self.singletons)
            .get(name)
            .map(|entry| (entry.handle.clone(), Arc::clone(&entry.kick)))
    }

    /// Waits (bounded) for owners to hand their singletons over, then stops the adapter.
    pub(crate) async fn shutdown(&self) {
        let publishers: Vec<JoinHandle<()>> = lock(&self.publishers).drain(..).collect();
        let wait = async {
            for publisher in publishers {
                let _ = publisher.await;
            }
        };
        if tokio::time::timeout(self.timeout.saturating_mul(2), wait)
            .await
            .is_err()
        {
            tracing::warn!("singleton hand-off did not finish before shutdown");
        }
        self.adapter.shutdown().await;
    }

    /// Serves an action forwarded by another server to a singleton owned here.
    pub(super) async fn serve_action(self: Arc<Self>, request: ActionRequest) -> ActionResponse {
        let request_id = request.request_id.clone();
        let name = request.component_name.clone();
        let Some((handle, kick)) = self.lookup(&name) else {
            let error = Refusal::SingletonNotRunning { name: &name }.text();
            return ActionResponse::failure(request_id, error);
        };
        match self
            .op("verify", self.adapter.verify_singleton(&name, &handle.id))
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                kick.notify_one();
                return ActionResponse::failure(request_id, Refusal::OwnershipLost.text());
            }
            Err(error) => return ActionResponse::failure(request_id, error.to_string()),
        }
        let (reply, answer) = oneshot::channel();
        let call = Call::Remote {
            request: Box::new(request),
            reply,
        };
        if handle.call(call).await.is_err() {
            return ActionResponse::failure(request_id, Refusal::SingletonStopped.text());
        }
        answer.await.unwrap_or_else(|_| {
            ActionResponse::failure(request_id, Refusal::SingletonStopped.text())
        })
    }
}
