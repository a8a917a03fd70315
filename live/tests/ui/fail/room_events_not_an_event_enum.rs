use live::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone)]
pub enum ChatEvent {
    MessageNew(String),
}

#[live_room(prefix = "chat", events = ChatEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ChatRoom {
    pub count: u32,
}

#[live_room]
impl ChatRoom {}

fn main() {}
