//! Room presence (PRESENCE_WIRE.md): who is in a typed room, with the metadata each member
//! set at join; one entry per user (several tabs share it) or per connection; the
//! `$presence:*` events; the same list from a component and from app code, on one server
//! and on every server of a cluster.

// `serde_json::Value` indexing returns `Null` for a missing key; it cannot panic.
#![allow(clippy::indexing_slicing)]

use live::client::RoomFrame;
use live::component::OnRoomEvent;
use live::prelude::*;
use live::room::PresenceEntry;
use live::testing::{TestClient, TestCluster, TestServer};
use live_tests::secure::TokenAuth;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

#[live_room]
#[derive(Debug, Clone)]
enum HallEvent {
    #[event("note")]
    Note(Badge),
}

/// A member's presence metadata.
#[live::data]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Badge {
    label: String,
}

/// Presence per user (the default).
#[live_room(prefix = "hall", events = HallEvent, presence = Badge)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Hall {}

#[live_room]
impl Hall {}

/// Presence per connection.
#[live_room(prefix = "crowd", events = HallEvent, presence = Badge, presence_by = connection)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Crowd {}

#[live_room]
impl Crowd {}

/// Joins `hall:main` (or `crowd:main` with `crowd: true`) with its label as metadata.
#[live_component(name = "Visitor")]
#[derive(Debug, Default, Serialize, Deserialize)]
struct Visitor {
    #[live(updatable)]
    label: String,
    #[live(updatable)]
    crowd: bool,
}

#[live_component]
impl Visitor {
    async fn on_mount(&mut self, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        let badge = Badge {
            label: self.label.clone(),
        };
        if self.crowd {
            ctx.room::<Crowd>("main").join_with_presence(badge).await?;
        } else {
            ctx.room::<Hall>("main").join_with_presence(badge).await?;
        }
        Ok(())
    }

    /// The room's presence list, as this server has it.
    #[action]
    async fn who(&mut self, ctx: &mut Ctx<Self>) -> Result<Vec<PresenceEntry<Badge>>, ActionError> {
        if self.crowd {
            ctx.room::<Crowd>("main").presence().await
        } else {
            ctx.room::<Hall>("main").presence().await
        }
    }
}

impl OnRoomEvent<Hall> for Visitor {
    fn on_room_event(
        &mut self,
        _: &str,
        _: HallEvent,
        _: &EventSender,
        _: &mut Ctx<Self>,
    ) -> Result<(), ActionError> {
        Ok(())
    }
}

impl OnRoomEvent<Crowd> for Visitor {
    fn on_room_event(
        &mut self,
        _: &str,
        _: HallEvent,
        _: &EventSender,
        _: &mut Ctx<Self>,
    ) -> Result<(), ActionError> {
        Ok(())
    }
}

async fn visit(client: &TestClient, label: &str, crowd: bool) -> String {
    client
        .mount_component::<Visitor>(json!({"label": label, "crowd": crowd}))
        .await
}

/// The next `$presence:*` event `client` receives (bounded).
async fn presence_event(client: &TestClient) -> RoomFrame {
    let found = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match client.next_room_frame().await {
                Ok(frame) if frame.event.starts_with("$presence:") => return Some(frame),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    })
    .await;
    found
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no $presence event arrived"))
}

async fn who(client: &TestClient, id: &str) -> Value {
    client
        .call(id, "who", json!(null))
        .await
        .unwrap_or_else(|e| panic!("who failed: {e}"))
        .unwrap_or(Value::Null)
}

/// The labels of a presence list, sorted (entries that joined in the same millisecond are
/// listed by key, which is random here).
fn labels(list: &Value) -> Vec<String> {
    let mut labels: Vec<String> = list
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|entry| entry["meta"]["label"].as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default();
    labels.sort();
    labels
}

/// Whether a presence list is in `joinedAt` order, then key.
fn in_order(list: &Value) -> bool {
    let keys: Vec<(u64, String)> = list
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| (e["joinedAt"].as_u64().unwrap_or(0), e["key"].to_string()))
                .collect()
        })
        .unwrap_or_default();
    keys.windows(2).all(|pair| pair[0] <= pair[1])
}

