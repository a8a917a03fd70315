//! The todo list through `live::testing`: signed-in members, one shared list.

use example_todo::{TEAM, Todo, TodoBoard, TodoList};
use live::RefusalKind;
use live::testing::{TestClient, TestServer};
use serde_json::json;

fn server() -> TestServer {
    TestServer::from_server(example_todo::server().unwrap_or_else(|e| panic!("{e}")))
}

async fn member(server: &TestServer, user: &str) -> (TestClient, String) {
    let client = server
        .connect_as(json!({"token": format!("{user}-token")}))
        .await;
    let id = client.mount_component::<TodoList>(json!({})).await;
    (client, id)
}

#[tokio::test]
async fn only_members_get_the_list() {
    let server = server();
    let anonymous = server.connect().await;
    let refused = anonymous.mount("TodoList", json!({})).await;
    assert_eq!(
        refused.err().and_then(|e| e.refusal()),
        Some(RefusalKind::AuthenticationRequired)
    );
    let stranger = server.try_connect_as(json!({"token": "eve-token"})).await;
    assert_eq!(
        stranger.err().and_then(|e| e.refusal()),
        Some(RefusalKind::AuthenticationFailed)
    );
}

#[tokio::test]
async fn a_todo_added_by_one_member_reaches_the_other() {
    let server = server();
    let ((ana, a), (ben, b)) = (member(&server, "ana").await, member(&server, "ben").await);
    let todo = ana
        .invoke(&a, TodoList::actions().add("buy milk".into()))
        .await;
    let expected = Todo {
        id: 1,
        text: "buy milk".into(),
        done: false,
        by: "ana".into(),
    };
    assert_eq!(todo.ok(), Some(expected.clone()));
    ben.expect_state(&b, |list: &TodoList| list.items == [expected.clone()])
        .await;
    let board = server
        .room::<TodoBoard>(TEAM)
        .state()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(board.items, [expected]);
}

#[tokio::test]
async fn toggling_and_clearing_done_todos() {
    let server = server();
    let (ana, a) = member(&server, "ana").await;
    for text in ["one", "two"] {
        ana.invoke(&a, TodoList::actions().add(text.into()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(
        ana.invoke(&a, TodoList::actions().toggle(1)).await.ok(),
        Some(true)
    );
    ana.invoke(&a, TodoList::actions().clear_done())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let list = ana.state::<TodoList>(&a);
    assert_eq!(
        list.items
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>(),
        ["two"]
    );
    let missing = ana.invoke(&a, TodoList::actions().toggle(1)).await;
    assert_eq!(
        missing
            .err()
            .and_then(|e| e.server_message().map(str::to_owned))
            .as_deref(),
        Some("no todo 1")
    );
}

#[tokio::test]
async fn a_late_member_sees_the_list_so_far_and_empty_text_is_refused() {
    let server = server();
    let (ana, a) = member(&server, "ana").await;
    ana.invoke(&a, TodoList::actions().add("first".into()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let empty = ana.invoke(&a, TodoList::actions().add("  ".into())).await;
    assert_eq!(
        empty
            .err()
            .and_then(|e| e.server_message().map(str::to_owned))
            .as_deref(),
        Some("text must be 1 to 200 characters")
    );
    let (ben, b) = member(&server, "ben").await;
    assert_eq!(ben.state::<TodoList>(&b).items.len(), 1);
}
