//! Client-facing state: deltas between JSON snapshots.

pub(crate) mod diff;
