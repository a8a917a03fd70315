//! The macros derive `TS` themselves: a `TS` derive of the user's (the old `cfg_attr` pair
//! included) is reported instead of becoming a conflicting impl.
use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live::data]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(live::TS))]
#[cfg_attr(feature = "typescript", ts(crate = "live::typescript::ts_rs"))]
pub struct ChatMessage {
    pub text: String,
}

#[live_component]
#[derive(Debug, Default, Serialize, Deserialize, live::TS)]
pub struct Counter {
    pub count: i64,
}

#[live_room(prefix = "chat", events = ChatEvent)]
#[cfg_attr(all(), derive(live::TS))]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ChatRoom {
    pub messages: Vec<ChatMessage>,
}

fn main() {}
