use live::prelude::*;
use serde::{Deserialize, Serialize};

// Nothing the binary codec carries: `binary_delta` would change nothing.
#[live_component(binary_delta)]
#[derive(Default, Serialize, Deserialize)]
pub struct Board {
    pub notes: Vec<String>,
    pub owner: Option<String>,
    #[serde(skip)]
    pub hidden: u32,
}

#[live_component]
impl Board {}

// Given twice, and with a value.
#[live_component(binary_delta, binary_delta)]
#[derive(Default, Serialize, Deserialize)]
pub struct Twice {
    pub count: u32,
}

#[live_component]
impl Twice {}

#[live_component(binary_delta = true)]
#[derive(Default, Serialize, Deserialize)]
pub struct Valued {
    pub count: u32,
}

#[live_component]
impl Valued {}

fn main() {}
