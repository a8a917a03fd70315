use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("message:new")]
    MessageNew(String),
}

#[live_room(prefix = "chat", events = ChatEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ChatRoom {
    pub count: u32,
}

pub trait Reset {
    fn reset(&mut self);
}

#[live_room]
impl Reset for ChatRoom {
    fn reset(&mut self) {
        self.count = 0;
    }
}

fn main() {}
