use live::prelude::*;

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("message:new")]
    MessageNew(String),
    #[event("message:new")]
    MessageEdited(String),
}

fn main() {}
