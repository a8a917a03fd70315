//! Snapshot of the generated TypeScript for a set of components and rooms that use every
//! serde attribute the wire shape depends on, plus the JSON those types actually serialize
//! to, typed with the generated declarations, so `npm run typecheck` (in `clients/`) proves
//! that the declarations match the JSON.
//!
//! The two files live in `clients/client/test/types/`; run with `UPDATE_EXPECT=1` to rewrite
//! them after an intended change.

use live::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A user's profile: `rename_all`, `rename`, `skip`, `Option`, an omittable field and
/// `flatten`.
#[live::data]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Renamed field.
    #[serde(rename = "id")]
    pub user_id: u64,
    /// camelCase on the wire.
    pub display_name: String,
    /// Never sent.
    #[serde(skip)]
    pub password_hash: String,
    /// `string | null`.
    pub nickname: Option<String>,
    /// Left out when `None`: `avatar?: string`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Its fields appear at this level.
    #[serde(flatten)]
    pub meta: Meta,
}

/// Flattened into [`Profile`].
#[live::data]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// A 64-bit integer: `number`.
    pub created_at: i64,
    /// Keyed values.
    pub scores: BTreeMap<String, i32>,
}

/// Externally tagged (serde's default).
#[live::data]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Shape {
    /// `{ "Circle": { "radius": 1 } }`
    Circle {
        /// Radius.
        radius: f64,
    },
    /// `{ "Square": 2 }`
    Square(f64),
    /// `"Empty"`
    Empty,
}

/// Adjacently tagged, variants renamed.
#[live::data]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Command {
    /// `{ "kind": "move_to", "data": [1, 2] }`
    MoveTo(i32, i32),
    /// `{ "kind": "say", "data": "hi" }`
    Say(String),
    /// `{ "kind": "stop" }`
    Stop,
}

/// Internally tagged.
#[live::data]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Status {
    /// `{ "type": "online", "since": 1 }`
    Online {
        /// Since when.
        since: u64,
    },
    /// `{ "type": "away-from-keyboard" }`
    AwayFromKeyboard,
}

/// Untagged.
#[live::data]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Score {
    /// `3`
    Points(u32),
    /// `"n/a"`
    Label(String),
}

/// A generic type, used with two arguments.
#[live::data]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    /// This page.
    pub items: Vec<T>,
    /// All pages.
    pub total: u64,
}

/// The board's state.
#[live_component(name = "task-board")]
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskBoard {
    /// Who is here.
    pub members: Vec<Profile>,
    /// Last status.
    pub last_status: Option<Status>,
    /// Anything.
    pub extra: serde_json::Value,
}

#[live_component]
impl TaskBoard {
    /// Named arguments, one optional.
    #[action]
    fn invite(
        &mut self,
        user: Profile,
        note: Option<String>,
    ) -> Result<Page<Profile>, ActionError> {
        let _ = note;
        self.members.push(user);
        Ok(Page {
            items: self.members.clone(),
            total: 1,
        })
    }

    /// Only optional arguments: the whole payload may be left out.
    #[action(name = "listByTag")]
    fn list(&mut self, tag: Option<String>, limit: Option<u32>) -> Page<String> {
        let _ = (tag, limit);
        Page {
            items: Vec::new(),
            total: 0,
        }
    }

    /// The whole payload.
    #[action]
    async fn command(
        &mut self,
        #[payload] command: Command,
        ctx: &mut Ctx<Self>,
    ) -> Result<(), ActionError> {
        let _ = (command, ctx);
        Ok(())
    }

    /// A raw identifier, an enum argument, a unit result.
    #[action]
    fn draw(&mut self, r#type: Shape, score: Score) {
        let _ = (r#type, score);
    }

    /// A JSON result.
    #[action]
    fn dump(&self) -> serde_json::Value {
        self.extra.clone()
    }

    /// An optional payload.
    #[action]
    fn mark(&mut self, #[payload] status: Option<Status>) -> Option<Status> {
        self.last_status = status;
        self.last_status.clone()
    }
}

/// A state struct already named like the generated alias (`NotesState`): no alias.
#[live_component(name = "Notes", singleton)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct NotesState {
    /// The notes.
    pub notes: Vec<String>,
}

#[live_component]
impl NotesState {
    /// A text file becomes a note (typed as `uploads` in the registry).
    #[upload(accept = ["text/plain", "text/markdown"], max_size = "1MiB")]
    fn attach(&mut self, file: UploadedFile) {
        self.notes.push(file.name().to_owned());
    }
}

/// Binary deltas: `LiveBinaryDeltas` lists the codec fields, in order, by their wire names.
#[live_component(name = "Gauge", binary_delta)]
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gauge {
    /// `float32`.
    pub level_now: f32,
    /// Not carried: JSON.
    pub history: Vec<f64>,
    /// `uint8`.
    #[serde(rename = "pct")]
    pub percent: u8,
    /// `float64` (a 64-bit integer).
    pub samples: u64,
    /// `string`.
    pub unit: String,
}

#[live_component]
impl Gauge {}

/// The game room's events: a unit event, payloads of several kinds, one a client may emit.
#[live_room]
#[derive(Debug, Clone)]
pub enum GameEvent {
    /// A shape was drawn (clients may send it).
    #[event("shape:drawn", from_client)]
    Drawn(Shape),
    /// Scores changed.
    #[event("scores")]
    Scores(BTreeMap<String, Score>),
    /// The round ended (payload `null`).
    #[event("round:end")]
    RoundEnd,
}

