use live::prelude::*;

#[live_room]
fn chat() {}

fn main() {}
