//! Component tests without a socket (feature `testing`, for `[dev-dependencies]`).
//!
//! A [`TestServer`] runs the real runtime (the same actors, diffs, auth, rate limits, rooms
//! and state signing as a served [`LiveServer`](crate::LiveServer)) and its [`TestClient`]s
//! talk to it through the transport seam in memory: no port is bound, no socket opened.
//! Everything is in-process, so tests run under tokio's paused clock
//! (`#[tokio::test(start_paused = true)]`) and rate-limit windows and timers pass without
//! sleeping. A [`TestCluster`] runs several servers on an
//! [`InProcessCluster`](crate::cluster::InProcessCluster).
//!
//! ```
//! # use live::prelude::*;
//! # use serde::{Deserialize, Serialize};
//! # #[live_component(name = "Counter")]
//! # #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
//! # pub struct Counter { count: i64 }
//! # #[live_component]
//! # impl Counter {
//! #     #[action]
//! #     fn add(&mut self, by: i64) -> i64 { self.count += by; self.count }
//! # }
//! use live::testing::TestServer;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let server = TestServer::new();
//! let client = server.connect().await;
//! let id = client.mount_component::<Counter>(serde_json::json!({})).await;
//! let count = client.invoke(&id, Counter::actions().add(5)).await;
//! assert_eq!(count.ok(), Some(5));
//! client.assert_state(&id, &Counter { count: 5 });
//! # }
//! ```
//!
//! See docs/testing.md.

mod client;
mod cluster;
mod received;
mod report;
mod server;

pub use client::TestClient;
pub use cluster::TestCluster;
pub use received::Received;
pub use server::TestServer;
