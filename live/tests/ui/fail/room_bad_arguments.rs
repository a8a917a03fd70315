use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("message:new")]
    MessageNew(String),
}

#[live_room(prefix = "chat", events = ChatEvent, max_members = 0, prefix = "again")]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Zero {
    pub count: u32,
}

#[live_room(prefix = "chat2", events = ChatEvent, max_members = "ten")]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct NotANumber {
    pub count: u32,
}

#[live_room]
impl NotANumber {}

#[live_room(prefix = "chat3", events = ChatEvent, codec = "json")]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct CodecString {
    pub count: u32,
}

#[derive(Debug)]
pub struct NotACodec;

#[live_room(prefix = "chat4", events = ChatEvent, codec = NotACodec)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct BadCodec {
    pub count: u32,
}

fn main() {}
