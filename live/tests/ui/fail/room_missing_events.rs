use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("message:new")]
    MessageNew(String),
}

#[live_room(prefix = "chat")]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ChatRoom {
    pub count: u32,
}

fn main() {}
