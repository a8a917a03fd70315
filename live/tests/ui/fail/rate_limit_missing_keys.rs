use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component(rate_limit(max = 10))]
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
    #[action(rate_limit(per_ms = 100))]
    fn clear(&mut self) {
        self.notes.clear();
    }

    #[action(rate_limit(per_action = false))]
    fn add(&mut self, note: String) {
        self.notes.push(note);
    }

    #[action(rate_limit())]
    fn pop(&mut self) {
        self.notes.pop();
    }
}

fn main() {}
