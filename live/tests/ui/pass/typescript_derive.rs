//! TypeScript without plumbing: with `live`'s feature `typescript`, `#[live::data]` types and
//! the state structs of `#[live_component]` and `#[live_room]` implement `live::TS` (reading
//! serde's and ts-rs's attributes); without it they are left as written, minus `#[ts(...)]`.
use live::prelude::*;
use serde::{Deserialize, Serialize};

/// Sent as a string; has no TypeScript description of its own.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stamp(String);

/// A payload type.
#[live::data]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    pub sent_by: String,
    #[ts(type = "string")]
    pub sent_at: Stamp,
}

/// An enum, renamed for TypeScript only.
#[live::data]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(rename = "Feeling")]
pub enum Mood {
    Happy,
    NotSure { why: String },
}

/// A generic type.
#[live::data]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
}

#[live_component]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Inbox {
    pub messages: Vec<ChatMessage>,
    pub mood: Option<Mood>,
    /// Never sent: needs no TypeScript description.
    #[serde(skip)]
    pub opened_at: Option<std::time::Instant>,
}

#[live_component]
impl Inbox {
    #[action]
    fn page(&self) -> Page<ChatMessage> {
        let _ = self.opened_at;
        Page {
            items: self.messages.clone(),
        }
    }
}

#[live_room]
#[derive(Debug, Clone)]
pub enum InboxEvent {
    #[event("message:new")]
    MessageNew(ChatMessage),
}

#[live_room(prefix = "inbox", events = InboxEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxRoom {
    pub unread_count: u32,
}

#[live_room]
impl InboxRoom {}

#[cfg(feature = "typescript")]
fn main() {
    use live::TS;
    let cfg = live::typescript::config();
    let declarations = [
        ChatMessage::decl(&cfg),
        Mood::decl(&cfg),
        Page::<ChatMessage>::decl(&cfg),
        Inbox::decl(&cfg),
        InboxRoom::decl(&cfg),
    ];
    assert_eq!(
        declarations,
        [
            "type ChatMessage = { sentBy: string, sentAt: string, };",
            "type Feeling = { \"kind\": \"happy\" } | { \"kind\": \"not_sure\", why: string, };",
            "type Page<T> = { items: Array<T>, };",
            "type Inbox = { messages: Array<ChatMessage>, mood: Feeling | null, };",
            "type InboxRoom = { unreadCount: number, };",
        ]
    );
}

#[cfg(not(feature = "typescript"))]
fn main() {}
