use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("a")]
    A(String, String),
    B,
    #[event("a")]
    C {
        x: u8,
    },
}

#[live_room(prefix = "bad:prefix", size = 2)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ChatRoom {
    pub count: u32,
}

fn main() {}
