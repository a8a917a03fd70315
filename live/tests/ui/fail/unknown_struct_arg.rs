use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component(name = "Counter", sigleton)]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

fn main() {}
