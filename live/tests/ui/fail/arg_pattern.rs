use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

#[live_component]
impl Counter {
    #[action]
    fn set(&mut self, (a, b): (i64, i64)) {
        self.count = a + b;
    }

    #[action]
    fn ignore(&mut self, _: i64) {}
}

fn main() {}
