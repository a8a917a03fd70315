use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub enum Light {
    #[default]
    Off,
    On,
}

fn main() {}
