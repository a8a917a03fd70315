//! The component actor: one task per component instance, owning the component value.
//!
//! Its parts, one concern each: `spawn` (creating the component and its mailboxes),
//! `lifecycle` (mount, the mailbox loop, destroy), `viewers` (later mounts, unmounts and
//! their hooks), `calls` (actions with auth and rate limits), `properties`
//! (`PROPERTY_UPDATE`), `publish` (events and state deltas after user code), `push` (timer ticks, task results
//! and messages from the work mailbox), `signature`
//! and `timer` (signed state and its renewal), `rooms` (the component's rooms) and
//! `cluster_role` (a cluster singleton as owner or proxy).

mod calls;
mod cluster_role;
mod env;
mod instance;
mod lifecycle;
mod properties;
mod publish;
mod push;
#[cfg(test)]
mod push_tests;
mod rooms;
mod signature;
#[cfg(test)]
mod signature_tests;
mod spawn;
mod timer;
mod uploads;
mod viewers;

pub(crate) use env::ComponentEnv;
pub(crate) use spawn::{ActorTask, Restore, SpawnRequest, start_component};
