use live::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Default, Serialize, Deserialize)]
pub struct Holder<T> {
    pub value: T,
}

#[live_component]
impl<T: Default> Holder<T> {
    #[action]
    fn clear(&mut self) {
        self.value = T::default();
    }
}

fn main() {}
