//! A team's todo list: `TodoList` (signed-in users only) keeps the list of the typed room
//! `todos:team`, so every member sees every change; `Tokens` signs users in.

use live::BoxFuture;
use live::component::Session;
use live::prelude::*;
use live::security::AuthProvider;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Signs in with `{"token": "<user>-token"}` for the users of [`USERS`].
#[derive(Debug)]
pub struct Tokens;

/// Who may sign in.
pub const USERS: &[&str] = &["ana", "ben"];

impl AuthProvider for Tokens {
    fn name(&self) -> &str {
        "tokens"
    }

    fn authenticate<'a>(
        &'a self,
        credentials: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Option<Session>> {
        let token = credentials.get("token").and_then(Value::as_str);
        let user = token
            .and_then(|token| token.strip_suffix("-token"))
            .filter(|user| USERS.contains(user));
        let session = user.map(|user| Session {
            id: user.to_owned(),
            roles: vec!["member".to_owned()],
            permissions: Vec::new(),
            extra: Map::new(),
        });
        Box::pin(std::future::ready(session))
    }
}

/// One thing to do.
#[live::data]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Todo {
    /// Its number in the list.
    pub id: u32,
    /// What to do.
    pub text: String,
    /// Whether it is done.
    pub done: bool,
    /// Who added it.
    pub by: String,
}

/// What happens to the list.
#[live_room]
#[derive(Debug, Clone)]
pub enum TodoEvent {
    /// The whole list after a change.
    #[event("todos:changed")]
    Changed(Vec<Todo>),
}

/// The team's list, shared by every member.
#[live_room(prefix = "todos", events = TodoEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct TodoBoard {
    /// Every todo, oldest first.
    pub items: Vec<Todo>,
    /// The last id given.
    pub last_id: u32,
}

#[live_room]
impl TodoBoard {}

/// The room every `TodoList` joins.
pub const TEAM: &str = "team";

/// A member's view of the team's list.
#[live_component(name = "TodoList", auth(required))]
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TodoList {
    /// The list as the room last told it.
    pub items: Vec<Todo>,
}

#[live_component]
impl TodoList {
    async fn on_mount(&mut self, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        self.items = ctx.room::<TodoBoard>(TEAM).join().await?.items;
        Ok(())
    }

    /// Adds `text` (1–200 characters) as the caller's; returns the new todo.
    #[action]
    async fn add(&mut self, text: String, ctx: &mut Ctx<Self>) -> Result<Todo, ActionError> {
        let text = text.trim().to_owned();
        if text.is_empty() || text.chars().count() > 200 {
            return Err(ActionError::new("text must be 1 to 200 characters"));
        }
        let by = ctx.caller().user_id().unwrap_or_default().to_owned();
        let board = ctx
            .room::<TodoBoard>(TEAM)
            .update(move |board| {
                board.last_id += 1;
                let id = board.last_id;
                board.items.push(Todo {
                    id,
                    text,
                    done: false,
                    by,
                });
            })
            .await?;
        let added = board.items.last().cloned();
        self.share(board.items, ctx).await?;
        added.ok_or_else(|| ActionError::new("the todo went missing"))
    }

    /// Marks todo `id` done or not done; returns whether it is done now.
    #[action]
    async fn toggle(&mut self, id: u32, ctx: &mut Ctx<Self>) -> Result<bool, ActionError> {
        if !self.items.iter().any(|todo| todo.id == id) {
            return Err(ActionError::new(format!("no todo {id}")));
        }
        let board = ctx
            .room::<TodoBoard>(TEAM)
            .update(move |board| {
                if let Some(todo) = board.items.iter_mut().find(|todo| todo.id == id) {
                    todo.done = !todo.done;
                }
            })
            .await?;
        let done = board.items.iter().any(|todo| todo.id == id && todo.done);
        self.share(board.items, ctx).await?;
        Ok(done)
    }

    /// Removes every done todo.
    #[action]
    async fn clear_done(&mut self, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        let board = ctx
            .room::<TodoBoard>(TEAM)
            .update(|board| board.items.retain(|todo| !todo.done))
            .await?;
        self.share(board.items, ctx).await
    }

    /// Tells every member (this one included) the list after a change.
    async fn share(&mut self, items: Vec<Todo>, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        ctx.room::<TodoBoard>(TEAM)
            .emit_including_self(TodoEvent::Changed(items))
            .await
    }
}

impl OnRoomEvent<TodoBoard> for TodoList {
    fn on_room_event(
        &mut self,
        _room_id: &str,
        event: TodoEvent,
        _sender: &EventSender,
        _ctx: &mut Ctx<Self>,
    ) -> Result<(), ActionError> {
        let TodoEvent::Changed(items) = event;
        self.items = items;
        Ok(())
    }
}

/// The todo server: [`TodoList`] and [`TodoBoard`] (their macros register them), signing in
/// through [`Tokens`].
pub fn server() -> Result<LiveServer, live::server::ServerError> {
    LiveServer::builder().auth_provider(Tokens).build()
}
