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
    fn _internal(&mut self) {}

    #[action(name = "_hidden")]
    fn hidden(&mut self) {}
}

fn main() {}
