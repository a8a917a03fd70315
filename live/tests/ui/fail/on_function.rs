use live::prelude::*;

#[live_component]
fn counter() {}

fn main() {}
