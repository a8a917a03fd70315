//! The demo's components: `Counter` (one per mount), `SharedCounter` (one for everybody),
//! `LiveChat`, which talks through the typed room `ChatRoom` (`chat:general`), and
//! `ServerStats`, which only the server changes. `LiveChat` also takes image uploads (stored
//! in `LIVE_UPLOAD_DIR`, default `./uploads`, served at `/uploads/`).
//!
//! `cargo run --release -p demo` serves them; the integration tests mount them too.

use live::prelude::*;
use live::room::PresenceEntry;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

pub mod ops;

/// A private counter: every mount gets its own.
#[live_component(name = "Counter")]
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counter {
    /// The current value; a client may seed it at mount or set it directly.
    #[live(updatable)]
    pub count: i64,
}

#[live_component]
impl Counter {
    /// Adds one; returns the new count.
    #[action]
    fn increment(&mut self) -> i64 {
        add_to(&mut self.count, 1)
    }

    /// Subtracts one; returns the new count.
    #[action]
    fn decrement(&mut self) -> i64 {
        add_to(&mut self.count, -1)
    }

    /// Adds `by` (payload `{"by": <int>}`); returns the new count.
    #[action]
    fn add(&mut self, by: i64) -> Result<i64, ActionError> {
        checked_add_to(&mut self.count, by)
    }
}

/// One counter shared by every client that mounts it.
#[live_component(name = "SharedCounter", singleton)]
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SharedCounter {
    /// The shared value.
    pub count: i64,
    /// How many connections are watching.
    pub viewers: usize,
}

#[live_component]
impl SharedCounter {
    /// Adds one; returns the new count.
    #[action]
    fn increment(&mut self) -> i64 {
        add_to(&mut self.count, 1)
    }

    /// Subtracts one; returns the new count.
    #[action]
    fn decrement(&mut self) -> i64 {
        add_to(&mut self.count, -1)
    }

    /// Adds `by` (payload `{"by": <int>}`); returns the new count.
    #[action]
    fn add(&mut self, by: i64) -> Result<i64, ActionError> {
        checked_add_to(&mut self.count, by)
    }

    fn on_client_join(&mut self, _connection_id: &str, viewers: usize) {
        self.viewers = viewers;
    }

    fn on_client_leave(&mut self, _connection_id: &str, viewers: usize) {
        self.viewers = viewers;
    }
}

/// The server's own figures (`LiveHandle::stats`), shared by every client and refreshed
/// every second by a timer: no client action changes them. In a cluster they are those of
/// the server that runs the singleton.
#[live_component(name = "ServerStats", singleton)]
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerStats {
    /// Open WebSocket connections.
    pub connections: usize,
    /// Running component instances (this one included).
    pub components: usize,
    /// Actions run per second, over the last tick.
    pub actions_per_second: u64,
    /// Seconds since the server started.
    pub uptime_seconds: u64,
    /// The running total of actions at the last reading, and when it was taken.
    #[serde(skip)]
    last: Option<(u64, Instant)>,
}

/// How often [`ServerStats`] reads the server's figures.
pub const STATS_PERIOD: Duration = Duration::from_secs(1);

#[live_component]
impl ServerStats {
    fn on_mount(&mut self, ctx: &mut Ctx<Self>) {
        self.tick(ctx);
        ctx.every(STATS_PERIOD, Self::tick);
    }

    /// Reads the figures off the component's task (the read waits for a lock), then shows
    /// them on it.
    fn tick(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(server) = ctx.server() {
            ctx.spawn(async move { server.stats().await }, Self::show);
        }
    }

    fn show(&mut self, stats: live::server::ServerStats, _ctx: &mut Ctx<Self>) {
        let now = Instant::now();
        if let Some((actions, at)) = self.last {
            let run = u128::from(stats.actions.saturating_sub(actions));
            let millis = now.duration_since(at).as_millis().max(1);
            self.actions_per_second = u64::try_from(run * 1000 / millis).unwrap_or(u64::MAX);
        }
        self.last = Some((stats.actions, now));
        self.connections = stats.connections;
        self.components = stats.components;
        self.uptime_seconds = stats.uptime.as_secs();
    }
}

/// One chat message.
#[live::data]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who sent it.
    pub from: String,
    /// What they said.
    pub text: String,
    /// When, in milliseconds since the epoch.
    pub timestamp: u64,
    /// The URL of the image it shows, for a message made from an upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// Someone arrived.
#[live::data]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserJoined {
    /// Their name.
    pub name: String,
}

