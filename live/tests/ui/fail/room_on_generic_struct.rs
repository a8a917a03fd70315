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
pub struct ChatRoom<T> {
    pub items: Vec<T>,
}

#[live_room]
impl<T> ChatRoom<T> {}

#[live_room]
#[derive(Debug, Clone)]
pub enum GenericEvent<T> {
    #[event("item")]
    Item(T),
}

fn main() {}
