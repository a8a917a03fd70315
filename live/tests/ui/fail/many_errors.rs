//! Every error is reported, not just the first.
use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component(nmae = "Counter")]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    #[live(updateable)]
    pub count: i64,
}

#[live_component]
impl Counter {
    #[action]
    fn no_self() {}

    #[action]
    fn borrowed(&mut self, name: &str) {
        let _ = name;
    }

    #[action(name = "_private")]
    fn private(&mut self) {}

    fn on_destroy(&mut self, x: i32) {
        self.count = x.into();
    }
}

fn main() {}
