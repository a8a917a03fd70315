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
    fn reset(&mut self) {}

    #[action(name = "reset")]
    fn clear(&mut self) {}

    #[action(name = "bump")]
    fn bump_one(&mut self) {}

    #[action(name = "bump")]
    fn bump_two(&mut self) {}
}

fn main() {}
