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
    fn create() -> i64 {
        0
    }
}

fn main() {}
