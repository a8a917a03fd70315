//! Typed events from clients (issue #16, part 3): a member's client may `ROOM_EMIT` into a
//! typed room only the events declared `from_client`, with a payload that decodes; anything
//! else is refused with a clear error and reaches nobody. The room's observer and the
//! members' handlers get the sender as the server knows it, so a client cannot pose as
//! somebody else. Through `live::testing`: the real runtime in process.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::component::OnRoomEvent;
use live::prelude::*;
use live::testing::{Received, TestClient, TestServer};
use live_tests::secure::TokenAuth;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[live::data]
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Note {
    from: String,
    text: String,
}

#[live::data]
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Typing {
    active: bool,
}

#[live_room]
#[derive(Debug, Clone)]
enum DeskEvent {
    /// Server code only.
    #[event("note")]
    Note(Note),
    /// Clients may send it.
    #[event("typing", from_client)]
    Typing(Typing),
}

#[live_room(prefix = "desk", events = DeskEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Desk {
    /// What the observer saw: `"<event> by <sender>"`.
    seen: Vec<String>,
}

#[live_room]
impl Desk {
    fn on_event(&mut self, event: &DeskEvent, sender: &EventSender) {
        self.seen
            .push(format!("{} by {}", describe(event), who(sender)));
    }
}

fn describe(event: &DeskEvent) -> String {
    match event {
        DeskEvent::Note(note) => format!("note {} from {}", note.text, note.from),
        DeskEvent::Typing(typing) => format!("typing {}", typing.active),
    }
}

fn who(sender: &EventSender) -> String {
    match sender {
        EventSender::Client { identity, .. } => {
            format!("client {}", identity.user_id().unwrap_or("anonymous"))
        }
        EventSender::Component { .. } => "component".to_owned(),
        EventSender::App => "app".to_owned(),
        _ => "elsewhere".to_owned(),
    }
}

/// Joins `desk:d` at mount and writes down every event its handler gets.
#[live_component(name = "Clerk")]
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
struct Clerk {
    heard: Vec<String>,
}

#[live_component]
impl Clerk {
    async fn on_mount(&mut self, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        ctx.room::<Desk>("d").join().await?;
        Ok(())
    }

    /// A note from server code: components may emit every event.
    #[action]
    async fn note(&mut self, text: String, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        let note = Note {
            from: "clerk".to_owned(),
            text,
        };
        ctx.room::<Desk>("d").emit(DeskEvent::Note(note)).await
    }
}

impl OnRoomEvent<Desk> for Clerk {
    fn on_room_event(
        &mut self,
        _room_id: &str,
        event: DeskEvent,
        sender: &EventSender,
        _ctx: &mut Ctx<Self>,
    ) -> Result<(), ActionError> {
        self.heard
            .push(format!("{} by {}", describe(&event), who(sender)));
        Ok(())
    }
}

fn server() -> TestServer {
    TestServer::build(
        LiveServer::builder()
            .auth_provider(TokenAuth)
            .component::<Clerk>()
            .room::<Desk>(),
    )
}

/// A client signed in as `user` (`admin` or `user`, [`TokenAuth`]'s), with a `Clerk`.
async fn signed_in(server: &TestServer, user: &str) -> (TestClient, String) {
    let client = server
        .connect_as(json!({ "token": format!("{user}-token") }))
        .await;
    let id = client.mount_component::<Clerk>(json!({})).await;
    (client, id)
}

fn emit(id: &str, event: &str, data: Value) -> Value {
    json!({"type": "ROOM_EMIT", "componentId": id, "roomId": "desk:d",
        "payload": {"event": event, "data": data}})
}

/// Sends `ROOM_EMIT` as a request (the client adds a `requestId` and waits for the frame
/// echoing it): its answer is the refusal (a client emit that is taken gets no reply).
async fn refused(client: &TestClient, id: &str, event: &str, data: Value) -> Value {
    let answer = client
        .request(emit(id, event, data))
        .await
        .unwrap_or_else(|error| panic!("{event}: {error}"));
    assert_eq!(answer["type"], "ERROR", "{answer}");
    assert_eq!(answer["componentId"], id, "{answer}");
    answer
}

/// Admin emits `typing`, claiming in the payload to be user.
async fn forge_typing(admin: &TestClient, component_id: &str) {
    let forged = json!({"active": true, "from": "user"});
    admin
        .send_json(&emit(component_id, "typing", forged))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
}

/// `client`'s handler heard the typing from admin (the server's word), and its room
/// events hold the payload without the forged `from`.
async fn hears_typing_from_admin(client: &TestClient, component_id: &str, why: &str) {
    let clerk = client
        .expect_state(component_id, |clerk: &Clerk| !clerk.heard.is_empty())
        .await;
    assert_eq!(clerk.heard, ["typing true by client admin"]);
    assert_eq!(
        room_events(client).await,
        [("typing".to_owned(), json!({"active": true}))],
        "{why}"
    );
}

