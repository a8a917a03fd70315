//! `Probe`: a test component that exercises every kind of action and hook.

use live::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

/// Ids of the `Probe` instances that ran `on_destroy` (process-wide).
static DESTROYED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Whether the `Probe` with this id ran `on_destroy`.
pub fn was_destroyed(id: &str) -> bool {
    DESTROYED
        .lock()
        .map(|set| set.as_ref().is_some_and(|set| set.contains(id)))
        .unwrap_or(false)
}

/// A nested value, to see deep deltas.
#[live::data]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Profile {
    /// A name.
    pub name: String,
    /// Tags.
    pub tags: Vec<String>,
}

/// The test component.
#[live_component(name = "Probe")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Probe {
    /// Set by `on_mount`.
    pub mounted: bool,
    /// Incremented by actions.
    pub hits: u32,
    /// Client-writable.
    #[live(updatable)]
    pub label: String,
    /// Nested state.
    pub profile: Profile,
    /// Never sent to clients.
    #[serde(skip)]
    pub secret: u32,
    /// This instance's id, learned in `on_mount`.
    #[serde(skip)]
    pub id: String,
}

/// Arguments of `rename`.
#[derive(Debug, Deserialize)]
pub struct Rename {
    /// The new name.
    pub name: String,
}

#[live_component]
impl Probe {
    fn on_mount(&mut self, ctx: &mut Ctx<Self>) {
        self.mounted = true;
        self.id = ctx.component_id().to_owned();
    }

    fn on_destroy(&mut self) {
        if let Ok(mut set) = DESTROYED.lock() {
            set.get_or_insert_with(HashSet::new).insert(self.id.clone());
        }
    }

    /// Counts a hit.
    #[action]
    fn hit(&mut self) -> u32 {
        self.hits += 1;
        self.secret += 1;
        self.hits
    }

    /// Returns the server-only counter (proves skip fields survive property writes).
    #[action]
    fn secret(&self) -> u32 {
        self.secret
    }

    /// Sleeps `ms` milliseconds, then counts a hit.
    #[action]
    async fn slow(&mut self, ms: u64) -> u32 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.hits += 1;
        self.hits
    }

    /// Panics.
    #[action]
    fn boom(&mut self) {
        self.hits += 100;
        panic!("probe exploded on purpose");
    }

    /// Fails with a message.
    #[action]
    fn fail(&mut self) -> Result<(), ActionError> {
        Err(ActionError::new("nope"))
    }

    /// Echoes the whole payload.
    #[action]
    fn echo(&mut self, #[payload] payload: Value) -> Value {
        payload
    }

    /// Renames the profile (nested delta).
    #[action]
    fn rename(&mut self, #[payload] args: Rename) {
        self.profile.name = args.name;
    }

    /// Adds a tag (array sent whole).
    #[action]
    fn tag(&mut self, tag: String) {
        self.profile.tags.push(tag);
    }

    /// Emits a custom event.
    #[action]
    fn shout(&mut self, text: String, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        ctx.emit(
            "SHOUT",
            serde_json::json!({"text": text, "by": ctx.connection_id()}),
        )?;
        Ok(())
    }

    /// Not an action: must not be callable.
    pub fn internal(&mut self) {
        self.hits = 0;
    }
}
