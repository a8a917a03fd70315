//! Shared helpers for the integration tests: start real servers on 127.0.0.1 and connect
//! real clients to them.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

pub mod bench;
pub mod binary;
pub mod cluster;
pub mod probe;
pub mod push;
pub mod push_cluster;
pub mod rooms;
pub mod secure;
pub mod transports;
pub mod uploads;

use live::client::{LiveClient, ServerFrame};
use live::{LiveServer, RunningServer};
use serde_json::Value;
use std::time::Duration;

/// Starts `server` on a free port of 127.0.0.1.
pub async fn start(server: &LiveServer) -> RunningServer {
    match server.bind("127.0.0.1:0").await {
        Ok(running) => running,
        Err(error) => panic!("test server failed to start: {error}"),
    }
}

/// The demo's components plus the test-only [`probe::Probe`], with default settings.
pub fn test_server() -> LiveServer {
    test_server_with(LiveServer::builder())
}

/// The test components on top of `builder`.
pub fn test_server_with(builder: live::LiveServerBuilder) -> LiveServer {
    builder
        .component::<demo::Counter>()
        .component::<demo::SharedCounter>()
        .component::<probe::Probe>()
        .component::<rooms::Chatter>()
        .room::<rooms::Lobby>()
        .build()
        .unwrap_or_else(|error| panic!("test server config: {error}"))
}

/// Connects a client to `running`.
pub async fn connect(running: &RunningServer) -> LiveClient {
    match LiveClient::connect(&running.url()).await {
        Ok(client) => client.with_timeout(Duration::from_secs(10)),
        Err(error) => panic!("client failed to connect: {error}"),
    }
}

/// The next JSON frame (panics on anything else).
pub async fn next_json(client: &LiveClient) -> Value {
    match client.next_frame().await {
        Ok(ServerFrame::Json(frame)) => frame,
        other => panic!("expected a JSON frame, got {other:?}"),
    }
}

/// Reads JSON frames until one has `type == kind`; returns the frames before it and it.
pub async fn frames_until(client: &LiveClient, kind: &str) -> (Vec<Value>, Value) {
    let mut before = Vec::new();
    loop {
        let frame = next_json(client).await;
        if frame["type"] == kind {
            return (before, frame);
        }
        before.push(frame);
    }
}

/// Waits (polling, at most 10 s) until `check` holds.
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..1000 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// Mounts `component` and consumes its mount frames from the log; returns the id.
pub async fn mount(client: &LiveClient, component: &str) -> String {
    let mounted = match client.mount(component, Value::Null).await {
        Ok(mounted) => mounted,
        Err(error) => panic!("mount {component} failed: {error}"),
    };
    frames_until(client, "MESSAGE_RESPONSE").await;
    mounted.id
}
