use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("message:new")]
    MessageNew(String),
}

#[live_room(prefix = "chat", events = ChatEvent, presence, presence_by = table, presence)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Chat {
    pub count: u32,
}

#[live_room]
impl Chat {}

fn main() {}
