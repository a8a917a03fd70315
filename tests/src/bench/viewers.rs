//! Setting up many client connections: connecting them, mounting a component on each,
//! waiting until all are ready, and joining their tasks.

use super::client::Conn;
use anyhow::{Result, anyhow};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Opens `count` connections with at most `parallel` handshakes at a time; each, once
/// connected, is handed to `each` (which runs as its own task).
pub async fn fan_connect<F, Fut>(
    addr: SocketAddr,
    count: usize,
    parallel: usize,
    set: &mut JoinSet<Result<()>>,
    each: F,
) where
    F: Fn(usize, Conn) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(parallel.max(1)));
    let each = Arc::new(each);
    for index in 0..count {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            break;
        };
        let each = Arc::clone(&each);
        set.spawn(async move {
            let conn = Conn::connect(addr).await;
            drop(permit);
            each(index, conn?).await
        });
    }
}

/// Connections that each mount one component, then read it: the setup of every fan-out.
#[derive(Debug, Clone, Copy)]
pub struct Viewers {
    /// The server.
    pub addr: SocketAddr,
    /// How many.
    pub count: usize,
    /// What each mounts.
    pub component: &'static str,
    /// With these props (a JSON object text).
    pub props: Option<&'static str>,
}

impl Viewers {
    /// Connects them (100 handshakes at a time), each as its own task in `set`: mounts,
    /// adds one to `ready`, then runs `read` on the connection.
    pub async fn mount<F, Fut>(
        self,
        ready: &Arc<AtomicUsize>,
        set: &mut JoinSet<Result<()>>,
        read: F,
    ) where
        F: Fn(Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        let Self {
            addr,
            count,
            component,
            props,
        } = self;
        let ready = Arc::clone(ready);
        let read = Arc::new(read);
        fan_connect(addr, count, 100, set, move |_, mut conn| {
            let (ready, read) = (Arc::clone(&ready), Arc::clone(&read));
            async move {
                conn.mount(component, props).await?;
                ready.fetch_add(1, Ordering::SeqCst);
                read(conn).await
            }
        })
        .await;
    }
}

/// Waits until `ready` reaches `count`, failing early if a task failed.
pub async fn wait_ready(
    ready: &AtomicUsize,
    count: usize,
    set: &mut JoinSet<Result<()>>,
) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(300);
    while ready.load(Ordering::SeqCst) < count {
        if Instant::now() > deadline {
            return Err(anyhow!(
                "only {} of {count} clients got ready",
                ready.load(Ordering::SeqCst)
            ));
        }
        match tokio::time::timeout(Duration::from_millis(20), set.join_next()).await {
            Ok(Some(Ok(Err(error)))) => return Err(error.context("client setup failed")),
            Ok(Some(Err(error))) => return Err(anyhow!("client task failed: {error}")),
            Ok(None) => tokio::time::sleep(Duration::from_millis(20)).await,
            Ok(Some(Ok(Ok(())))) | Err(_) => {}
        }
    }
    Ok(())
}

/// Waits for every task; the first error wins.
pub async fn join_all(set: &mut JoinSet<Result<()>>) -> Result<()> {
    let mut first = None;
    while let Some(joined) = set.join_next().await {
        let result = joined.map_err(|error| anyhow!("task failed: {error}"))?;
        if let Err(error) = result {
            first.get_or_insert(error);
        }
    }
    first.map_or(Ok(()), Err)
}
