use live::prelude::*;
use live::room::RoomEvent;
use serde::{Deserialize, Serialize};

#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    #[event("message:new")]
    MessageNew(String),
    #[event("typing", from_client)]
    Typing(bool),
    #[event("seen", from_client,)]
    Seen,
}

#[live_room(prefix = "chat", events = ChatEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ChatRoom {
    pub typing: Vec<String>,
}

#[live_room]
impl ChatRoom {
    fn on_event(&mut self, event: &ChatEvent, sender: &EventSender) {
        if let (ChatEvent::Typing(true), Some(user)) = (event, sender.user_id()) {
            self.typing.push(user.to_owned());
        }
    }
}

fn main() {
    assert_eq!(ChatEvent::NAMES, ["message:new", "typing", "seen"]);
    assert_eq!(ChatEvent::CLIENT_NAMES, ["typing", "seen"]);
}
