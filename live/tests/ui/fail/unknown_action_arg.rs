use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

#[live_component]
impl Counter {
    #[action(rename = "inc")]
    fn increment(&mut self) {
        self.count += 1;
    }

    #[action = "dec"]
    fn decrement(&mut self) {
        self.count -= 1;
    }
}

fn main() {}
