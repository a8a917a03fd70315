use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component(name = "Counter")]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

#[live_component]
impl Counter {
    #[action]
    fn add(&mut self, by: i64) -> i64 {
        self.count += by;
        self.count
    }
}

fn main() {
    let _ = Counter::actions().ad(5);
}
