//! The scenarios. Each runs the same load against one server process (Live or the
//! baseline) and returns its figures; the caller pairs them up.

use super::client::{self, Conn, RoomFrame, is_reply_to, msgpack_u64, room_frame};
use super::server::ServerProcess;
use super::stats::{CpuClock, Samples, cpu_seconds_between, micros_per, open_fds, rss_bytes};
use super::viewers::{Viewers, fan_connect, join_all, wait_ready};
use anyhow::{Context, Result, anyhow};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// One measured figure.
#[derive(Debug, Clone)]
pub struct Figure {
    /// What it is (the table's row name).
    pub name: String,
    /// The value.
    pub value: f64,
    /// Its unit.
    pub unit: &'static str,
    /// Whether higher is better (rates) or lower (latency, memory).
    pub higher_is_better: bool,
}

impl Figure {
    pub(super) fn rate(name: impl Into<String>, value: f64, unit: &'static str) -> Self {
        Self {
            name: name.into(),
            value,
            unit,
            higher_is_better: true,
        }
    }

    pub(super) fn cost(name: impl Into<String>, value: f64, unit: &'static str) -> Self {
        Self {
            name: name.into(),
            value,
            unit,
            higher_is_better: false,
        }
    }

    /// `<what>: server CPU per <per>`: the server process's CPU time (user + system, from
    /// `/proc/<pid>/stat`) over `units` units of work, in microseconds.
    pub(super) fn cpu(what: &str, cpu_seconds: Option<f64>, units: u64, per: &str) -> Self {
        Self::cost(
            format!("{what}: server CPU per {per}"),
            micros_per(cpu_seconds, units),
            "µs",
        )
    }
}

/// How long a scenario warms up, then measures.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Load before the measured window.
    pub warmup: Duration,
    /// The measured window.
    pub measure: Duration,
}

fn secs(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

#[allow(clippy::cast_precision_loss)]
pub(super) fn per_sec(count: u64, duration: Duration) -> f64 {
    count as f64 / secs(duration).max(1e-9)
}

/// Scenario 1: one client, sequential `Counter.increment` calls.
pub async fn round_trip(server: &ServerProcess, actions: usize) -> Result<Vec<Figure>> {
    let mut conn = Conn::connect(server.addr).await?;
    let id = conn.mount("Counter", None).await?;
    for _ in 0..actions / 10 + 10 {
        conn.call_and_wait(&id, "increment", "{}").await?;
    }
    let mut samples = Samples::with_capacity(actions);
    let cpu = CpuClock::start(server.pid);
    for _ in 0..actions {
        let started = Instant::now();
        conn.call_and_wait(&id, "increment", "{}").await?;
        samples.push(started.elapsed());
    }
    let cpu = cpu.seconds();
    conn.close().await;
    Ok(vec![
        Figure::cost("action round trip p50", samples.quantile_ms(0.50), "ms"),
        Figure::cost("action round trip p99", samples.quantile_ms(0.99), "ms"),
        Figure::cpu(
            "action round trip",
            cpu,
            u64::try_from(actions).unwrap_or_default(),
            "action",
        ),
    ])
}

/// A measured window shared by many tasks: `[start, end)`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub(super) start: Instant,
    pub(super) end: Instant,
}

impl Window {
    pub(super) fn after(timing: Timing) -> Self {
        let start = Instant::now() + timing.warmup;
        Self {
            start,
            end: start + timing.measure,
        }
    }

    pub(super) fn contains(&self, at: Instant) -> bool {
        at >= self.start && at < self.end
    }
}

/// The server's CPU seconds over the measured window that starts `timing.warmup` from now.
fn spawn_cpu_window(
    server: &ServerProcess,
    timing: Timing,
) -> tokio::task::JoinHandle<Option<f64>> {
    let start = Instant::now() + timing.warmup;
    tokio::spawn(cpu_seconds_between(
        server.pid,
        start,
        start + timing.measure,
    ))
}

pub(super) fn lock<T: Copy>(mutex: &Mutex<T>) -> Option<T> {
    Some(*mutex.lock().ok()?)
}

