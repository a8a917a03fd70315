//! The demo's components: `Counter` (one per mount) and `SharedCounter` (one for everybody).
//!
//! `cargo run --release -p demo` serves them; the integration tests mount them too.

use live::prelude::*;
use serde::{Deserialize, Serialize};

/// A private counter: every mount gets its own.
#[live_component(name = "Counter")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Counter {
    /// The current value; a client may seed it at mount or set it directly.
    #[live(updatable)]
    pub count: i64,
}

#[live_component]
impl Counter {
    /// Adds one; returns the new count.
    #[action]
    fn increment(&mut self) -> i64 {
        add_to(&mut self.count, 1)
    }

    /// Subtracts one; returns the new count.
    #[action]
    fn decrement(&mut self) -> i64 {
        add_to(&mut self.count, -1)
    }

    /// Adds `by` (payload `{"by": <int>}`); returns the new count.
    #[action]
    fn add(&mut self, by: i64) -> Result<i64, ActionError> {
        checked_add_to(&mut self.count, by)
    }
}

/// One counter shared by every client that mounts it.
#[live_component(name = "SharedCounter", singleton)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SharedCounter {
    /// The shared value.
    pub count: i64,
    /// How many connections are watching.
    pub viewers: usize,
}

#[live_component]
impl SharedCounter {
    /// Adds one; returns the new count.
    #[action]
    fn increment(&mut self) -> i64 {
        add_to(&mut self.count, 1)
    }

    /// Subtracts one; returns the new count.
    #[action]
    fn decrement(&mut self) -> i64 {
        add_to(&mut self.count, -1)
    }

    /// Adds `by` (payload `{"by": <int>}`); returns the new count.
    #[action]
    fn add(&mut self, by: i64) -> Result<i64, ActionError> {
        checked_add_to(&mut self.count, by)
    }

    fn on_client_join(&mut self, _connection_id: &str, viewers: usize) {
        self.viewers = viewers;
    }

    fn on_client_leave(&mut self, _connection_id: &str, viewers: usize) {
        self.viewers = viewers;
    }
}

fn add_to(count: &mut i64, by: i64) -> i64 {
    *count = count.saturating_add(by);
    *count
}

fn checked_add_to(count: &mut i64, by: i64) -> Result<i64, ActionError> {
    *count = count
        .checked_add(by)
        .ok_or_else(|| ActionError::new("count would overflow"))?;
    Ok(*count)
}

/// The demo server: every component above, default settings.
pub fn server() -> Result<LiveServer, live::server::ServerError> {
    LiveServer::builder()
        .component::<Counter>()
        .component::<SharedCounter>()
        .build()
}
