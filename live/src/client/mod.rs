//! A Rust client for the Live protocol (feature `client`).
//!
//! Connects to any server that speaks the protocol (Live or the TypeScript original),
//! mounts components, calls actions and keeps each mounted component's state up to date
//! from `STATE_UPDATE` / `STATE_DELTA` frames. Integration tests and benchmarks use it; it
//! also suits Rust services and bots.
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
//! # Ok(())
//! # }
//! ```

mod connection;
mod error;
mod frames;
mod requests;
mod state;
mod uploads;

pub use connection::LiveClient;
pub use error::ClientError;
pub use frames::{RoomFrame, RoomFrameKind, ServerFrame, decode_room_frame};
pub use requests::Mounted;
pub use uploads::{UploadOptions, Uploaded};