pub(super) fn lock_mut<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a fan-out publishes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// The `BenchCounter` singleton (`increment`; subscribers read `STATE_DELTA.count`).
    Singleton,
    /// The typed room `bench:fan` (`BenchMember.tick`; subscribers read binary `0x02`).
    Room,
    /// The `BenchFeed` singleton (`tick` with 1 KB of padding per delta).
    Feed,
}

impl Topic {
    fn component(self) -> &'static str {
        match self {
            Self::Singleton => "BenchCounter",
            Self::Room => "BenchMember",
            Self::Feed => "BenchFeed",
        }
    }

    fn props(self) -> Option<&'static str> {
        match self {
            Self::Room => Some(r#"{"room":"fan"}"#),
            Self::Singleton | Self::Feed => None,
        }
    }

    fn action(self, seq: u64) -> (&'static str, String) {
        match self {
            Self::Singleton => ("increment", "{}".to_owned()),
            Self::Room | Self::Feed => ("tick", format!(r#"{{"seq":{seq}}}"#)),
        }
    }
}

/// How many ticks the timing ring remembers (far more than can be in flight).
const RING: usize = 1 << 16;

/// Shared by a fan-out's writer and subscribers.
struct Board {
    /// Nanoseconds since `origin` at which tick `seq % RING` was sent.
    sent: Vec<AtomicU64>,
    /// How many subscribers got tick `seq % RING`.
    delivered: Vec<AtomicU32>,
    origin: std::time::Instant,
    /// Subscribers still connected.
    alive: AtomicU32,
    /// Deliveries in the measured window.
    counted: AtomicU64,
    /// Set when the run is over: subscribers stop at their next frame.
    stopping: AtomicBool,
    /// Wakes the writer when a tick reached everyone.
    progress: Notify,
    /// Latency samples of deliveries of ticks sent in the window.
    samples: Mutex<Samples>,
    /// The measured window's start, in nanoseconds since `origin` (0 until set).
    window_start: AtomicU64,
    /// The measured window's end (0 until set).
    window_end: AtomicU64,
}

impl Board {
    fn new(subscribers: usize) -> Arc<Self> {
        Arc::new(Self {
            sent: (0..RING).map(|_| AtomicU64::new(0)).collect(),
            delivered: (0..RING).map(|_| AtomicU32::new(0)).collect(),
            origin: std::time::Instant::now(),
            alive: AtomicU32::new(u32::try_from(subscribers).unwrap_or(u32::MAX)),
            counted: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
            progress: Notify::new(),
            samples: Mutex::new(Samples::default()),
            window_start: AtomicU64::new(0),
            window_end: AtomicU64::new(0),
        })
    }

    fn set_window(&self, start: u64, end: u64) {
        self.window_start.store(start, Ordering::Release);
        self.window_end.store(end, Ordering::Release);
    }

    fn window(&self) -> (u64, u64) {
        (
            self.window_start.load(Ordering::Acquire),
            self.window_end.load(Ordering::Acquire),
        )
    }

    fn now_ns(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn slot(seq: u64) -> usize {
        usize::try_from(seq).unwrap_or_default() % RING
    }

    /// A subscriber got tick `seq`.
    fn deliver(&self, seq: u64, window: (u64, u64), samples: &mut Samples) {
        let now = self.now_ns();
        let slot = Self::slot(seq);
        let sent = self
            .sent
            .get(slot)
            .map_or(0, |at| at.load(Ordering::Acquire));
        if now >= window.0 && now < window.1 {
            self.counted.fetch_add(1, Ordering::Relaxed);
        }
        if sent >= window.0 && sent < window.1 {
            samples.push(Duration::from_nanos(now.saturating_sub(sent)));
        }
        if let Some(count) = self.delivered.get(slot) {
            let reached = count.fetch_add(1, Ordering::AcqRel) + 1;
            if reached >= self.alive.load(Ordering::Acquire) {
                self.progress.notify_one();
            }
        }
    }

    /// Like [`deliver`](Self::deliver), without latency samples; true for the delivery
    /// that completed the tick (every live subscriber has it).
    fn deliver_and_done(&self, seq: u64, window: (u64, u64), _samples: &mut Samples) -> bool {
        let now = self.now_ns();
        if now >= window.0 && now < window.1 {
            self.counted.fetch_add(1, Ordering::Relaxed);
        }
        self.delivered.get(Self::slot(seq)).is_some_and(|count| {
            count.fetch_add(1, Ordering::AcqRel) + 1 == self.alive.load(Ordering::Acquire)
        })
    }

    fn reached_everyone(&self, seq: u64) -> bool {
        self.delivered
            .get(Self::slot(seq))
            .is_none_or(|count| count.load(Ordering::Acquire) >= self.alive.load(Ordering::Acquire))
    }
}

/// Ticks a subscriber found in one frame.
fn ticks_in(message: &Message, topic: Topic, mut each: impl FnMut(u64)) {
    match (message, topic) {
        (Message::Text(text), Topic::Singleton | Topic::Feed) => {
            client::for_each_msg(text, |message| {
                if let Some(seq) = message.delta_seq() {
                    each(seq);
                }
            });
        }
        (Message::Binary(bytes), Topic::Room) => {
            if let Some(RoomFrame {
                frame_type: 0x02,
                event: "tick",
                payload,
            }) = room_frame(bytes)
                && let Some(seq) = msgpack_u64(payload)
            {
                each(seq);
            }
        }
        _ => {}
    }
}

/// A subscriber: reads until the run is over, timing every tick it gets.
async fn subscribe(mut conn: Conn, topic: Topic, board: Arc<Board>) -> Result<()> {
    let mut samples = Samples::with_capacity(1024);
    let outcome = loop {
        let message = match tokio::time::timeout(Duration::from_secs(60), conn.next()).await {
            Ok(Ok(message)) => message,
            Ok(Err(error)) => break Err(error),
            Err(_) => break Err(anyhow!("subscriber idle for 60 s")),
        };
        if let Message::Close(frame) = &message {
            break Err(anyhow!("closed by server: {frame:?}"));
        }
        let window = board.window();
        ticks_in(&message, topic, |seq| {
            board.deliver(seq, window, &mut samples)
        });
        if board.stopping.load(Ordering::Acquire) {
            break Ok(());
        }
    };
    if outcome.is_err() {
        board.alive.fetch_sub(1, Ordering::AcqRel);
        board.progress.notify_one();
    }
    lock_mut(&board.samples).merge(samples);
    outcome
}

/// Scenario 3: one writer, `subscribers` readers of one topic. The writer keeps at most
/// `window` ticks ahead of the slowest reader (so no queue ever overflows), as fast as
/// the server delivers.
pub async fn fan_out(
    server: &ServerProcess,
    topic: Topic,
    subscribers: usize,
    timing: Timing,
    window: u64,
) -> Result<Vec<Figure>> {
    let setup_started = Instant::now();
    let mut writer = Conn::connect(server.addr).await?;
    let writer_id = writer.mount(topic.component(), topic.props()).await?;
    let board = Board::new(subscribers);
    let ready = Arc::new(AtomicUsize::new(0));
    let mut set = JoinSet::new();
    {
        let board = Arc::clone(&board);
        let viewers = Viewers {
            addr: server.addr,
            count: subscribers,
            component: topic.component(),
            props: topic.props(),
        };
        viewers
            .mount(&ready, &mut set, move |conn| {
                subscribe(conn, topic, Arc::clone(&board))
            })
            .await;
    }
    wait_ready(&ready, subscribers, &mut set).await?;
    // Let the join storm (`viewers` deltas, `$sub:join` events) drain.
    drain_writer(&mut writer, Duration::from_millis(500)).await?;
    let setup = setup_started.elapsed();
    let start_ns = board.now_ns() + u64::try_from(timing.warmup.as_nanos()).unwrap_or(0);
    let end_ns = start_ns + u64::try_from(timing.measure.as_nanos()).unwrap_or(0);
    board.set_window(start_ns, end_ns);
    let cpu = spawn_cpu_window(server, timing);
    let mut stalls = 0u32;
    let mut seq = 0u64;
    // The tick the writer waits for, and since when.
    let mut gate_since: Option<(u64, Instant)> = None;
    while board.now_ns() < end_ns {
        let gate = (seq + 1).saturating_sub(window);
        if gate > 0 && !board.reached_everyone(gate) {
            let since = match gate_since {
                Some((waited, since)) if waited == gate => since,
                _ => {
                    let now = Instant::now();
                    gate_since = Some((gate, now));
                    now
                }
            };
            let notified = board.progress.notified();
            if board.reached_everyone(gate) {
                continue;
            }
            // Meanwhile read the writer's own frames (its replies, its own deltas).
            tokio::select! {
                () = notified => {}
                message = writer.next() => {
                    if let Message::Close(frame) = message? {
                        return Err(anyhow!("writer closed: {frame:?}"));
                    }
                }
                () = tokio::time::sleep_until(since + Duration::from_secs(5)) => {
                    // A subscriber is stuck: count it and move on.
                    stalls += 1;
                    mark_reached(&board, gate);
                }
            }
            continue;
        }
        seq += 1;
        let slot = Board::slot(seq);
        if let Some(count) = board.delivered.get(slot) {
            count.store(0, Ordering::Release);
        }
        if let Some(at) = board.sent.get(slot) {
            at.store(board.now_ns(), Ordering::Release);
        }
        let (action, payload) = topic.action(seq);
        writer.call(&writer_id, action, &payload).await?;
    }
    board.stopping.store(true, Ordering::Release);
    // One more tick wakes every subscriber so it sees `stopping`.
    seq += 1;
    let (action, payload) = topic.action(seq);
    writer.call_and_wait(&writer_id, action, &payload).await?;
    let joined = tokio::time::timeout(Duration::from_secs(60), join_all(&mut set)).await;
    let lost = subscribers
        .saturating_sub(usize::try_from(board.alive.load(Ordering::Acquire)).unwrap_or_default());
    writer.close().await;
    if let Ok(Err(error)) = joined
        && lost == subscribers
    {
        return Err(error);
    }
    let label = match topic {
        Topic::Singleton => "singleton",
        Topic::Room => "typed room",
        Topic::Feed => "feed",
    };
    let deliveries = board.counted.load(Ordering::Relaxed);
    let cpu = cpu.await.ok().flatten();
    let mut samples = std::mem::take(&mut *lock_mut(&board.samples));
    eprintln!(
        "    fan-out {label} x{subscribers}: setup {:.1}s, {} ticks, {} latency samples, {stalls} stalls, {lost} subscribers lost",
        secs(setup),
        seq,
        samples.len()
    );
    Ok(vec![
        Figure::rate(
            format!("fan-out {label}, {subscribers} subscribers"),
            per_sec(deliveries, timing.measure),
            "deliveries/s",
        ),
        Figure::cost(
            format!("fan-out {label}, {subscribers} subscribers: delivery p99"),
            samples.quantile_ms(0.99),
            "ms",
        ),
        Figure::cpu(
            &format!("fan-out {label}, {subscribers} subscribers"),
            cpu,
            deliveries,
            "delivery",
        ),
    ])
}

/// Lets the writer pass a tick that some subscriber never got.
fn mark_reached(board: &Board, seq: u64) {
    if let Some(count) = board.delivered.get(Board::slot(seq)) {
        count.store(u32::MAX, Ordering::Release);
    }
}

/// Reads whatever the writer connection has for `quiet` (its own join-storm frames).
async fn drain_writer(conn: &mut Conn, quiet: Duration) -> Result<()> {
    loop {
        match tokio::time::timeout(quiet, conn.next()).await {
            Err(_) => return Ok(()),
            Ok(Ok(Message::Close(frame))) => return Err(anyhow!("writer closed: {frame:?}")),
            Ok(Ok(_)) => {}
            Ok(Err(error)) => return Err(error),
        }
    }
}

/// Scenario 4: `members` connections in one typed room, every one calling `tick`; each
/// tick goes to every other member. Room-wide, at most `window` ticks are in flight (a
/// tick is done when every other member got it), so no member's queue can overflow: the
/// members take turns through a fair semaphore and read all the time.
pub async fn shared_room(
    server: &ServerProcess,
    members: usize,
    timing: Timing,
    window: u64,
) -> Result<Vec<Figure>> {
    let board = Board::new(members.saturating_sub(1));
    let permits = Arc::new(Semaphore::new(0));
    let ready = Arc::new(AtomicUsize::new(0));
    let next_seq = Arc::new(AtomicU64::new(0));
    let end = Arc::new(Mutex::new(None::<Instant>));
    let totals = Arc::new(Mutex::new((0u64, Samples::default())));
    let go = Arc::new(Notify::new());
    let mut set = JoinSet::new();
    {
        let shared = RoomShared {
            go: Arc::clone(&go),
            board: Arc::clone(&board),
            permits: Arc::clone(&permits),
            ready: Arc::clone(&ready),
            next_seq: Arc::clone(&next_seq),
            end: Arc::clone(&end),
            totals: Arc::clone(&totals),
        };
        fan_connect(server.addr, members, 100, &mut set, move |_, conn| {
            room_member(conn, shared.clone())
        })
        .await;
    }
    wait_ready(&ready, members, &mut set).await?;
    // Let the join storm (`$sub:join` to every member) settle: members read it meanwhile.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start_ns = board.now_ns() + u64::try_from(timing.warmup.as_nanos()).unwrap_or(0);
    let end_ns = start_ns + u64::try_from(timing.measure.as_nanos()).unwrap_or(0);
    board.set_window(start_ns, end_ns);
    *lock_mut(&end) = Some(Instant::now() + timing.warmup + timing.measure);
    let cpu = spawn_cpu_window(server, timing);
    permits.add_permits(usize::try_from(window).unwrap_or(1));
    go.notify_waiters();
    let joined = join_all(&mut set).await;
    let lost = members
        .saturating_sub(1)
        .saturating_sub(usize::try_from(board.alive.load(Ordering::Acquire)).unwrap_or_default());
    if let Err(error) = joined
        && lost + 1 >= members
    {
        return Err(error);
    }
    let ticks = next_seq.load(Ordering::Relaxed);
    let cpu = cpu.await.ok().flatten();
    let mut totals = std::mem::take(&mut *lock_mut(&totals));
    let deliveries = board.counted.load(Ordering::Relaxed);
    eprintln!(
        "    shared room x{members}: {ticks} ticks, {} actions timed, {lost} members lost",
        totals.1.len()
    );
    Ok(vec![
        Figure::rate(
            format!("shared room, {members} members acting"),
            per_sec(totals.0, timing.measure),
            "actions/s",
        ),
        Figure::rate(
            format!("shared room, {members} members: deliveries"),
            per_sec(deliveries, timing.measure),
            "deliveries/s",
        ),
        Figure::cost(
            format!("shared room, {members} members: action p99"),
            totals.1.quantile_ms(0.99),
            "ms",
        ),
        Figure::cpu(
            &format!("shared room, {members} members"),
            cpu,
            deliveries,
            "delivery",
        ),
    ])
}

/// What the members of the shared-room scenario share.
#[derive(Clone)]
struct RoomShared {
    /// Wakes the members when the run starts.
    go: Arc<Notify>,
    board: Arc<Board>,
    /// Ticks that may start (one is added back when a tick reached every other member).
    permits: Arc<Semaphore>,
    ready: Arc<AtomicUsize>,
    next_seq: Arc<AtomicU64>,
    /// When members stop acting (set when the run starts).
    end: Arc<Mutex<Option<Instant>>>,
    /// Actions in the window and their reply latencies.
    totals: Arc<Mutex<(u64, Samples)>>,
}

async fn room_member(mut conn: Conn, shared: RoomShared) -> Result<()> {
    let id = conn
        .mount("BenchMember", Some(r#"{"room":"shared"}"#))
        .await?;
    // Read the join storm while waiting for the start.
    let go = shared.go.notified();
    tokio::pin!(go);
    go.as_mut().enable();
    shared.ready.fetch_add(1, Ordering::SeqCst);
    loop {
        tokio::select! {
            () = &mut go => break,
            message = conn.next() => { message?; }
        }
    }
    let end = lock(&shared.end).flatten().context("the run has no end")?;
    let board = &shared.board;
    let mut samples = Samples::with_capacity(256);
    let mut actions = 0u64;
    // The call in flight: (request id, sent at).
    let mut in_flight: Option<(String, Instant)> = None;
    let mut delivered = Samples::default();
    let outcome = loop {
        let acting = Instant::now() < end;
        if !acting && in_flight.is_none() {
            break Ok(());
        }
        let may_start = acting && in_flight.is_none();
        tokio::select! {
            permit = shared.permits.acquire(), if may_start => {
                let Ok(permit) = permit else { break Ok(()) };
                permit.forget();
                let seq = shared.next_seq.fetch_add(1, Ordering::Relaxed) + 1;
                let slot = Board::slot(seq);
                if let Some(count) = board.delivered.get(slot) {
                    count.store(0, Ordering::Release);
                }
                if let Some(at) = board.sent.get(slot) {
                    at.store(board.now_ns(), Ordering::Release);
                }
                match conn.call(&id, "tick", &format!(r#"{{"seq":{seq}}}"#)).await {
                    Ok(request_id) => in_flight = Some((request_id, Instant::now())),
                    Err(error) => break Err(error),
                }
            }
            () = tokio::time::sleep_until(end), if acting => {}
            message = tokio::time::timeout(Duration::from_secs(10), conn.next()) => {
                let message = match message {
                    Ok(Ok(message)) => message,
                    Ok(Err(error)) => break Err(error),
                    // Quiet for 10 s: a tick got lost; give its turn back.
                    Err(_) => {
                        shared.permits.add_permits(1);
                        continue;
                    }
                };
                match &message {
                    Message::Binary(bytes) => {
                        if let Some(RoomFrame { frame_type: 0x02, event: "tick", payload }) =
                            room_frame(bytes)
                            && let Some(seq) = msgpack_u64(payload)
                        {
                            let window = board.window();
                            if board.deliver_and_done(seq, window, &mut delivered) {
                                shared.permits.add_permits(1);
                            }
                        }
                    }
                    Message::Text(text) => {
                        if let Some((request_id, sent)) = &in_flight {
                            let mut done = false;
                            client::for_each_msg(text, |m| done |= is_reply_to(m, request_id));
                            if done {
                                let window = board.window();
                                let sent_ns = board.now_ns().saturating_sub(
                                    u64::try_from(sent.elapsed().as_nanos()).unwrap_or(0),
                                );
                                if sent_ns >= window.0 && sent_ns < window.1 {
                                    actions += 1;
                                    samples.push(sent.elapsed());
                                }
                                in_flight = None;
                            }
                        }
                    }
                    Message::Close(frame) => break Err(anyhow!("closed by server: {frame:?}")),
                    _ => {}
                }
            }
        }
    };
    if outcome.is_err() {
        board.alive.fetch_sub(1, Ordering::AcqRel);
    }
    {
        let mut totals = lock_mut(&shared.totals);
        totals.0 += actions;
        totals.1.merge(samples);
    }
    conn.close().await;
    outcome
}

/// Scenario 5: server RSS per idle connection with one mounted `Counter`.
pub async fn memory(server: &ServerProcess, connections: usize) -> Result<Vec<Figure>> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_bytes(server.pid).context("server RSS")?;
    let conns = Arc::new(Mutex::new(Vec::with_capacity(connections)));
    let mut set = JoinSet::new();
    {
        let conns = Arc::clone(&conns);
        fan_connect(
            server.addr,
            connections,
            200,
            &mut set,
            move |_, mut conn| {
                let conns = Arc::clone(&conns);
                async move {
                    conn.mount("Counter", None).await?;
                    lock_mut(&conns).push(conn);
                    Ok(())
                }
            },
        )
        .await;
    }
    join_all(&mut set).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_bytes(server.pid).context("server RSS")?;
    let held = lock_mut(&conns).len();
    let conns = std::mem::take(&mut *lock_mut(&conns));
    drop(conns);
    #[allow(clippy::cast_precision_loss)]
    let per_connection = after.saturating_sub(before) as f64 / held.max(1) as f64 / 1024.0;
    #[allow(clippy::cast_precision_loss)]
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    eprintln!(
        "    memory: {held} connections, RSS {:.1} MiB -> {:.1} MiB",
        mib(before),
        mib(after)
    );
    Ok(vec![Figure::cost(
        format!("RSS per idle connection + mounted Counter, {connections} connections"),
        per_connection,
        "KiB",
    )])
}

/// Scenario 6: connections opened and a `Counter` mounted on each, `parallel` at a time;
/// every connection stays open until the end.
pub async fn mount_rate(
    server: &ServerProcess,
    connections: usize,
    parallel: usize,
) -> Result<Vec<Figure>> {
    let started = Instant::now();
    let cpu = CpuClock::start(server.pid);
    let conns = Arc::new(Mutex::new(Vec::with_capacity(connections)));
    let mut set = JoinSet::new();
    {
        let conns = Arc::clone(&conns);
        fan_connect(
            server.addr,
            connections,
            parallel,
            &mut set,
            move |_, mut conn| {
                let conns = Arc::clone(&conns);
                async move {
                    conn.mount("Counter", None).await?;
                    lock_mut(&conns).push(conn);
                    Ok(())
                }
            },
        )
        .await;
    }
    join_all(&mut set).await?;
    let elapsed = started.elapsed();
    let cpu = cpu.seconds();
    drop(std::mem::take(&mut *lock_mut(&conns)));
    let mounts = u64::try_from(connections).unwrap_or_default();
    Ok(vec![
        Figure::rate(
            format!("connect + mount, {parallel} at a time"),
            per_sec(mounts, elapsed),
            "mounts/s",
        ),
        Figure::cpu(
            &format!("connect + mount, {parallel} at a time"),
            cpu,
            mounts,
            "mount",
        ),
    ])
}

/// What happened to clients that never read.
#[derive(Debug, Default, Clone, Copy)]
pub struct SlowOutcome {
    /// Got a close frame with code 1008.
    pub closed_1008: usize,
    /// Got some other close, or the socket ended.
    pub closed_other: usize,
    /// Still open with nothing more to read (not disconnected).
    pub still_open: usize,
    /// Slow clients' sockets the server still held when the ticking stopped (it had not
    /// dropped them, whatever it had queued for them).
    pub held_by_server: usize,
}

/// Scenario 7: `subscribers` readers of `BenchFeed` (1 KB deltas) at `rate` ticks/s, plus
/// `slow` clients that mount and then never read. Returns the fast readers' figures, the
/// server's RSS growth while the slow ones back up, and what happened to the slow ones.
pub async fn slow_clients(
    server: &ServerProcess,
    subscribers: usize,
    slow: usize,
    rate: u32,
    duration: Duration,
) -> Result<(Vec<Figure>, SlowOutcome)> {
    let topic = Topic::Feed;
    let mut writer = Conn::connect(server.addr).await?;
    let writer_id = writer.mount(topic.component(), None).await?;
    let board = Board::new(subscribers);
    let ready = Arc::new(AtomicUsize::new(0));
    let mut set = JoinSet::new();
    {
        let board = Arc::clone(&board);
        let viewers = Viewers {
            addr: server.addr,
            count: subscribers,
            component: topic.component(),
            props: None,
        };
        viewers
            .mount(&ready, &mut set, move |conn| {
                subscribe(conn, topic, Arc::clone(&board))
            })
            .await;
    }
    let mut stalled = Vec::with_capacity(slow);
    for _ in 0..slow {
        let mut conn = Conn::connect_small_buffer(server.addr).await?;
        conn.mount(topic.component(), None).await?;
        stalled.push(conn);
    }
    wait_ready(&ready, subscribers, &mut set).await?;
    drain_writer(&mut writer, Duration::from_millis(300)).await?;
    let rss_start = rss_bytes(server.pid).context("server RSS")?;
    let fds_start = open_fds(server.pid).unwrap_or_default();
    // Measure the whole run after a 1 s warm-up.
    let warmup = Duration::from_secs(1);
    let start_ns = board.now_ns() + u64::try_from(warmup.as_nanos()).unwrap_or(0);
    let end_ns = start_ns + u64::try_from(duration.as_nanos()).unwrap_or(0);
    board.set_window(start_ns, end_ns);
    let cpu = spawn_cpu_window(
        server,
        Timing {
            warmup,
            measure: duration,
        },
    );
    let rss_peak = Arc::new(AtomicU64::new(rss_start));
    let sampler = {
        let (rss_peak, pid) = (Arc::clone(&rss_peak), server.pid);
        tokio::spawn(async move {
            let mut series = Vec::new();
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                if let Some(rss) = rss_bytes(pid) {
                    rss_peak.fetch_max(rss, Ordering::Relaxed);
                    series.push(rss);
                }
            }
        })
    };
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate.max(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seq = 0u64;
    // Open loop: a tick every 1/rate s whatever the replies do; the writer reads its own
    // frames in between.
    while board.now_ns() < end_ns {
        tokio::select! {
            _ = ticker.tick() => {
                seq += 1;
                let slot = Board::slot(seq);
                if let Some(count) = board.delivered.get(slot) {
                    count.store(0, Ordering::Release);
                }
                if let Some(at) = board.sent.get(slot) {
                    at.store(board.now_ns(), Ordering::Release);
                }
                let (action, payload) = topic.action(seq);
                writer.call(&writer_id, action, &payload).await?;
            }
            message = writer.next() => {
                if let Message::Close(frame) = message? {
                    return Err(anyhow!("writer closed: {frame:?}"));
                }
            }
        }
    }
    let rss_end = rss_bytes(server.pid).unwrap_or_default();
    let fds_end = open_fds(server.pid).unwrap_or_default();
    sampler.abort();
    board.stopping.store(true, Ordering::Release);
    seq += 1;
    let (action, payload) = topic.action(seq);
    writer.call_and_wait(&writer_id, action, &payload).await?;
    let _ = tokio::time::timeout(Duration::from_secs(30), join_all(&mut set)).await;
    writer.close().await;
    // Now the slow clients read: what did the server do with them?
    let mut outcome = SlowOutcome::default();
    for mut conn in stalled {
        let fate = loop {
            match tokio::time::timeout(Duration::from_secs(3), conn.next()).await {
                Err(_) => break None,
                Ok(Ok(Message::Close(frame))) => break frame.map(|frame| frame.code),
                Ok(Ok(_)) => {}
                Ok(Err(_)) => break Some(CloseCode::Abnormal),
            }
        };
        match fate {
            Some(CloseCode::Policy) => outcome.closed_1008 += 1,
            Some(_) => outcome.closed_other += 1,
            None => outcome.still_open += 1,
        }
    }
    outcome.held_by_server = slow.saturating_sub(fds_start.saturating_sub(fds_end));
    let peak = rss_peak.load(Ordering::Relaxed).max(rss_end);
    let lost = subscribers
        .saturating_sub(usize::try_from(board.alive.load(Ordering::Acquire)).unwrap_or_default());
    #[allow(clippy::cast_precision_loss)]
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    eprintln!(
        "    slow clients ({slow} of {}): {seq} ticks at {rate}/s; RSS {:.1} -> peak {:.1}, end {:.1} MiB; server fds {fds_start} -> {fds_end}; fast readers lost {lost}; slow: {} closed 1008, {} other close, {} still open",
        subscribers + slow,
        mib(rss_start),
        mib(peak),
        mib(rss_end),
        outcome.closed_1008,
        outcome.closed_other,
        outcome.still_open,
    );
    let mut samples = std::mem::take(&mut *lock_mut(&board.samples));
    let cpu = cpu.await.ok().flatten();
    let figures = vec![
        Figure::cost(
            "fast readers' delivery p99",
            samples.quantile_ms(0.99),
            "ms",
        ),
        Figure::cost("server RSS peak", mib(peak), "MiB"),
        Figure::cpu(
            "fast readers",
            cpu,
            board.counted.load(Ordering::Relaxed),
            "delivery",
        ),
    ];
    Ok((figures, outcome))
}
