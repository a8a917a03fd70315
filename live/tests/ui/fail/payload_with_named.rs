use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

#[derive(Deserialize)]
pub struct Step {
    pub by: i64,
}

#[live_component]
impl Counter {
    #[action]
    fn step(&mut self, #[payload] step: Step, times: i64) {
        self.count += step.by * times;
    }
}

fn main() {}
