use live::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

#[live_component]
impl Counter {
    #[action]
    fn increment(&mut self) {
        self.count += 1;
    }
}

fn main() {}
