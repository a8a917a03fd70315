use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    #[live(writable)]
    pub count: i64,
    #[live]
    pub label: String,
    #[live(updatable = true)]
    pub other: String,
}

fn main() {}
