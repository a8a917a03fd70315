use live::prelude::*;

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("message:new")]
    MessageNew(String),
    Cleared,
    Reset(u8),
}

fn main() {}
