use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("message:new")]
    MessageNew(String),
}

#[live_room(prefix = "chat:room", events = ChatEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Colon {
    pub count: u32,
}

#[live_room(prefix = "", events = ChatEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Empty {
    pub count: u32,
}

#[live_room(prefix = "my room", events = ChatEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Space {
    pub count: u32,
}

#[live_room(prefix = "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc", events = ChatEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct TooLong {
    pub count: u32,
}

fn main() {}
