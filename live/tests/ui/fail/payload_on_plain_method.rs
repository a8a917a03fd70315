use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter {
    pub count: i64,
}

#[live_component]
impl Counter {
    fn helper(&mut self, #[payload] by: i64) {
        self.count += by;
    }
}

fn main() {}