/// The chat room's events. None is `from_client`: clients post through `LiveChat`'s
/// actions, which set `from` on the server, and a client's own `ROOM_EMIT` into the room is
/// refused, so nobody can post as somebody else.
#[live_room]
#[derive(Debug, Clone)]
pub enum ChatEvent {
    /// A new message.
    #[event("message:new")]
    MessageNew(ChatMessage),
    /// A new member.
    #[event("user:joined")]
    UserJoined(UserJoined),
}

/// How many messages the room and each client keep.
pub const HISTORY: usize = 50;

/// What a chat member shows in the room's presence list.
#[live::data]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatPresence {
    /// Their display name.
    pub name: String,
}

/// The chat room's state: recent messages and how many are here (the presence list says
/// who: one entry per user, several tabs counted in `connections`).
#[live_room(prefix = "chat", events = ChatEvent, presence = ChatPresence)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatRoom {
    /// The last [`HISTORY`] messages.
    pub messages: Vec<ChatMessage>,
    /// Members right now.
    pub user_count: u32,
}

#[live_room]
impl ChatRoom {
    fn on_join(&mut self, _join: &JoinInfo) -> Result<(), RoomError> {
        self.user_count += 1;
        Ok(())
    }

    fn on_leave(&mut self, _leave: &LeaveInfo) {
        self.user_count = self.user_count.saturating_sub(1);
    }
}

/// A chat client: joins `chat:general` on mount and keeps the messages it sees.
#[live_component(name = "LiveChat")]
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveChat {
    /// Messages seen, oldest first (at most [`HISTORY`]).
    pub messages: Vec<ChatMessage>,
}

/// The room every `LiveChat` joins.
pub const GENERAL: &str = "general";

#[live_component]
impl LiveChat {
    async fn on_mount(&mut self, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        let name = display_name(ctx);
        let presence = ChatPresence { name: name.clone() };
        let room = ctx
            .room::<ChatRoom>(GENERAL)
            .join_with_presence(presence)
            .await?;
        self.messages = room.messages;
        ctx.room::<ChatRoom>(GENERAL)
            .emit(ChatEvent::UserJoined(UserJoined { name }))
            .await
    }

    /// Sends `text` (1–500 characters) to everybody in the room, this client included.
    #[action]
    async fn send(&mut self, text: String, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        let message = ChatMessage {
            from: display_name(ctx),
            text: chat_text(&text).map_err(ActionError::new)?,
            timestamp: now_ms(),
            image: None,
        };
        post(ctx, message).await
    }

    /// How many members `chat:general` has, as this server's copy of the room says (in a
    /// cluster, every server's copy follows the room's one owner).
    #[action]
    async fn user_count(&mut self, ctx: &mut Ctx<Self>) -> Result<u32, ActionError> {
        Ok(ctx.room::<ChatRoom>(GENERAL).state().await?.user_count)
    }

    /// Who is in `chat:general`, cluster-wide, in the order they came.
    #[action]
    async fn who(
        &mut self,
        ctx: &mut Ctx<Self>,
    ) -> Result<Vec<PresenceEntry<ChatPresence>>, ActionError> {
        ctx.room::<ChatRoom>(GENERAL).presence().await
    }

    /// An uploaded image (png, jpeg, gif or webp, at most 5 MiB) becomes a message that
    /// shows it, named by its file name.
    #[upload(accept = ["image/png", "image/jpeg", "image/gif", "image/webp"], max_size = "5MiB")]
    async fn image(&mut self, file: UploadedFile, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        let name: String = file.name().chars().take(MAX_TEXT_CHARS).collect();
        let message = ChatMessage {
            from: display_name(ctx),
            text: name,
            timestamp: now_ms(),
            image: file.url().map(str::to_owned),
        };
        post(ctx, message).await
    }
}

/// Keeps `message` in the room's history and sends it to every member, the sender included.
async fn post(ctx: &mut Ctx<LiveChat>, message: ChatMessage) -> Result<(), ActionError> {
    let kept = message.clone();
    ctx.room::<ChatRoom>(GENERAL)
        .update(move |room| push_bounded(&mut room.messages, kept))
        .await?;
    ctx.room::<ChatRoom>(GENERAL)
        .emit_including_self(ChatEvent::MessageNew(message))
        .await
}

impl OnRoomEvent<ChatRoom> for LiveChat {
    fn on_room_event(
        &mut self,
        _room_id: &str,
        event: ChatEvent,
        _sender: &EventSender,
        _ctx: &mut Ctx<Self>,
    ) -> Result<(), ActionError> {
        if let ChatEvent::MessageNew(message) = event {
            push_bounded(&mut self.messages, message);
        }
        Ok(())
    }
}

/// The longest chat message, in characters.
pub const MAX_TEXT_CHARS: usize = 500;

/// `text` trimmed, if it is a valid chat message (1 to [`MAX_TEXT_CHARS`] characters).
pub fn chat_text(text: &str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err("text must be 1 to 500 characters");
    }
    Ok(text.to_owned())
}

