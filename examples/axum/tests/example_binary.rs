//! Runs the example the way docs/adapters.md does (with `LIVE_ADDR` on a free port): Live
//! and the app's own route are served side by side, and SIGTERM shuts down gracefully.

const BINARY: &str = env!("CARGO_BIN_EXE_example-axum");
const BANNER: &str = "Live axum example listening on ";

include!("../../shared/example_binary_check.rs");
