//! A typed room's server-only data (§10.6): `#[serde(skip)]` fields (metadata, never sent),
//! a membership value per member handed back at leave, and the `on_event` observer.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::LiveServer;
use live::client::{LiveClient, RoomFrameKind, ServerFrame};
use live::component::OnRoomEvent;
use live::prelude::*;
use live::room::{JoinInfo, LeaveInfo, RoomError};
use live_tests::{connect, start};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[live::data]
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Line {
    text: String,
}

#[live_room]
#[derive(Debug, Clone)]
enum TalkEvent {
    #[event("line")]
    Said(Line),
}

/// What the room keeps for each member: never sent, handed back at leave.
#[derive(Debug, Default)]
struct Seat {
    name: String,
}

#[live_room(prefix = "talk", events = TalkEvent, membership = Seat)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Talk {
    /// Counted by the observer: members see it change.
    lines: u32,
    /// Server-only metadata: what the hooks saw.
    #[serde(skip)]
    journal: Vec<String>,
}

#[live_room]
impl Talk {
    fn on_join(&mut self, join: &JoinInfo) -> Result<Seat, RoomError> {
        let name = join.payload["name"].as_str().unwrap_or("?").to_owned();
        self.journal.push(format!("join {name}"));
        Ok(Seat { name })
    }

    fn on_leave(&mut self, leave: &LeaveInfo, seat: Seat) {
        self.journal
            .push(format!("leave {} ({})", seat.name, leave.reason.as_str()));
    }

    fn on_event(&mut self, event: &TalkEvent, sender: &EventSender) {
        let TalkEvent::Said(line) = event;
        self.lines += 1;
        self.journal.push(format!(
            "{} from {}",
            line.text,
            sender.component_id().is_some()
        ));
    }
}

#[live_component(name = "Talker")]
#[derive(Debug, Default, Serialize, Deserialize)]
struct Talker {}

#[live_component]
impl Talker {
    #[action]
    async fn enter(&mut self, name: String, ctx: &mut Ctx<Self>) -> Result<u32, ActionError> {
        let talk = ctx
            .room::<Talk>("t")
            .join_with_payload(json!({ "name": name }))
            .await?;
        Ok(talk.lines)
    }

    #[action]
    async fn say(&mut self, text: String, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        ctx.room::<Talk>("t")
            .emit_including_self(TalkEvent::Said(Line { text }))
            .await
    }

    #[action]
    async fn exit(&mut self, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        ctx.room::<Talk>("t").leave().await
    }

    /// The room's server-only journal, read on the server.
    #[action]
    async fn journal(&mut self, ctx: &mut Ctx<Self>) -> Result<Vec<String>, ActionError> {
        Ok(ctx.room::<Talk>("t").state().await?.journal)
    }
}

impl OnRoomEvent<Talk> for Talker {
    fn on_room_event(
        &mut self,
        _room: &str,
        _event: TalkEvent,
        _sender: &EventSender,
        _ctx: &mut Ctx<Self>,
    ) -> Result<(), ActionError> {
        Ok(())
    }
}

async fn call(client: &LiveClient, id: &str, action: &str, payload: Value) -> Option<Value> {
    client
        .call(id, action, payload)
        .await
        .unwrap_or_else(|error| panic!("{action}: {error}"))
}

/// Every frame the client has received so far, as text (binary frames decoded).
async fn drain(client: &LiveClient) -> String {
    let mut seen = String::new();
    while let Ok(Ok(frame)) =
        tokio::time::timeout(std::time::Duration::from_millis(200), client.next_frame()).await
    {
        match frame {
            ServerFrame::Json(value) => seen.push_str(&value.to_string()),
            ServerFrame::Binary(bytes) => match live::client::decode_room_frame(&bytes) {
                Ok(room) => seen.push_str(&format!("{} {}", room.event, room.payload)),
                Err(error) => panic!("undecodable binary frame: {error}"),
            },
            ServerFrame::Closed { .. } => break,
        }
    }
    seen
}

