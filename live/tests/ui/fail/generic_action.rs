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
    fn set<T: Into<i64>>(&mut self, value: T) {
        self.count = value.into();
    }

    #[action]
    fn set_where(&mut self, value: i64)
    where
        i64: Copy,
    {
        self.count = value;
    }
}

fn main() {}
