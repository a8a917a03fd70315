//! [`TestCluster`]: several [`TestServer`]s of one [`InProcessCluster`].

use super::server::TestServer;
use crate::cluster::InProcessCluster;
use crate::server::LiveServerBuilder;

/// `N` test servers in one [`InProcessCluster`], sharing a state-signing secret: singletons
/// have one owner among them, rooms reach members on every one, and a client's signed state
/// rehydrates on any. Build it inside a tokio runtime.
#[derive(Debug)]
pub struct TestCluster {
    servers: Vec<TestServer>,
}

/// The secret every server of a [`TestCluster`] signs state with.
const CLUSTER_SECRET: &str = "live-testing-cluster";

impl TestCluster {
    /// `servers` servers with every registered component and default settings.
    pub fn new(servers: usize) -> Self {
        Self::build(servers, crate::LiveServer::builder)
    }

    /// `servers` servers, each from `builder()` (called once per server), joined to one
    /// in-process cluster.
    pub fn build(servers: usize, builder: impl Fn() -> LiveServerBuilder) -> Self {
        let first = InProcessCluster::new();
        let servers = (0..servers)
            .map(|at| {
                let member = if at == 0 { first.clone() } else { first.join() };
                TestServer::build(builder().state_secret(CLUSTER_SECRET).cluster(member))
            })
            .collect();
        Self { servers }
    }

    /// Server `index`. Panics past the last.
    pub fn server(&self, index: usize) -> &TestServer {
        self.servers.get(index).unwrap_or_else(|| {
            panic!(
                "live::testing: the cluster has {} servers, not {}",
                self.servers.len(),
                index + 1
            )
        })
    }

    /// The servers, in order.
    pub fn servers(&self) -> &[TestServer] {
        &self.servers
    }

    /// How many servers there are.
    pub fn len(&self) -> usize {
        self.servers.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }
}
