use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Profile {
    pub n: i64,
}

#[live_component]
impl Profile {
    #[upload]
    const LIMIT: i64 = 10;
}

fn main() {}
