//! Scenario `push`: a singleton whose state only a server timer changes (`BenchTicker`, a
//! tick every [`TICKER_PERIOD`]), read by many viewers. Nobody calls an action: every tick
//! is one delta the server fans out to every viewer on its own.
//!
//! Each tick carries the server's clock (`at`, microseconds since the Unix epoch) and its
//! number (`seq`). The load generator runs on the same machine and reads the same clock,
//! so a delivery's latency is its arrival time minus `at`: it covers the server's diff,
//! encoding, queueing and writing, and the client's reading.

use super::client::{Conn, for_each_msg};
use super::components::{TICKER_PERIOD, unix_micros};
use super::scenarios::{Figure, Timing, lock_mut, per_sec};
use super::server::ServerProcess;
use super::stats::{CpuClock, Samples};
use super::viewers::{Viewers, join_all, wait_ready};
use anyhow::{Result, anyhow};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// How long after the window viewers keep reading, so that late deliveries of ticks sent
/// in the window still count (a tick that takes longer counts as missed).
const GRACE: Duration = Duration::from_secs(1);

/// What the viewers found, added up.
struct Tally {
    /// The measured window, microseconds since the Unix epoch (0 until set).
    start: AtomicU64,
    end: AtomicU64,
    /// Set after the window and the grace: viewers stop at their next frame.
    stopping: AtomicBool,
    /// Deliveries that arrived in the window.
    arrived: AtomicU64,
    /// Deliveries of ticks the server sent in the window (whenever they arrived).
    received: AtomicU64,
    /// The first and last tick the server sent in the window, as seen by any viewer.
    first_seq: AtomicU64,
    last_seq: AtomicU64,
    /// Viewers whose connection failed or closed.
    lost: AtomicUsize,
    /// Latencies of the deliveries of ticks sent in the window.
    samples: Mutex<Samples>,
}

impl Tally {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            start: AtomicU64::new(0),
            end: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
            arrived: AtomicU64::new(0),
            received: AtomicU64::new(0),
            first_seq: AtomicU64::new(u64::MAX),
            last_seq: AtomicU64::new(0),
            lost: AtomicUsize::new(0),
            samples: Mutex::new(Samples::default()),
        })
    }

    fn window(&self) -> (u64, u64) {
        (
            self.start.load(Ordering::Acquire),
            self.end.load(Ordering::Acquire),
        )
    }

    /// Ticks the server sent in the window (its ticks are numbered 1, 2, …).
    fn ticks(&self) -> u64 {
        let (first, last) = (
            self.first_seq.load(Ordering::Acquire),
            self.last_seq.load(Ordering::Acquire),
        );
        if first > last { 0 } else { last - first + 1 }
    }
}

/// One viewer's counts, added to the tally once at the end.
struct Seen {
    arrived: u64,
    received: u64,
    first_seq: u64,
    last_seq: u64,
    samples: Samples,
}

impl Seen {
    fn new() -> Self {
        Self {
            arrived: 0,
            received: 0,
            first_seq: u64::MAX,
            last_seq: 0,
            samples: Samples::with_capacity(512),
        }
    }

    /// Tick `seq`, sent at `at`, arrived `now`.
    fn tick(&mut self, seq: u64, at: u64, now: u64, (start, end): (u64, u64)) {
        if now >= start && now < end {
            self.arrived += 1;
        }
        if at >= start && at < end {
            self.received += 1;
            self.first_seq = self.first_seq.min(seq);
            self.last_seq = self.last_seq.max(seq);
            self.samples
                .push(Duration::from_micros(now.saturating_sub(at)));
        }
    }

    fn add_to(self, tally: &Tally) {
        tally.arrived.fetch_add(self.arrived, Ordering::Relaxed);
        tally.received.fetch_add(self.received, Ordering::Relaxed);
        tally.first_seq.fetch_min(self.first_seq, Ordering::AcqRel);
        tally.last_seq.fetch_max(self.last_seq, Ordering::AcqRel);
        lock_mut(&tally.samples).merge(self.samples);
    }
}

/// A viewer: reads ticks until the run is over.
async fn view(mut conn: Conn, tally: Arc<Tally>) -> Result<()> {
    let mut seen = Seen::new();
    let outcome = loop {
        // A tick is due every period: 10 s of silence means the server stopped sending.
        let message = match tokio::time::timeout(Duration::from_secs(10), conn.next()).await {
            Ok(Ok(message)) => message,
            Ok(Err(error)) => break Err(error),
            Err(_) => break Err(anyhow!("viewer idle for 10 s")),
        };
        match &message {
            Message::Text(text) => {
                let (now, window) = (unix_micros(), tally.window());
                for_each_msg(text, |message| {
                    if let Some((seq, at)) = message.delta_tick() {
                        seen.tick(seq, at, now, window);
                    }
                });
            }
            Message::Close(frame) => break Err(anyhow!("closed by server: {frame:?}")),
            _ => {}
        }
        if tally.stopping.load(Ordering::Acquire) {
            break Ok(());
        }
    };
    if outcome.is_err() {
        tally.lost.fetch_add(1, Ordering::AcqRel);
    }
    seen.add_to(&tally);
    outcome
}

