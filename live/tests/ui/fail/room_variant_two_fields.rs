use live::prelude::*;

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("message:new")]
    MessageNew(String, u64),
    #[event("nothing")]
    Nothing(),
}

fn main() {}
