use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component(auth(roles = ["admin", ""]))]
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
    #[action(auth(required, permissions = ["board.write", "  "]))]
    fn clear(&mut self) {
        self.notes.clear();
    }
}

fn main() {}
