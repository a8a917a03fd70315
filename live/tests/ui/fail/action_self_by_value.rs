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
    fn consume(self) -> i64 {
        self.count
    }

    #[action]
    fn boxed(self: Box<Self>) -> i64 {
        self.count
    }
}

fn main() {}
