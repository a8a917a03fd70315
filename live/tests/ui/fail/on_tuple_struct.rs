use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Counter(i64);

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Empty;

fn main() {}
