//! A Rust client for the Live protocol (feature `client`).
//!
//! Connects to any server that speaks the protocol (Live or the TypeScript original),
//! mounts components, calls actions and keeps each mounted component's state up to date
//! from `STATE_UPDATE` / `STATE_DELTA` frames. Integration tests and benchmarks use it; it
//! also suits Rust services and bots. `live::testing` (feature `testing`) connects it to an
//! in-process server instead of a socket.
//!
//! ```no_run
//! # async fn run() -> Result<(), live::client::ClientError> {
//! use live::client::LiveClient;
//! use serde_json::json;
//!
//! let client = LiveClient::connect("ws://127.0.0.1:3000/api/live/ws").await?;
//! let counter = client.mount("Counter", json!({})).await?;
//! let result = client.call(&counter.id, "add", json!({"by": 5})).await?;
//! assert_eq!(result, Some(json!(5)));
//! // With the component's type at hand, calls are typed (`#[live_component]` generates
//! // `Counter::actions()`): `let count: i64 = client.invoke(&counter.id, Counter::actions().add(5)).await?;`
//! # Ok(())
//! # }
//! ```

mod connection;
mod error;
mod frames;
mod http;
mod requests;
mod sse;
mod state;
mod uploads;
pub(crate) mod wire;

pub use connection::{LiveClient, Transport};
pub use error::ClientError;
pub use frames::{RoomFrame, RoomFrameKind, ServerFrame, decode_binary_delta, decode_room_frame};
pub use requests::Mounted;
pub use uploads::{UploadOptions, Uploaded};
