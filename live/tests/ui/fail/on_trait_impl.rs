use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

pub trait Reset {
    fn reset(&mut self);
}

#[live_component]
impl Reset for Counter {
    fn reset(&mut self) {
        self.count = 0;
    }
}

fn main() {}
