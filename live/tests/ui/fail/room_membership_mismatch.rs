use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("message:new")]
    MessageNew(String),
}

#[derive(Debug, Default)]
pub struct Seat {
    pub name: String,
}

#[live_room(prefix = "chat", events = ChatEvent, membership = Seat)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ChatRoom {
    pub count: u32,
}

#[live_room]
impl ChatRoom {
    // The membership is a `Seat`, not a `u8`.
    fn on_join(&mut self, _join: &JoinInfo) -> Result<u8, RoomError> {
        Ok(0)
    }

    fn on_leave(&mut self, _leave: &LeaveInfo, seat: u32) {
        let _ = seat;
    }
}

fn main() {}
