//! Test rooms and a component that uses them, written without the macros (the manual path).

use live::component::OnRoomEvent;
use live::prelude::*;
use live::room::{JoinInfo, LeaveInfo, LiveRoom, RoomError, RoomEvent};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A typed room: at most 3 members; refuses joiners named "banned".
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Lobby {
    /// Set by `update`.
    pub topic: String,
    /// Current member count (kept by the hooks).
    pub members: u32,
    /// Why members left, in order.
    pub departures: Vec<String>,
}

/// `Lobby`'s events.
#[derive(Debug, Clone, PartialEq)]
pub enum LobbyEvent {
    /// `said`: `{from, text}`.
    Said {
        /// Who.
        from: String,
        /// What.
        text: String,
    },
}

impl RoomEvent for LobbyEvent {
    const NAMES: &'static [&'static str] = &["said"];

    fn name(&self) -> &'static str {
        "said"
    }

    fn payload(&self) -> Result<Value, serde_json::Error> {
        let Self::Said { from, text } = self;
        Ok(json!({"from": from, "text": text}))
    }

    fn decode(name: &str, payload: Value) -> Result<Self, RoomError> {
        if name != "said" {
            return Err(RoomError::new(format!("Unknown event '{name}'")));
        }
        let text = |key: &str| {
            payload
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Ok(Self::Said {
            from: text("from"),
            text: text("text"),
        })
    }
}

impl LiveRoom for Lobby {
    const PREFIX: &'static str = "lobby";
    const MAX_MEMBERS: Option<usize> = Some(3);
    type Event = LobbyEvent;
    type Membership = ();
    type Presence = ();

    fn on_join(&mut self, join: &JoinInfo) -> Result<(), RoomError> {
        if join.payload.get("name").and_then(Value::as_str) == Some("banned") {
            return Err(RoomError::new("banned users stay out"));
        }
        self.members += 1;
        Ok(())
    }

    fn on_leave(&mut self, leave: &LeaveInfo, _membership: ()) {
        self.members = self.members.saturating_sub(1);
        self.departures.push(leave.reason.as_str().to_owned());
    }
}

/// A component that joins lobbies, talks, and hears.
#[live_component(name = "Chatter")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Chatter {
    /// Everything heard through the typed handler, as "from: text".
    pub heard: Vec<String>,
}

#[live_component]
impl Chatter {
    /// Joins `lobby:<room>` as `name`; returns the member count.
    #[action]
    async fn enter(
        &mut self,
        room: String,
        name: String,
        ctx: &mut Ctx<Self>,
    ) -> Result<u32, ActionError> {
        let lobby = ctx
            .room::<Lobby>(&room)
            .join_with_payload(json!({ "name": name }))
            .await?;
        Ok(lobby.members)
    }

    /// Leaves `lobby:<room>`.
    #[action]
    async fn exit(&mut self, room: String, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        ctx.room::<Lobby>(&room).leave().await
    }

    /// Says something to the other members (or everybody with `all`).
    #[action]
    async fn say(
        &mut self,
        room: String,
        text: String,
        all: Option<bool>,
        ctx: &mut Ctx<Self>,
    ) -> Result<(), ActionError> {
        let event = LobbyEvent::Said {
            from: ctx.component_id().to_owned(),
            text,
        };
        let lobby = ctx.room::<Lobby>(&room);
        if all.unwrap_or(false) {
            lobby.emit_including_self(event).await
        } else {
            lobby.emit(event).await
        }
    }

    /// Sets the lobby's topic; returns the new state's topic.
    #[action]
    async fn topic(
        &mut self,
        room: String,
        topic: String,
        ctx: &mut Ctx<Self>,
    ) -> Result<String, ActionError> {
        let lobby = ctx
            .room::<Lobby>(&room)
            .update(move |lobby| lobby.topic = topic)
            .await?;
        Ok(lobby.topic)
    }

    /// Broadcasts to the default room.
    #[action]
    fn wave(&mut self, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        ctx.broadcast("wave", json!({"hello": true}))
    }
}

impl OnRoomEvent<Lobby> for Chatter {
    fn on_room_event(
        &mut self,
        _room_id: &str,
        event: LobbyEvent,
        _sender: &EventSender,
        _ctx: &mut Ctx<Self>,
    ) -> Result<(), ActionError> {
        let LobbyEvent::Said { from, text } = event;
        self.heard.push(format!("{from}: {text}"));
        Ok(())
    }
}
