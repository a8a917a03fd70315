//! The generated `RoomEvent`: names, payloads, and decoding them back (errors included).
use live::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub from: String,
    pub text: String,
    pub timestamp: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserJoined {
    pub user_name: String,
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
    /// Doc comments and other attributes stay on the variant.
    #[event("count")]
    #[allow(dead_code)]
    Count(u64),
}

/// A room without events and without hooks.
#[live_room]
#[derive(Debug)]
pub enum NoEvents {}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    assert_eq!(
        ChatEvent::NAMES,
        ["message:new", "user:joined", "room:cleared", "count"]
    );
    assert!(NoEvents::NAMES.is_empty());

    let events = [
        ChatEvent::MessageNew(ChatMessage {
            from: "ana".into(),
            text: "hello".into(),
            timestamp: 42,
        }),
        ChatEvent::UserJoined(UserJoined {
            user_name: "bo".into(),
        }),
        ChatEvent::Cleared,
        ChatEvent::Count(7),
    ];
    for event in &events {
        let decoded = ChatEvent::decode(event.name(), event.payload()?)?;
        assert_eq!(&decoded, event);
    }

    assert_eq!(events[0].name(), "message:new");
    assert_eq!(
        events[0].payload()?,
        serde_json::json!({ "from": "ana", "text": "hello", "timestamp": 42 })
    );
    assert_eq!(
        events[1].payload()?,
        serde_json::json!({ "userName": "bo" })
    );
    assert_eq!(events[2].payload()?, serde_json::Value::Null);
    assert_eq!(events[3].payload()?, serde_json::json!(7));

    // A unit variant ignores whatever payload it is sent.
    assert_eq!(
        ChatEvent::decode("room:cleared", serde_json::json!({ "x": 1 }))?,
        ChatEvent::Cleared
    );

    let unknown = ChatEvent::decode("nope", serde_json::Value::Null);
    assert_eq!(unknown, Err(RoomError::new("Unknown event 'nope'")));
    assert_eq!(
        NoEvents::decode("x", serde_json::Value::Null).map(|_| ()),
        Err(RoomError::new("Unknown event 'x'"))
    );

    let invalid = ChatEvent::decode("count", serde_json::json!("seven"));
    let message = invalid.err().map(|error| error.message().to_owned());
    assert_eq!(
        message.as_deref(),
        Some("Invalid payload for event 'count': invalid type: string \"seven\", expected u64")
    );
    Ok(())
}
