use live::prelude::*;

#[live_room(prefix = "chat")]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event]
    A,
    #[event(name = "b")]
    B,
    #[event = "c"]
    C,
    #[event("")]
    D,
    #[event("$state:update")]
    E,
    #[event("f")]
    #[event("g")]
    F,
}

fn main() {}