fn talk_server(builder: live::LiveServerBuilder) -> LiveServer {
    builder
        .component::<Talker>()
        .room::<Talk>()
        .build()
        .unwrap_or_else(|error| panic!("{error}"))
}

async fn mounted(client: &LiveClient) -> String {
    client
        .mount("Talker", Value::Null)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .id
}

#[tokio::test]
async fn server_only_data_stays_on_the_server_and_the_observer_sees_every_emit() {
    let running = start(&talk_server(LiveServer::builder())).await;
    let ann = connect(&running).await;
    let bob = connect(&running).await;
    let a = mounted(&ann).await;
    let b = mounted(&bob).await;

    assert_eq!(
        call(&ann, &a, "enter", json!({"name": "ann"})).await,
        Some(json!(0))
    );
    assert_eq!(
        call(&bob, &b, "enter", json!({"name": "bob"})).await,
        Some(json!(0))
    );
    call(&bob, &b, "say", json!({"text": "hello"})).await;

    // The observer ran before the event went out: its state change reaches every member.
    let mut delta = None;
    for _ in 0..8 {
        let frame = ann
            .next_room_frame()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if frame.kind == RoomFrameKind::State {
            delta = Some(frame.payload);
            break;
        }
    }
    assert_eq!(delta, Some(json!({"state": {"lines": 1}})));

    // App code emits without a sender; the observer sees that too.
    running
        .handle()
        .room::<Talk>("t")
        .emit(TalkEvent::Said(Line {
            text: "news".into(),
        }))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    call(&bob, &b, "exit", Value::Null).await;
    // Nothing server-only was sent: not the journal, not the membership.
    let seen = format!("{}{}", drain(&ann).await, drain(&bob).await);
    assert!(seen.contains("$sub:leave"), "{seen}");
    assert!(
        !seen.contains("journal") && !seen.contains("join ann"),
        "{seen}"
    );

    // The server reads it typed; the leave hook got bob's seat back.
    let journal = call(&ann, &a, "journal", Value::Null).await;
    assert_eq!(
        journal,
        Some(json!([
            "join ann",
            "join bob",
            "hello from true",
            "news from false",
            "leave bob (leave)"
        ]))
    );
}

/// On a cluster the room has one owner (the first server here), which runs every hook: a
/// state change relayed to another server rebuilds that server's copy from JSON, and the
/// owner's server-only fields keep every member's join.
#[tokio::test]
async fn server_only_fields_survive_a_state_change_from_another_server() {
    let cluster = live::cluster::InProcessCluster::new();
    let first = start(&talk_server(LiveServer::builder().cluster(cluster.clone()))).await;
    let second = start(&talk_server(LiveServer::builder().cluster(cluster.join()))).await;
    let ann = connect(&first).await;
    let bob = connect(&second).await;
    let a = mounted(&ann).await;
    let b = mounted(&bob).await;
    call(&ann, &a, "enter", json!({"name": "ann"})).await;
    call(&bob, &b, "enter", json!({"name": "bob"})).await;
    // Let the second server's room subscription settle (in memory it is immediate).
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    call(&ann, &a, "say", json!({"text": "hi"})).await;
    // Bob's server applies the first server's change (`lines` becomes 1) ...
    let mut lines = None;
    for _ in 0..8 {
        let frame = bob
            .next_room_frame()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if frame.kind == RoomFrameKind::State {
            lines = Some(frame.payload);
            break;
        }
    }
    assert_eq!(lines, Some(json!({"state": {"lines": 1}})));
    // ... while the owner ran both joins and the observer, once each, and keeps its journal.
    let journal = call(&ann, &a, "journal", Value::Null).await;
    assert_eq!(
        journal,
        Some(json!(["join ann", "join bob", "hi from true"]))
    );
}
