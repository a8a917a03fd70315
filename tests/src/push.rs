//! Components that the server pushes to: a private `Ticker` with its own timer, and a
//! singleton `Tally` that app code messages.

use live::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Counts the ticks of a timer its client starts.
#[live_component(name = "Ticker")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Ticker {
    /// Timer ticks so far.
    pub ticks: u64,
    /// The running timer.
    #[serde(skip)]
    timer: Option<TimerHandle>,
}

#[live_component]
impl Ticker {
    /// Starts a timer ticking every `ms` milliseconds.
    #[action]
    fn start(&mut self, ms: u64, ctx: &mut Ctx<Self>) {
        self.timer = Some(ctx.every(Duration::from_millis(ms), Self::tick));
    }

    /// Starts a timer ticking every `ms` milliseconds whose handler blocks for `work_ms`.
    #[action]
    fn start_slow(&mut self, ms: u64, work_ms: u64, ctx: &mut Ctx<Self>) {
        let work = Duration::from_millis(work_ms);
        let tick = move |ticker: &mut Self, _: &mut Ctx<Self>| {
            std::thread::sleep(work);
            ticker.ticks += 1;
        };
        self.timer = Some(ctx.every(Duration::from_millis(ms), tick));
    }

    /// Returns the ticks so far.
    #[action]
    fn count(&self) -> u64 {
        self.ticks
    }

    /// Stops the timer.
    #[action]
    fn stop(&mut self) {
        if let Some(timer) = &self.timer {
            timer.cancel();
        }
    }

    fn tick(&mut self, _ctx: &mut Ctx<Self>) {
        self.ticks += 1;
    }
}

/// One count shared by every client, changed by clients and by app code.
#[live_component(name = "Tally", singleton)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Tally {
    /// The count.
    pub count: i64,
}

#[live_component]
impl Tally {
    /// Adds `by`; returns the new count.
    #[action]
    fn add(&mut self, by: i64) -> i64 {
        self.count = self.count.saturating_add(by);
        self.count
    }
}

/// Adds its value to the tally.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bump(pub i64);

impl OnMessage<Bump> for Tally {
    async fn on_message(&mut self, message: Bump, _ctx: &mut Ctx<Self>) {
        self.count = self.count.saturating_add(message.0);
    }
}

/// Keeps the tally busy for a while.
#[derive(Debug)]
pub struct Stall(pub Duration);

impl OnMessage<Stall> for Tally {
    async fn on_message(&mut self, message: Stall, _ctx: &mut Ctx<Self>) {
        tokio::time::sleep(message.0).await;
    }
}

/// Makes the handler panic.
#[derive(Debug)]
pub struct Boom;

impl OnMessage<Boom> for Tally {
    async fn on_message(&mut self, _message: Boom, _ctx: &mut Ctx<Self>) {
        panic!("tally exploded on purpose");
    }
}

/// A headline published on the `news` topic.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct News(pub String);

/// Shows the last headline of the `news` topic, subscribed at mount.
#[live_component(name = "Watcher")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Watcher {
    /// The last headline.
    pub last: String,
    /// How many headlines arrived.
    pub received: u32,
}

#[live_component]
impl Watcher {
    fn on_mount(&mut self, ctx: &mut Ctx<Self>) {
        ctx.subscribe::<News>("news");
    }

    /// Stops following the news.
    #[action]
    fn mute(&mut self, ctx: &mut Ctx<Self>) {
        ctx.unsubscribe::<News>("news");
    }
}

impl OnMessage<News> for Watcher {
    async fn on_message(&mut self, message: News, _ctx: &mut Ctx<Self>) {
        self.last = message.0;
        self.received += 1;
    }
}

/// Passes numbers on to the `Tally` singleton, through the server handle.
#[live_component(name = "Relay")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Relay {
    /// Numbers passed on.
    pub sent: u32,
}

#[live_component]
impl Relay {
    /// Sends `Bump(by)` to the tally.
    #[action]
    async fn forward(&mut self, by: i64, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        let server = ctx.server().ok_or_else(|| ActionError::new("no server"))?;
        server.singleton::<Tally>().send(Bump(by)).await?;
        self.sent += 1;
        Ok(())
    }
}

/// A server with the push test components only.
pub fn push_server() -> LiveServer {
    push_server_with(LiveServer::builder())
}

/// The push test components only, on top of `builder`.
pub fn push_server_with(builder: live::LiveServerBuilder) -> LiveServer {
    builder
        .without_registered_components()
        .component::<Ticker>()
        .component::<Tally>()
        .component::<Watcher>()
        .component::<Relay>()
        .build()
        .unwrap_or_else(|error| panic!("push test server config: {error}"))
}
