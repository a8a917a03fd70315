use live::prelude::*;

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("typing", from_server)]
    Typing,
    #[event("seen", from_client, from_client)]
    Seen,
    #[event("said", "from_client")]
    Said,
}

fn main() {}
