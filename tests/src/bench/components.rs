//! Components and a room made for the benchmark (the demo's `Counter` and `SharedCounter`
//! are used as they are).

use live::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The benchmark room's events.
#[live_room]
#[derive(Debug, Clone)]
pub enum BenchEvent {
    /// A sequence number (the load generator times its delivery).
    #[event("tick")]
    Tick(u64),
}

/// A typed room with no state of its own: the benchmark measures event fan-out.
#[live_room(prefix = "bench", events = BenchEvent)]
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct BenchRoom {}

#[live_room]
impl BenchRoom {}

/// A member of `bench:<room>`: joins it on mount (without a typed handler, so its clients
/// get the binary frames and the component does no work per event) and emits ticks.
#[live_component(name = "BenchMember")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BenchMember {
    /// The room instance (`bench:<room>`); `main` when empty. Set by mount props.
    #[live(updatable)]
    pub room: String,
}

impl BenchMember {
    fn room_name(&self) -> String {
        if self.room.is_empty() {
            "main".to_owned()
        } else {
            self.room.clone()
        }
    }
}

#[live_component]
impl BenchMember {
    async fn on_mount(&mut self, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        let room = self.room_name();
        ctx.room::<BenchRoom>(&room).join_without_handler().await?;
        Ok(())
    }

    /// Emits `tick(seq)` to every other member of the room.
    #[action]
    async fn tick(&mut self, seq: u64, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        let room = self.room_name();
        ctx.room::<BenchRoom>(&room)
            .emit(BenchEvent::Tick(seq))
            .await
    }
}

/// A shared counter: `SharedCounter` without its `viewers` field, so a join changes
/// nothing and sends nothing (with `viewers`, every join is a delta to every viewer: the
/// mount storm of 10,000 viewers is 50 million frames; see docs/performance.md).
#[live_component(name = "BenchCounter", singleton)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BenchCounter {
    /// The shared value.
    pub count: i64,
}

#[live_component]
impl BenchCounter {
    /// Adds one; returns the new count.
    #[action]
    fn increment(&mut self) -> i64 {
        self.count = self.count.saturating_add(1);
        self.count
    }
}

/// Bytes of padding a `BenchFeed` delta carries (a frame big enough that a client that
/// stops reading fills its socket, then its outbound queue, in seconds).
pub const FEED_PAD: usize = 1000;

/// A singleton feed whose every tick changes `seq` and a padded string.
#[live_component(name = "BenchFeed", singleton)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BenchFeed {
    /// The last tick.
    pub seq: u64,
    /// `FEED_PAD` bytes that change with every tick.
    pub pad: String,
}

#[live_component]
impl BenchFeed {
    /// Sets `seq` (and the padding).
    #[action]
    fn tick(&mut self, seq: u64) {
        self.seq = seq;
        self.pad = feed_pad(seq);
    }
}

/// The padding for tick `seq`: its digits, left-padded with zeros to [`FEED_PAD`] bytes.
pub fn feed_pad(seq: u64) -> String {
    format!("{seq:0>width$}", width = FEED_PAD)
}

/// How often `BenchTicker` ticks, on both servers.
pub const TICKER_PERIOD: Duration = Duration::from_millis(20);

/// Bytes of padding a `BenchTicker` delta carries (a small dashboard-sized frame).
pub const TICKER_PAD: usize = 64;

/// A singleton changed only by a server timer: every tick is one delta to every viewer.
#[live_component(name = "BenchTicker", singleton)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BenchTicker {
    /// The last tick (1, 2, …): a viewer that skips a number missed a tick.
    pub seq: u64,
    /// When the server ran the tick, in microseconds since the Unix epoch (the load
    /// generator on the same machine times the delivery from it).
    pub at: u64,
    /// `TICKER_PAD` bytes that change with every tick.
    pub pad: String,
}

#[live_component]
impl BenchTicker {
    fn on_mount(&mut self, ctx: &mut Ctx<Self>) {
        ctx.every(TICKER_PERIOD, Self::tick);
    }

    fn tick(&mut self, _ctx: &mut Ctx<Self>) {
        self.seq += 1;
        self.at = unix_micros();
        self.pad = ticker_pad(self.seq);
    }
}

/// The padding for tick `seq`: its digits, left-padded with zeros to [`TICKER_PAD`] bytes.
pub fn ticker_pad(seq: u64) -> String {
    format!("{seq:0>width$}", width = TICKER_PAD)
}

/// Now, in microseconds since the Unix epoch (the clock both servers and the load
/// generator read: they run on the same machine).
pub fn unix_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |now| u64::try_from(now.as_micros()).unwrap_or(u64::MAX))
}

/// Takes uploads (scenario `uploads`); counts them and deletes each file once received.
#[live_component(name = "BenchUpload")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BenchUpload {
    /// Files received.
    pub files: u64,
}

#[live_component]
impl BenchUpload {
    #[upload(accept = ["application/octet-stream"], max_size = "256MiB")]
    async fn file(&mut self, file: UploadedFile) {
        self.files += 1;
        if let Some(path) = file.path() {
            let _ = tokio::fs::remove_file(path).await;
        }
    }
}
