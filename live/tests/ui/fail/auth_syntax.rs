use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component(auth, rate_limit = 10)]
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
    #[action(auth(), rate_limit(max = 1, per_ms = 10))]
    fn clear(&mut self) {
        self.notes.clear();
    }

    #[action(auth(required = true, check = "is_admin"))]
    fn add(&mut self, note: String) {
        self.notes.push(note);
    }
}

fn main() {}
