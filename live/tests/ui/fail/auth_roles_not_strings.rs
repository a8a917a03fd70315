use live::prelude::*;
use serde::{Deserialize, Serialize};

const ADMIN: &str = "admin";

#[live_component(auth(roles = "admin", permissions = [ADMIN, 3]))]
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
    #[action(auth(roles = ADMIN, permissions = vec!["board.write"]))]
    fn clear(&mut self) {
        self.notes.clear();
    }
}

fn main() {}
