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
pub struct ChatRoom(u32, String);

#[live_room(prefix = "unit", events = ChatEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct UnitRoom;

fn main() {}
