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
    #[serde(skip)]
    pub moderators: Vec<String>,
}

#[live_room]
impl ChatRoom {
    fn on_join(&mut self, join: &JoinInfo) -> Seat {
        Seat { name: join.component_id.clone() }
    }

    fn on_leave(&mut self, _leave: &LeaveInfo, seat: Seat) {
        self.moderators.retain(|name| *name != seat.name);
    }

    fn on_event(&mut self, event: &ChatEvent) {
        let ChatEvent::MessageNew(_) = event;
        self.count += 1;
    }
}

fn main() {
    assert!(<ChatRoom as live::room::LiveRoom>::OBSERVES_EVENTS);
}
