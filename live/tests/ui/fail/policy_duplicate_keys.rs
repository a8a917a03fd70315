use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component(
    auth(required, required, roles = ["a"], roles = ["b"]),
    rate_limit(max = 1, max = 2, per_ms = 10),
    auth(required)
)]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Board {
    pub notes: Vec<String>,
}

fn allow(_identity: &Identity) -> Result<(), String> {
    Ok(())
}

#[live_component]
impl Board {
    #[action(
        name = "wipe",
        name = "clear",
        auth(check = allow, permissions = ["x"], check = allow),
        rate_limit(max = 1, per_ms = 10, per_action = true, per_ms = 20),
        rate_limit(max = 1, per_ms = 10)
    )]
    fn clear(&mut self) {
        self.notes.clear();
    }
}

fn main() {}
