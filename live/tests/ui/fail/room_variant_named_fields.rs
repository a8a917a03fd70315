use live::prelude::*;

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("message:new")]
    MessageNew { from: String, text: String },
}

fn main() {}
