//! # Live
//!
//! Server-side Rust structs as reactive state, synced to browsers over WebSocket.
//!
//! A struct annotated with [`live_component`] is state that clients mount, whose public
//! actions they call, and whose every change they receive as a small delta. Live speaks the
//! FluxStack Live wire protocol, so its browser clients work unchanged.
//!
//! ```no_run
//! use live::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[live_component(name = "Counter")]
//! #[derive(Default, Serialize, Deserialize)]
//! pub struct Counter {
//!     count: i64,
//! }
//!
//! #[live_component]
//! impl Counter {
//!     #[action]
//!     fn add(&mut self, by: i64) -> i64 {
//!         self.count += by;
//!         self.count
//!     }
//! }
//!
//! # async fn run() -> Result<(), live::server::ServerError> {
//! let server = LiveServer::builder().build()?;
//! let running = server.bind("127.0.0.1:3000").await?;
//! running.wait().await;
//! # Ok(())
//! # }
//! ```

pub mod cluster;
pub mod component;
mod config;
mod metrics;
pub mod prelude;
mod protocol;
pub mod room;
mod runtime;
pub mod security;
pub mod server;
mod state;
mod support;
#[cfg(feature = "typescript")]
pub mod typescript;
pub mod upload;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "testing")]
pub mod testing;

#[doc(hidden)]
pub mod __private;

pub use component::{ActionCall, ActionError, Ctx, Identity, LiveComponent, OnMessage, PushError};
pub use live_macros::data;
pub use protocol::refusal_kind::RefusalKind;

pub use live_macros::live_component;
pub use live_macros::live_room;
pub use server::{LiveConfig, LiveHandle, LiveServer, LiveServerBuilder, RunningServer};
pub use support::BoxFuture;
/// Derives TypeScript declarations (ts-rs); see [`typescript`] (feature `typescript`).
#[cfg(feature = "typescript")]
pub use ts_rs::TS;
