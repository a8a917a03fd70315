//! The chat room example: events enum, state struct and hooks, all through `#[live_room]`;
//! the payload types are `#[live::data]` (the state holds `ChatMessage`).
use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live::data]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub from: String,
    pub text: String,
    pub timestamp: u64,
}

#[live::data]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserJoined {
    pub name: String,
}

#[live_room]
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    #[event("message:new")]
    MessageNew(ChatMessage),
    #[event("user:joined")]
    UserJoined(UserJoined),
    #[event("room:cleared")]
    Cleared,
}

#[live_room(prefix = "chat", events = ChatEvent, max_members = 100)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatRoom {
    pub messages: Vec<ChatMessage>,
    pub user_count: u32,
    pub created: Option<String>,
}

#[live_room]
impl ChatRoom {
    fn on_create(&mut self, room_id: &str) {
        self.created = Some(room_id.to_owned());
    }

    fn on_join(&mut self, join: &JoinInfo) -> Result<(), RoomError> {
        if join.component_id == "banned" {
            return Err(RoomError::new("banned"));
        }
        self.user_count += 1;
        Ok(())
    }

    fn on_leave(&mut self, _leave: &LeaveInfo) {
        self.user_count -= 1;
    }

    fn on_destroy(&mut self) -> bool {
        self.messages.is_empty()
    }
}

fn join(component_id: &str) -> JoinInfo {
    JoinInfo {
        component_id: component_id.to_owned(),
        identity: Identity::anonymous(),
        payload: serde_json::Value::Null,
    }
}

fn main() -> Result<(), serde_json::Error> {
    assert_eq!(<ChatRoom as LiveRoom>::PREFIX, "chat");
    assert_eq!(<ChatRoom as LiveRoom>::MAX_MEMBERS, Some(100));
    assert_eq!(
        <<ChatRoom as LiveRoom>::Event as RoomEvent>::NAMES,
        ["message:new", "user:joined", "room:cleared"]
    );

    let descriptor = live::room::RoomDescriptor::of::<ChatRoom>();
    assert_eq!(descriptor.prefix(), "chat");
    assert_eq!(descriptor.events(), ChatEvent::NAMES);
    assert_eq!(descriptor.max_members(), Some(100));

    let mut room = ChatRoom::default();
    LiveRoom::on_create(&mut room, "chat:lobby");
    assert_eq!(room.created.as_deref(), Some("chat:lobby"));
    assert_eq!(LiveRoom::on_join(&mut room, &join("c1")), Ok(()));
    assert_eq!(
        LiveRoom::on_join(&mut room, &join("banned")),
        Err(RoomError::new("banned"))
    );
    assert_eq!(room.user_count, 1);
    LiveRoom::on_leave(
        &mut room,
        &LeaveInfo {
            component_id: "c1".to_owned(),
            reason: LeaveReason::Disconnect,
        },
        (),
    );
    assert_eq!(room.user_count, 0);
    assert!(LiveRoom::on_destroy(&mut room));
    room.messages.push(ChatMessage {
        from: "a".into(),
        text: "hi".into(),
        timestamp: 1,
    });
    assert!(!LiveRoom::on_destroy(&mut room));

    // The default codec is msgpack: `{"a": 1}` is a fixmap of one entry.
    let encoded = ChatRoom::encode_payload(&serde_json::json!({ "a": 1 }));
    assert_eq!(encoded, [0x81, 0xa1, b'a', 0x01]);

    // The state is the struct's serde form.
    let state = serde_json::to_value(&room)?;
    assert_eq!(state["userCount"], 0);
    Ok(())
}
