use live::prelude::*;

#[derive(Debug, Clone)]
pub struct Opaque;

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("opaque")]
    Opaque(Opaque),
}

fn main() {}
