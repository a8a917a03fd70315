use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component(rate_limit(max = 0, per_ms = 1000))]
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
    #[action(rate_limit(max = 5, per_ms = 0))]
    fn clear(&mut self) {
        self.notes.clear();
    }

    #[action(rate_limit(max = "5", per_ms = 1.5))]
    fn add(&mut self, note: String) {
        self.notes.push(note);
    }

    #[action(rate_limit(max = -1, per_ms = 100, per_action = "yes"))]
    fn pop(&mut self) {
        self.notes.pop();
    }

    #[action(rate_limit(max = 5_000_000_000, per_ms = 100u8))]
    fn count(&self) -> usize {
        self.notes.len()
    }
}

fn main() {}
