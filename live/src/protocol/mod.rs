//! The FluxStack Live wire protocol: inbound validation and outbound frames.
//!
//! See `docs/protocol.md` for what Live implements and where it deviates from the
//! TypeScript server.

// The decoder serves the Rust client, tests and fuzzing.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) mod binary_delta;
pub(crate) mod depth;
pub(crate) mod ids;
pub(crate) mod inbound;
pub(crate) mod js;
pub(crate) mod json_out;
pub(crate) mod kinds;
// The decoders serve the Rust client, tests and fuzzing.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) mod msgpack;
pub(crate) mod outbound;
pub(crate) mod refusal;
pub(crate) mod refusal_kind;
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) mod room_frame;
pub(crate) mod upload;

/// The default WebSocket path (`DEFAULT_WS_PATH`).
pub(crate) const DEFAULT_WS_PATH: &str = "/api/live/ws";
