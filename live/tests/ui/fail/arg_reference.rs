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
    fn rename(&mut self, name: &str) {
        let _ = name;
    }

    #[action]
    fn by_value_ctx(&mut self, ctx: Ctx<Self>) {
        let _ = ctx;
    }
}

fn main() {}
