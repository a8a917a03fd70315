//! The todo list through `live::testing`: signed-in members, one shared list.

use example_todo::{TEAM, Todo, TodoBoard, TodoList};
use live::RefusalKind;
use live::testing::{TestClient, TestServer};
use serde_json::json;

fn server() -> TestServer {
    TestServer::from_server(example_todo::server().unwrap_or_else(|e| panic!("{e}")))
}

async fn member(server: &TestServer, user: &str) -> (TestClient, String) {
    let token = format!("{user}-token");
    let client = server.connect_as(json!({ "token": token })).await;
    let id = client.mount_component::<TodoList>(json!({})).await;
    (client, id)
}

fn todo(id: u32, text: &str, done: bool) -> Todo {
    let (text, by) = (text.to_owned(), "ana".to_owned());
    Todo { id, text, done, by }
}

#[tokio::test]
async fn only_members_get_the_list() {
    let server = server();
    let refused = server.connect().await.mount("TodoList", json!({})).await;
    let refused = refused.err().and_then(|e| e.refusal());
    assert_eq!(refused, Some(RefusalKind::AuthenticationRequired));
    let stranger = server.try_connect_as(json!({"token": "eve-token"})).await;
    let stranger = stranger.err().and_then(|e| e.refusal());
    assert_eq!(stranger, Some(RefusalKind::AuthenticationFailed));
}

#[tokio::test]
async fn a_todo_added_by_one_member_reaches_the_other() {
    let server = server();
    let ((ana, a), (ben, b)) = (member(&server, "ana").await, member(&server, "ben").await);
    let added = ana
        .invoke_ok(&a, TodoList::actions().add("milk".into()))
        .await;
    assert_eq!(added, todo(1, "milk", false));
    ben.expect_state(&b, |list: &TodoList| list.items == [todo(1, "milk", false)])
        .await;
    let board = server.room::<TodoBoard>(TEAM).state().await;
    assert_eq!(
        board.map(|b| b.items).ok(),
        Some(vec![todo(1, "milk", false)])
    );
}

#[tokio::test]
async fn toggling_and_clearing_done_todos() {
    let server = server();
    let (ana, a) = member(&server, "ana").await;
    ana.invoke_ok(&a, TodoList::actions().add("one".into()))
        .await;
    ana.invoke_ok(&a, TodoList::actions().add("two".into()))
        .await;
    assert!(ana.invoke_ok(&a, TodoList::actions().toggle(1)).await);
    ana.invoke_ok(&a, TodoList::actions().clear_done()).await;
    ana.assert_state(
        &a,
        &TodoList {
            items: vec![todo(2, "two", false)],
        },
    );
    let missing = ana.invoke_err(&a, TodoList::actions().toggle(1)).await;
    assert_eq!(missing.server_message(), Some("no todo 1"));
}

#[tokio::test]
async fn a_late_member_sees_the_list_so_far_and_empty_text_is_refused() {
    let server = server();
    let (ana, a) = member(&server, "ana").await;
    let add = |text: &str| TodoList::actions().add(text.to_owned());
    ana.invoke_ok(&a, add("first")).await;
    let empty = ana.invoke_err(&a, add("  ")).await;
    let limit = "text must be 1 to 200 characters";
    assert_eq!(empty.server_message(), Some(limit));
    let (ben, b) = member(&server, "ben").await;
    let items = vec![todo(1, "first", false)];
    ben.assert_state(&b, &TodoList { items });
}