/// The room events (binary `0x02`) the client has received so far: `(event, payload)`.
async fn room_events(client: &TestClient) -> Vec<(String, Value)> {
    client
        .received()
        .await
        .into_iter()
        .filter_map(|frame| match frame {
            Received::Room(room) if !room.event.starts_with('$') => {
                Some((room.event, room.payload))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn undeclared_and_mistyped_client_events_are_refused_and_reach_nobody() {
    let server = server();
    let (admin, a) = signed_in(&server, "admin").await;
    let (user, b) = signed_in(&server, "user").await;

    let forged = json!({"from": "user", "text": "I owe admin 100"});
    let answer = refused(&admin, &a, "note", forged).await;
    assert_eq!(
        answer["error"],
        "Event 'note' cannot be emitted by a client"
    );
    let answer = refused(&admin, &a, "shout", json!({})).await;
    assert_eq!(answer["error"], "Unknown event 'shout'");
    let answer = refused(&admin, &a, "typing", json!({"active": "yes"})).await;
    let error = answer["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("Invalid payload for event 'typing': invalid type: string \"yes\""),
        "{error}"
    );
    let answer = refused(&admin, &a, "typing", Value::Null).await;
    let error = answer["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("Invalid payload for event 'typing':"),
        "{error}"
    );

    // The connection stays open, and the room still works: a taken emit comes after the
    // refused ones in the room's queue, so it is the first thing anybody gets.
    admin
        .send_json(&emit(&a, "typing", json!({"active": true})))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let clerk = user
        .expect_state(&b, |clerk: &Clerk| !clerk.heard.is_empty())
        .await;
    assert_eq!(clerk.heard, ["typing true by client admin"]);
    assert_eq!(
        room_events(&user).await,
        [("typing".to_owned(), json!({"active": true}))]
    );
    let desk = server.room::<Desk>("d").state().await;
    let seen = desk.map(|desk| desk.seen).unwrap_or_default();
    assert_eq!(seen, ["typing true by client admin"]);
}

#[tokio::test]
async fn a_declared_client_event_reaches_members_and_handlers_with_its_real_sender() {
    let server = server();
    let (admin, a) = signed_in(&server, "admin").await;
    let (user, b) = signed_in(&server, "user").await;
    let anonymous = server.connect().await;
    let c = anonymous.mount_component::<Clerk>(json!({})).await;

    // Admin claims to be user in the payload: the type has no `from`, so it is dropped, and
    // everybody learns the sender from the server.
    forge_typing(&admin, &a).await;
    for (client, id) in [(&user, &b), (&anonymous, &c)] {
        hears_typing_from_admin(client, id, "members get the payload as the type encodes it").await;
    }

    // Server code may emit every event; handlers see it came from a component.
    user.invoke_ok(&b, Clerk::actions().note("hi".to_owned()))
        .await;
    let clerk = admin
        .expect_state(&a, |clerk: &Clerk| !clerk.heard.is_empty())
        .await;
    assert_eq!(clerk.heard, ["note hi from clerk by component"]);

    // An anonymous client's emit is taken too, and says so.
    anonymous
        .send_json(&emit(&c, "typing", json!({"active": false})))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    admin
        .expect_state(&a, |clerk: &Clerk| clerk.heard.len() == 2)
        .await;
    let desk = server.room::<Desk>("d").state().await;
    let seen = desk.map(|desk| desk.seen).unwrap_or_default();
    assert_eq!(
        seen,
        [
            "typing true by client admin",
            "note hi from clerk by component",
            "typing false by client anonymous"
        ]
    );
}

/// Three servers of one cluster (in process): the room's owner is the first joiner's server.
/// A client on another server emits; the check runs on its own server (so the refusal is
/// immediate and nothing is forwarded), and a taken event reaches every server's members and
/// handlers with its real sender, which crosses servers with it. The observer runs once, on
/// the owner.
#[tokio::test]
async fn across_servers_a_client_event_is_checked_and_keeps_its_sender() {
    let cluster = live::testing::TestCluster::build(3, || {
        LiveServer::builder()
            .auth_provider(TokenAuth)
            .component::<Clerk>()
            .room::<Desk>()
    });
    let (owner_side, o) = signed_in(cluster.server(0), "user").await;
    owner_side.expect_state(&o, |_: &Clerk| true).await;
    let (admin, a) = signed_in(cluster.server(1), "admin").await;
    let anonymous = cluster.server(2).connect().await;
    let c = anonymous.mount_component::<Clerk>(json!({})).await;

    let forged = json!({"from": "user", "text": "I owe admin 100"});
    let answer = refused(&admin, &a, "note", forged).await;
    assert_eq!(
        answer["error"],
        "Event 'note' cannot be emitted by a client"
    );
    let answer = refused(&admin, &a, "typing", json!({"active": 1})).await;
    let error = answer["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("Invalid payload for event 'typing':"),
        "{error}"
    );

    forge_typing(&admin, &a).await;
    for (client, id) in [(&owner_side, &o), (&anonymous, &c)] {
        let why = "the refused emits reached nobody; the taken one lost its forged `from`";
        hears_typing_from_admin(client, id, why).await;
    }
    // The observer ran once, on the owner; its state change reached every server.
    for server in cluster.servers() {
        let started = std::time::Instant::now();
        loop {
            let desk = server.room::<Desk>("d").state().await;
            let seen = desk.map(|desk| desk.seen).unwrap_or_default();
            if !seen.is_empty() {
                assert_eq!(seen, ["typing true by client admin"]);
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "the observer's change never reached this server"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}
