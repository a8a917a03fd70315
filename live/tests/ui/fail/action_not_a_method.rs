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
    const LIMIT: i64 = 10;
}

fn main() {}
