use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component(auth(required, role = ["admin"]), rate_limit(max = 1, per_ms = 10, burst = 3))]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Board {
    pub notes: Vec<String>,
}

#[live_component]
impl Board {
    #[action(auth(authenticated), rate_limit(max = 1, window = 10, per_ms = 10))]
    fn clear(&mut self) {
        self.notes.clear();
    }
}

fn main() {}
