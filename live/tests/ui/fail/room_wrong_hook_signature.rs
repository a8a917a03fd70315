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

#[live_room]
impl ChatRoom {
    fn on_create(&mut self, room_id: String) {
        let _ = room_id;
    }

    async fn on_join(&mut self, join: &mut JoinInfo) -> Result<bool, RoomError> {
        let _ = join;
        Ok(true)
    }

    fn on_leave(&mut self) -> u32 {
        self.count
    }

    fn on_destroy(self, force: bool) -> Option<bool> {
        Some(force)
    }

    fn on_event(&mut self, event: ChatEvent, sender: &EventSender, extra: u8) -> bool {
        let _ = (event, sender, extra);
        true
    }
}

fn main() {}