#[tokio::test]
async fn members_see_who_is_here_and_who_comes_and_goes() {
    let server = TestServer::build(live::LiveServer::builder().auth_provider(TokenAuth));
    let ann = server.connect().await;
    let a = visit(&ann, "ann", false).await;
    let state = presence_event(&ann).await;
    assert_eq!(state.event, "$presence:state");
    assert_eq!(state.component_id, a);
    let entries = &state.payload["entries"];
    assert_eq!(labels(entries), ["ann"]);
    assert_eq!(entries[0]["componentId"], json!(a));
    assert_eq!(entries[0]["userId"], Value::Null);
    assert_eq!(entries[0]["connections"], json!(1));
    assert!(
        entries[0]["key"]
            .as_str()
            .is_some_and(|k| k.starts_with("conn:"))
    );
    assert!(entries[0]["joinedAt"].as_u64().is_some_and(|at| at > 0));

    // An authenticated user joins: Ann hears of it, the joiner gets the whole list.
    let user = server.connect_as(json!({"token": "user-token"})).await;
    let u = visit(&user, "user", false).await;
    let joined = presence_event(&ann).await;
    assert_eq!(joined.event, "$presence:join");
    assert_eq!(joined.payload["entry"]["key"], json!("user:user"));
    assert_eq!(joined.payload["entry"]["userId"], json!("user"));
    let state = presence_event(&user).await;
    assert_eq!(state.event, "$presence:state");
    assert_eq!(labels(&state.payload["entries"]), ["ann", "user"]);

    // A second tab of the same user: one entry, two connections (an update, not a join).
    let tab = server.connect_as(json!({"token": "user-token"})).await;
    visit(&tab, "user again", false).await;
    let update = presence_event(&ann).await;
    assert_eq!(update.event, "$presence:update");
    assert_eq!(update.payload["entry"]["connections"], json!(2));
    assert_eq!(update.payload["entry"]["meta"]["label"], json!("user"));
    // The component API and the app handle list the same entries.
    let list = who(&ann, &a).await;
    assert_eq!(labels(&list), ["ann", "user"]);
    assert!(in_order(&list), "{list}");
    let from_app = server
        .room::<Hall>("main")
        .presence()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(serde_json::to_value(&from_app).unwrap_or_default(), list);
    let tabs = from_app.iter().find(|entry| entry.key == "user:user");
    assert_eq!(tabs.map(|entry| entry.connections), Some(2));

    // The first tab closes: still there (update); the second closes: gone (leave).
    drop(user);
    let update = presence_event(&ann).await;
    assert_eq!(update.event, "$presence:update");
    assert_eq!(update.payload["entry"]["connections"], json!(1));
    drop(tab);
    let left = presence_event(&ann).await;
    assert_eq!(left.event, "$presence:leave");
    assert_eq!(left.payload["key"], json!("user:user"));
    assert_eq!(labels(&who(&ann, &a).await), ["ann"]);
    let _ = u;
}

#[tokio::test]
async fn presence_by_connection_keeps_every_tab_apart() {
    let server = TestServer::build(live::LiveServer::builder().auth_provider(TokenAuth));
    let first = server.connect_as(json!({"token": "user-token"})).await;
    let id = visit(&first, "tab 1", true).await;
    let second = server.connect_as(json!({"token": "user-token"})).await;
    visit(&second, "tab 2", true).await;
    let joined = loop {
        let frame = presence_event(&first).await;
        if frame.event != "$presence:state" {
            break frame;
        }
    };
    assert_eq!(joined.event, "$presence:join");
    let list = who(&first, &id).await;
    assert_eq!(labels(&list), ["tab 1", "tab 2"]);
    assert!(in_order(&list), "{list}");
    assert!(list.as_array().is_some_and(|l| {
        l.iter()
            .all(|e| e["userId"] == "user" && e["connections"] == 1)
    }));
}

#[tokio::test]
async fn a_room_without_presence_lists_nobody() {
    let server = TestServer::new();
    let client = server.connect().await;
    let id = client
        .mount_component::<live_tests::rooms::Chatter>(json!({}))
        .await;
    client
        .call(&id, "enter", json!({"room": "main", "name": "ann"}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let list = server
        .room::<live_tests::rooms::Lobby>("main")
        .presence()
        .await;
    assert!(list.is_ok_and(|list| list.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_of_a_cluster_lists_the_same_members() {
    let cluster = TestCluster::build(3, || live::LiveServer::builder().auth_provider(TokenAuth));
    let mut visitors = Vec::new();
    for (at, label) in ["a", "b", "c", "d", "e", "f"].into_iter().enumerate() {
        let client = cluster.server(at % 3).connect().await;
        let id = visit(&client, label, false).await;
        visitors.push((client, id));
    }
    // Every server's copy converges on the owner's list (bounded wait).
    let started = std::time::Instant::now();
    loop {
        let mut lists = Vec::new();
        for (client, id) in visitors.iter().take(3) {
            lists.push(who(client, id).await);
        }
        if lists
            .iter()
            .all(|list| labels(list).len() == 6 && *list == lists[0])
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "presence lists differ: {lists:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // One leaves on the third server: every server drops it.
    let (gone, _) = visitors.remove(2);
    drop(gone);
    let started = std::time::Instant::now();
    loop {
        let mut lists = Vec::new();
        for (client, id) in visitors.iter().take(3) {
            lists.push(labels(&who(client, id).await));
        }
        if lists.iter().all(|list| *list == ["a", "b", "d", "e", "f"]) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{lists:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