/// A room whose prefix is not an identifier.
#[live_room(prefix = "game.v2", events = GameEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct GameRoom {
    /// Players by id.
    pub players: BTreeMap<String, Profile>,
    /// Current round.
    pub round: u16,
}

#[live_room]
impl GameRoom {}

fn types_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../clients/client/test/types")
}

/// Compares `contents` with the committed file, or rewrites it with `UPDATE_EXPECT=1`.
fn expect_file(name: &str, contents: &str) {
    let path = types_dir().join(name);
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|value| value == "1");
    match live_codegen::sync_file(&path, contents, !update) {
        Ok(_) => {}
        Err(error) => panic!(
            "{error}\n\nrun `UPDATE_EXPECT=1 cargo test -p live-codegen --test registry` to \
             accept the new output (and review the diff)\n\ngenerated:\n{contents}"
        ),
    }
}

#[test]
fn snapshot_of_the_generated_file() {
    let generated = live_codegen::generate();
    let typescript = match generated {
        Ok(typescript) => typescript,
        Err(error) => panic!("generation failed: {error}"),
    };
    assert!(typescript.starts_with("// Generated by cargo xtask gen-ts. Do not edit.\n"));
    // Deterministic: a second run gives the same bytes.
    assert_eq!(
        live_codegen::generate().ok().as_deref(),
        Some(typescript.as_str())
    );
    expect_file("generated-fixture.ts", &typescript);
}

/// `export const name: Type = <JSON as serde sends it>;`
fn typed_value(name: &str, ty: &str, value: &impl Serialize) -> String {
    let json = serde_json::to_string_pretty(value).unwrap_or_else(|error| panic!("{error}"));
    format!("export const {name}: {ty} = {json};\n")
}

#[test]
fn json_values_match_the_declarations() {
    let profile = Profile {
        user_id: 7,
        display_name: "Ana".into(),
        password_hash: "secret".into(),
        nickname: None,
        avatar: None,
        meta: Meta {
            created_at: 1_760_000_000_000,
            scores: BTreeMap::from([("chess".to_owned(), 3)]),
        },
    };
    let with_avatar = Profile {
        avatar: Some("a.png".into()),
        nickname: Some("an".into()),
        ..profile.clone()
    };
    let board = TaskBoard {
        members: vec![profile.clone()],
        last_status: Some(Status::Online { since: 5 }),
        extra: serde_json::json!({ "any": [1, "two", null] }),
    };
    let room = GameRoom {
        players: BTreeMap::from([("7".to_owned(), with_avatar.clone())]),
        round: 2,
    };
    let mut out = String::from(
        "// Generated by live-codegen's tests (tests/registry.rs): JSON as serde sends it,\n\
         // typed with generated-fixture.ts, so tsc proves the declarations match. Do not edit.\n\
         import type * as T from './generated-fixture.js'\n\
         import type { BinaryDeltaFields } from '../../src/index.js'\n\n\
         // The generated binary delta fields fit the client's `binaryDeltas` option.\n\
         export const binaryDeltas: BinaryDeltaFields = {} as typeof T.LiveBinaryDeltas\n\n",
    );
    out.push_str(&typed_value("profile", "T.Profile", &profile));
    out.push_str(&typed_value("profileWithAvatar", "T.Profile", &with_avatar));
    out.push_str(&typed_value("board", "T.TaskBoardState", &board));
    out.push_str(&typed_value(
        "notes",
        "T.NotesState",
        &NotesState {
            notes: vec!["x".into()],
        },
    ));
    out.push_str(&typed_value("room", "T.GameV2RoomState", &room));
    let shapes = [
        Shape::Circle { radius: 1.5 },
        Shape::Square(2.0),
        Shape::Empty,
    ];
    out.push_str(&typed_value("shapes", "T.Shape[]", &shapes));
    let commands = [
        Command::MoveTo(1, 2),
        Command::Say("hi".into()),
        Command::Stop,
    ];
    out.push_str(&typed_value("commands", "T.Command[]", &commands));
    let statuses = [Status::Online { since: 1 }, Status::AwayFromKeyboard];
    out.push_str(&typed_value("statuses", "T.Status[]", &statuses));
    let scores = [Score::Points(3), Score::Label("n/a".into())];
    out.push_str(&typed_value("scores", "T.Score[]", &scores));
    let page = Page {
        items: vec!["a".to_owned()],
        total: 1,
    };
    out.push_str(&typed_value(
        "listResult",
        "T.TaskBoardActions['listByTag']['result']",
        &page,
    ));
    out.push_str(&typed_value(
        "inviteArgs",
        "T.TaskBoardActions['invite']['args']",
        &serde_json::json!({ "user": profile }),
    ));
    out.push_str(&typed_value(
        "drawArgs",
        "T.TaskBoardActions['draw']['args']",
        &serde_json::json!({ "type": Shape::Empty, "score": Score::Points(1) }),
    ));
    out.push_str(&typed_value(
        "commandArgs",
        "T.TaskBoardActions['command']['args']",
        &Command::Say("go".into()),
    ));
    out.push_str(&typed_value(
        "scoresEvent",
        "T.GameV2RoomEvents['scores']",
        &BTreeMap::from([("ana".to_owned(), Score::Points(2))]),
    ));
    out.push_str(&typed_value(
        "roundEndEvent",
        "T.GameV2RoomEvents['round:end']",
        &serde_json::Value::Null,
    ));
    expect_file("generated-fixture-values.ts", &out);
}