/// `viewers` connections mount `BenchTicker` and read its ticks; after the warm-up, the
/// window measures deliveries, the ticks the server sent (a busy server skips some: the
/// nominal rate is one per period), their latency, the ticks each viewer missed of those
/// sent, and the server's CPU time (user + system, from `/proc/<pid>/stat`) per delivery.
pub async fn timer_push(
    server: &ServerProcess,
    viewers: usize,
    timing: Timing,
) -> Result<Vec<Figure>> {
    let setup_started = Instant::now();
    let tally = Tally::new();
    let ready = Arc::new(AtomicUsize::new(0));
    let mut set = JoinSet::new();
    {
        let tally = Arc::clone(&tally);
        let fleet = Viewers {
            addr: server.addr,
            count: viewers,
            component: "BenchTicker",
            props: None,
        };
        fleet
            .mount(&ready, &mut set, move |conn| view(conn, Arc::clone(&tally)))
            .await;
    }
    wait_ready(&ready, viewers, &mut set).await?;
    let setup = setup_started.elapsed();
    let start = Instant::now() + timing.warmup;
    let start_us = unix_micros() + u64::try_from(timing.warmup.as_micros()).unwrap_or(0);
    let end_us = start_us + u64::try_from(timing.measure.as_micros()).unwrap_or(0);
    tally.start.store(start_us, Ordering::Release);
    tally.end.store(end_us, Ordering::Release);
    tokio::time::sleep_until(start).await;
    let cpu = CpuClock::start(server.pid);
    tokio::time::sleep_until(start + timing.measure).await;
    let cpu_seconds = cpu.seconds();
    tokio::time::sleep(GRACE).await;
    tally.stopping.store(true, Ordering::Release);
    let joined = tokio::time::timeout(Duration::from_secs(30), join_all(&mut set)).await;
    set.abort_all();
    let lost = tally.lost.load(Ordering::Acquire);
    if let Ok(Err(error)) = joined
        && lost >= viewers
    {
        return Err(error);
    }
    let arrived = tally.arrived.load(Ordering::Relaxed);
    let ticks = tally.ticks();
    let expected = ticks * u64::try_from(viewers).unwrap_or(0);
    let missed = expected.saturating_sub(tally.received.load(Ordering::Relaxed));
    #[allow(clippy::cast_precision_loss)]
    let missed_per_viewer = missed as f64 / viewers.max(1) as f64;
    let mut samples = std::mem::take(&mut *lock_mut(&tally.samples));
    eprintln!(
        "    timer push x{viewers}: setup {:.1}s, {ticks} ticks in {:.1}s (period {} ms), {} latency samples, server CPU {:.2}s ({:.0} % of a core), {lost} viewers lost",
        setup.as_secs_f64(),
        timing.measure.as_secs_f64(),
        TICKER_PERIOD.as_millis(),
        samples.len(),
        cpu_seconds.unwrap_or(f64::NAN),
        cpu_seconds.unwrap_or(f64::NAN) * 100.0 / timing.measure.as_secs_f64().max(1e-9),
    );
    let name = |what: &str| format!("timer push, {viewers} viewers: {what}");
    Ok(vec![
        Figure::rate(
            name("deliveries"),
            per_sec(arrived, timing.measure),
            "deliveries/s",
        ),
        Figure::rate(
            name("ticks sent"),
            per_sec(ticks, timing.measure),
            "ticks/s",
        ),
        Figure::cost(name("delivery p50"), samples.quantile_ms(0.50), "ms"),
        Figure::cost(name("delivery p99"), samples.quantile_ms(0.99), "ms"),
        Figure::cost(name("ticks missed per viewer"), missed_per_viewer, "ticks"),
        Figure::cpu(
            &format!("timer push, {viewers} viewers"),
            cpu_seconds,
            arrived,
            "delivery",
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_viewer_counts_arrivals_and_ticks_by_their_own_clocks() {
        let window = (1_000, 2_000);
        let mut seen = Seen::new();
        seen.tick(1, 900, 1_100, window); // sent before, arrived in the window
        seen.tick(2, 1_000, 1_200, window);
        seen.tick(4, 1_990, 2_300, window); // sent in the window, arrived after it
        seen.tick(5, 2_000, 2_100, window); // sent after the window
        assert_eq!((seen.arrived, seen.received), (2, 2));
        let tally = Tally::new();
        seen.add_to(&tally);
        // Ticks 2..=4 were sent in the window; this viewer missed tick 3.
        assert_eq!(tally.ticks(), 3);
        assert_eq!(lock_mut(&tally.samples).quantile_ms(1.0), 0.31);
        assert_eq!(Tally::new().ticks(), 0);
    }
}
