//! A room without hooks, codecs, a limit from a constant, and hooks with the lenient returns.
use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_room]
#[derive(Debug, Clone)]
pub enum PingEvent {
    #[event("ping")]
    Ping,
}

/// No hooks at all: the impl block is still needed, empty.
#[live_room(prefix = "lobby", events = PingEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Lobby {}

#[live_room]
impl Lobby {}

const LIMIT: usize = 8;

/// `codec = json`, a limit from a constant, an events path, every hook but one.
#[live_room(prefix = "game.v2-x_1", events = self::PingEvent, max_members = LIMIT, codec = json)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Game {
    pub players: u32,
    pub log: Vec<String>,
}

#[live_room]
impl Game {
    fn on_join(&mut self, _join: &live::room::JoinInfo) {
        self.players += 1;
    }

    fn on_destroy(&mut self) {
        self.log.push("destroy".into());
    }

    /// Not a hook: a plain method stays as written.
    fn helper(&self) -> u32 {
        self.players
    }
}

/// A custom codec.
#[derive(Debug)]
pub struct Upper;

impl live::room::RoomCodec for Upper {
    fn encode(value: &serde_json::Value) -> Vec<u8> {
        value.to_string().to_uppercase().into_bytes()
    }
}

#[live_room(prefix = "custom", events = PingEvent, codec = Upper)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Custom {
    pub n: u8,
}

#[live_room]
impl Custom {}

#[live_room(codec = msgpack, events = PingEvent, prefix = "packed")]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Packed {
    pub n: u8,
}

#[live_room]
impl Packed {}

fn main() {
    assert_eq!(Lobby::PREFIX, "lobby");
    assert_eq!(Lobby::MAX_MEMBERS, None);
    let mut lobby = Lobby::default();
    assert!(LiveRoom::on_destroy(&mut lobby));

    assert_eq!(Game::PREFIX, "game.v2-x_1");
    assert_eq!(Game::MAX_MEMBERS, Some(8));
    let mut game = Game::default();
    let join = JoinInfo {
        component_id: "c".into(),
        identity: Identity::anonymous(),
        payload: serde_json::Value::Null,
    };
    assert_eq!(LiveRoom::on_join(&mut game, &join), Ok(()));
    assert_eq!(game.helper(), 1);
    assert!(LiveRoom::on_destroy(&mut game));
    assert_eq!(game.log, ["destroy"]);

    let value = serde_json::json!({ "a": "b" });
    assert_eq!(Game::encode_payload(&value), br#"{"a":"b"}"#);
    assert_eq!(Custom::encode_payload(&value), br#"{"A":"B"}"#);
    assert_eq!(
        Packed::encode_payload(&value),
        Lobby::encode_payload(&value)
    );
    assert_eq!(
        Packed::encode_payload(&value),
        [0x81, 0xa1, b'a', 0xa1, b'b']
    );
}