/// Why [`announce`] did not post.
#[derive(Debug, Clone, PartialEq)]
pub enum AnnounceError {
    /// The text breaks the chat's rule ([`chat_text`]).
    Invalid(&'static str),
    /// Nobody has joined `chat:general` (or it emptied and closed): app code does not create
    /// rooms.
    NoRoom,
    /// The room refused the message or went away meanwhile.
    Push(PushError),
}

/// Posts `text` to `chat:general` as `from: "server"`, through the server handle: it joins
/// the room's history and every member's `LiveChat` gets it, as if a client had sent it.
pub async fn announce(handle: &live::LiveHandle, text: &str) -> Result<ChatMessage, AnnounceError> {
    let message = ChatMessage {
        from: "server".to_owned(),
        text: chat_text(text).map_err(AnnounceError::Invalid)?,
        timestamp: now_ms(),
        image: None,
    };
    let room = handle.room::<ChatRoom>(GENERAL);
    let kept = message.clone();
    let sent = match room
        .update(move |room| push_bounded(&mut room.messages, kept))
        .await
    {
        Ok(_) => room.emit(ChatEvent::MessageNew(message.clone())).await,
        Err(error) => Err(error),
    };
    match sent {
        Ok(()) => Ok(message),
        Err(PushError::NoSuchRoom) => Err(AnnounceError::NoRoom),
        Err(error) => Err(AnnounceError::Push(error)),
    }
}

/// The sender's name: the authenticated user id, else `guest-` and the connection id.
fn display_name<C>(ctx: &Ctx<C>) -> String {
    match ctx.caller().user_id() {
        Some(user) => user.to_owned(),
        None => format!("guest-{}", ctx.connection_id()),
    }
}

fn push_bounded(messages: &mut Vec<ChatMessage>, message: ChatMessage) {
    messages.push(message);
    if messages.len() > HISTORY {
        let excess = messages.len() - HISTORY;
        messages.drain(..excess);
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

fn add_to(count: &mut i64, by: i64) -> i64 {
    *count = count.saturating_add(by);
    *count
}

fn checked_add_to(count: &mut i64, by: i64) -> Result<i64, ActionError> {
    *count = count
        .checked_add(by)
        .ok_or_else(|| ActionError::new("count would overflow"))?;
    Ok(*count)
}

/// Logs to stderr (stdout carries the URL line), at `info` unless `RUST_LOG` says otherwise.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
}

/// The demo page served at `/`: Counter, SharedCounter, the chat and the server's figures,
/// built from the `@live/client` package. Generated by `clients/demo-page/build.mjs` and
/// committed, so running the demo needs only the Rust toolchain; `cargo xtask test` checks
/// it is fresh.
pub const PAGE: &str = include_str!("../page/index.html");

/// The demo server's builder: every component above (their macros register them), default
/// settings, and [`PAGE`] at `/`.
pub fn builder() -> live::LiveServerBuilder {
    LiveServer::builder().static_page("/", "text/html; charset=utf-8", PAGE)
}

/// The demo server: every component above, default settings, and [`PAGE`] at `/`.
pub fn server() -> Result<LiveServer, live::server::ServerError> {
    builder().build()
}

/// [`server`] with the settings of [`live::LiveConfig::from_env`] (the state secret from
/// `LIVE_STATE_SECRET`), joined to a Redis cluster when `LIVE_REDIS_URL` is set (claim time
/// to live and heartbeat from `LIVE_SINGLETON_TTL_SECS` and `LIVE_HEARTBEAT_MS`; see
/// `docs/scaling.md`), so that several demo processes on different `LIVE_ADDR`s serve one
/// `SharedCounter` and one chat.
pub async fn server_from_env() -> Result<LiveServer, String> {
    from_env(builder()).await
}

/// What `cargo run -p demo` serves: [`server_from_env`] with the inspector at
/// `/live/inspector` for `inspector_token`, and no `/metrics` on the public address (the
/// demo serves them on their own address, see [`ops::serve_metrics`]).
pub async fn demo_from_env(inspector_token: &str) -> Result<LiveServer, String> {
    let inspector = live::server::Inspector::new().token(inspector_token);
    from_env(builder().metrics_path(None).inspector(inspector)).await
}

async fn from_env(builder: live::LiveServerBuilder) -> Result<LiveServer, String> {
    let builder = builder.config(live::LiveConfig::from_env());
    let builder = match live::cluster::RedisCluster::from_env().await {
        None => builder,
        Some(Ok(cluster)) => builder.cluster(cluster),
        Some(Err(error)) => return Err(format!("could not join the Redis cluster: {error}")),
    };
    builder.build().map_err(|error| error.to_string())
}
