//! Client-facing state: deltas between JSON snapshots.

// `apply_delta` (the client-side merge) serves the Rust client and the tests.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) mod diff;
pub(crate) mod fields;
