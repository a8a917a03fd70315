//! `live_bench`: a load generator that speaks the Live protocol, run against Live and
//! against a bare tokio-tungstenite baseline in the same invocation.
//!
//! ```text
//! live_bench [--quick] [--json PATH] [--only NAME,...] [--server-runtime current|multi]
//!            [--server-threads N] [--client-threads N] [--no-pin] [--rounds N]
//! live_bench --dump live|baseline     print the frames of each interaction (shape check)
//! ```
//!
//! Every scenario starts a fresh server as a child process (`live_bench --serve <kind>`)
//! on 127.0.0.1, so that server and load generator never share a runtime, and the server's
//! memory can be read from `/proc`. By default the server runs a current-thread tokio
//! runtime and the generator one, each pinned to a CPU of its own (the server to the last,
//! the generator to the first; `--no-pin` leaves both to the kernel). See
//! docs/performance.md.

pub mod affinity;

pub mod baseline;
pub mod baseline_uploads;
pub mod client;
pub mod components;
pub mod push;
pub mod report;
pub mod scenarios;
pub mod server;
pub mod stats;
pub mod throughput;
pub mod uploads;
pub mod viewers;

use anyhow::{Context, Result, anyhow, bail};
use report::Row;
use scenarios::{Figure, Timing, Topic};
use server::{ServerKind, ServerLaunch, ServerProcess, ServerRuntime};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Command-line options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Small scale: every scenario, under a minute in total.
    pub quick: bool,
    /// Where to write the JSON results.
    pub json: Option<String>,
    /// Only these scenarios (names as in [`SCENARIOS`]).
    pub only: Option<Vec<String>>,
    /// How the servers run (their runtime; `--server-cpu`, in a child, its CPU).
    pub server: ServerLaunch,
    /// Pin the servers and the load generator to CPUs of their own (on unless `--no-pin`).
    pub pin: bool,
    /// Load-generator worker threads.
    pub client_threads: usize,
    /// Internal: run a server of this kind.
    pub serve: Option<ServerKind>,
    /// Print the frames each server sends.
    pub dump: Option<ServerKind>,
    /// Overrides how long `slow` ticks.
    pub slow_seconds: Option<u64>,
    /// Overrides how many ticks a fan-out writer may be ahead of its slowest reader.
    pub window: Option<u64>,
    /// Runs of each server per scenario, alternating; each figure is their median.
    pub rounds: usize,
    /// Overrides how long the timed scenarios measure (profiling under load: two runs of
    /// different lengths, subtracted, leave out the setup).
    pub measure_seconds: Option<u64>,
}

/// The scenario names `--only` accepts.
pub const SCENARIOS: &[&str] = &[
    "rtt",
    "throughput",
    "fanout",
    "room-fanout",
    "shared-room",
    "memory",
    "mount",
    "slow",
    "push",
    "metrics",
    "uploads",
];

const USAGE: &str = "\
live_bench [--quick] [--json PATH] [--only NAME,...] [--server-runtime current|multi]
           [--server-threads N] [--client-threads N] [--slow-seconds N] [--window N]
           [--no-pin] [--rounds N] [--measure-seconds N] [--without-renewals]
live_bench --dump live|baseline
scenarios: rtt throughput fanout room-fanout shared-room memory mount slow push metrics uploads";

impl Options {
    /// Parses the command line (without the program name).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self> {
        let mut options = Self {
            client_threads: 1,
            pin: true,
            rounds: 1,
            ..Self::default()
        };
        let (mut flavor, mut server_threads) = (None, None);
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .ok_or_else(|| anyhow!("{name} needs a value\n{USAGE}"))
            };
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--json" => options.json = Some(value("--json")?),
                "--only" => {
                    let names: Vec<String> =
                        value("--only")?.split(',').map(str::to_owned).collect();
                    if let Some(bad) = names.iter().find(|n| !SCENARIOS.contains(&n.as_str())) {
                        bail!("unknown scenario {bad:?}\n{USAGE}");
                    }
                    options.only = Some(names);
                }
                "--server-runtime" => flavor = Some(value("--server-runtime")?),
                "--server-threads" => {
                    server_threads = Some(value("--server-threads")?.parse()?);
                }
                "--client-threads" => {
                    options.client_threads = value("--client-threads")?.parse()?;
                }
                "--slow-seconds" => {
                    options.slow_seconds = Some(value("--slow-seconds")?.parse()?);
                }
                "--window" => options.window = Some(value("--window")?.parse()?),
                "--measure-seconds" => {
                    options.measure_seconds = Some(value("--measure-seconds")?.parse()?);
                }
                "--no-pin" => options.pin = false,
                "--without-renewals" => options.server.without_renewals = true,
                "--rounds" => options.rounds = value("--rounds")?.parse::<usize>()?.max(1),
                "--server-cpu" => options.server.cpu = Some(value("--server-cpu")?.parse()?),
                "--serve" => options.serve = Some(ServerKind::parse(&value("--serve")?)?),
                "--dump" => options.dump = Some(ServerKind::parse(&value("--dump")?)?),
                "-h" | "--help" => bail!("{USAGE}"),
                other => bail!("unknown argument {other:?}\n{USAGE}"),
            }
        }
        options.server.runtime = ServerRuntime::parse(flavor.as_deref(), server_threads)?;
        Ok(options)
    }

    fn wants(&self, scenario: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|name| name == scenario))
    }
}

/// The sizes of one run.
#[derive(Debug, Clone)]
pub struct Scale {
    /// Sequential actions timed by `rtt`.
    pub rtt_actions: usize,
    /// Clients of `throughput`.
    pub throughput_clients: usize,
    /// Subscriber counts of the singleton fan-out.
    pub fanout_subscribers: Vec<usize>,
    /// Subscriber counts of the typed-room fan-out (each subscriber is a room member, and
    /// every join is a `$sub:join` event to every member: the setup is quadratic).
    pub room_subscribers: Vec<usize>,
    /// Members of `shared-room`.
    pub room_members: usize,
    /// Connections of `memory`.
    pub memory_connections: usize,
    /// Connections of `mount`, and how many at a time.
    pub mount_connections: (usize, usize),
    /// Readers of `slow`, how many of them never read, and the tick rate.
    pub slow: (usize, usize, u32),
    /// How long `slow` ticks.
    pub slow_duration: Duration,
    /// Viewer counts of `push` (a timer-driven singleton).
    pub push_viewers: Vec<usize>,
    /// Warm-up and measured window of the timed scenarios.
    pub timing: Timing,
    /// How many ticks a fan-out writer may be ahead of its slowest reader.
    pub window: u64,
    /// MiB each `uploads` run sends.
    pub upload_mib: usize,
}

impl Scale {
    /// The full run (a few minutes).
    pub fn full() -> Self {
        Self {
            rtt_actions: 10_000,
            throughput_clients: 1_000,
            fanout_subscribers: vec![1_000, 10_000],
            room_subscribers: vec![1_000],
            room_members: 1_000,
            memory_connections: 10_000,
            mount_connections: (5_000, 64),
            slow: (200, 2, 400),
            slow_duration: Duration::from_secs(15),
            push_viewers: vec![1_000, 10_000],
            timing: Timing {
                warmup: Duration::from_secs(1),
                measure: Duration::from_secs(5),
            },
            window: 64,
            upload_mib: 64,
        }
    }

    /// The smoke run (under a minute).
    pub fn quick() -> Self {
        Self {
            rtt_actions: 1_000,
            throughput_clients: 200,
            fanout_subscribers: vec![500],
            room_subscribers: vec![500],
            room_members: 100,
            memory_connections: 1_000,
            mount_connections: (500, 32),
            slow: (100, 1, 400),
            slow_duration: Duration::from_secs(4),
            push_viewers: vec![100, 1_000],
            timing: Timing {
                warmup: Duration::from_millis(300),
                measure: Duration::from_secs(1),
            },
            window: 64,
            upload_mib: 16,
        }
    }
}

/// The program: `live_bench` runs this.
pub fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let result = match (options.serve, options.dump) {
        (Some(kind), _) => server::serve(kind, options.server),
        (None, Some(kind)) => client_runtime(1).and_then(|rt| rt.block_on(dump(kind))),
        (None, None) => run(&options),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("live_bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn client_runtime(threads: usize) -> Result<tokio::runtime::Runtime> {
    let mut builder = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(threads);
        builder
    };
    builder.enable_all().build().context("client runtime")
}

fn run(options: &Options) -> Result<()> {
    server::raise_fd_limit();
    let mut scale = if options.quick {
        Scale::quick()
    } else {
        Scale::full()
    };
    if let Some(window) = options.window {
        scale.window = window.max(1);
    }
    if let Some(seconds) = options.slow_seconds {
        scale.slow_duration = Duration::from_secs(seconds);
    }
    if let Some(seconds) = options.measure_seconds {
        scale.timing.measure = Duration::from_secs(seconds.max(1));
    }
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let mut servers = options.server;
    let mut generator = String::from("not pinned");
    if let Some(placement) = options.pin.then(affinity::Placement::choose).flatten() {
        // Before the runtime is built: its threads inherit this thread's CPU.
        affinity::pin_current_thread(placement.generator_cpu)?;
        servers.cpu = Some(placement.server_cpu);
        generator = format!("pinned to CPU {}", placement.generator_cpu);
    }
    let runtime = client_runtime(options.client_threads)?;
    let started = Instant::now();
    println!(
        "live_bench: {} run; servers on {servers}, load generator {} thread(s) {generator}, {} CPUs",
        if options.quick { "quick" } else { "full" },
        options.client_threads,
        cpus,
    );
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for &name in SCENARIOS {
        if !options.wants(name) {
            continue;
        }
        let scenario_started = Instant::now();
        println!("== {name}");
        let mut figures = Vec::new();
        if name == "metrics" {
            figures = metrics_rounds(servers, &scale, &runtime, &mut failures);
        }
        // `metrics` compares Live with itself (above); the others Live with the baseline.
        let kinds = if name == "metrics" {
            Vec::new()
        } else {
            vec![ServerKind::Live, ServerKind::Baseline]
        };
        let mut rounds: Vec<(ServerKind, Vec<Vec<Figure>>)> =
            kinds.iter().map(|&kind| (kind, Vec::new())).collect();
        for round in 0..options.rounds.max(1) {
            // Every other round the baseline goes first: a slow stretch of a shared
            // machine then falls on both servers alike.
            let order: Vec<usize> = if round % 2 == 0 {
                (0..rounds.len()).collect()
            } else {
                (0..rounds.len()).rev().collect()
            };
            for index in order {
                let Some((kind, found)) = rounds.get_mut(index) else {
                    continue;
                };
                eprintln!("  {} ...", kind.name());
                match run_scenario(name, *kind, servers, &scale, &runtime) {
                    Ok(run) => found.push(run),
                    Err(error) => {
                        eprintln!("  {name} on {}: {error:#}", kind.name());
                        failures.push(format!("{name} on {}: {error:#}", kind.name()));
                    }
                }
            }
        }
        for (kind, found) in rounds {
            figures.push((kind, report::median_of_rounds(&found)));
        }
        let new_rows = report::pair(&figures);
        for row in &new_rows {
            println!("  {}", report::line(row));
        }
        println!("  ({:.1}s)", scenario_started.elapsed().as_secs_f64());
        rows.extend(new_rows);
    }
    println!();
    println!("{}", report::table(&rows));
    println!("total {:.1}s", started.elapsed().as_secs_f64());
    if let Some(path) = &options.json {
        std::fs::write(path, report::json(&rows)).with_context(|| format!("write {path}"))?;
        println!("wrote {path}");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(anyhow!(
            "{} run(s) failed:\n{}",
            failures.len(),
            failures.join("\n")
        ))
    }
}

/// The `metrics` scenario: throughput with metrics on and off, alternating for three rounds
/// (the machine is shared: a burst of someone else's work should hit both sides), keeping
/// each side's best figures. Metrics off fill the baseline's column.
fn metrics_rounds(
    on: ServerLaunch,
    scale: &Scale,
    runtime: &tokio::runtime::Runtime,
    failures: &mut Vec<String>,
) -> Vec<(ServerKind, Vec<Figure>)> {
    let mut best: Vec<(ServerKind, Vec<Figure>)> = vec![
        (ServerKind::Live, Vec::new()),
        (ServerKind::Baseline, Vec::new()),
    ];
    for round in 1..=3 {
        for (kind, column) in [(ServerKind::Live, 0), (ServerKind::LiveWithoutMetrics, 1)] {
            let run = match run_scenario("metrics", kind, on, scale, runtime) {
                Ok(run) => run,
                Err(error) => {
                    failures.push(format!("metrics on {}: {error:#}", kind.name()));
                    continue;
                }
            };
            for figure in run {
                eprintln!(
                    "  round {round}, {}: {} {:.0} {}",
                    kind.name(),
                    figure.name,
                    figure.value,
                    figure.unit
                );
                let Some((_, kept)) = best.get_mut(column) else {
                    continue;
                };
                let name = format!("{} (metrics on; baseline: off)", figure.name);
                match kept.iter_mut().find(|kept| kept.name == name) {
                    Some(kept) if figure.higher_is_better == (figure.value > kept.value) => {
                        kept.value = figure.value;
                    }
                    Some(_) => {}
                    None => kept.push(Figure { name, ..figure }),
                }
            }
        }
    }
    best
}

/// Runs scenario `name` against a fresh server (or two, for `slow`) of `kind`.
fn run_scenario(
    name: &str,
    kind: ServerKind,
    on: ServerLaunch,
    scale: &Scale,
    runtime: &tokio::runtime::Runtime,
) -> Result<Vec<Figure>> {
    let fresh = || ServerProcess::start(kind, on);
    let mut figures = Vec::new();
    match name {
        "rtt" => {
            let server = fresh()?;
            figures = runtime.block_on(scenarios::round_trip(&server, scale.rtt_actions))?;
            server.stop();
        }
        // `metrics` is throughput, run by `metrics_rounds` with metrics on and off.
        "throughput" | "metrics" => {
            let server = fresh()?;
            figures = runtime.block_on(throughput::throughput(
                &server,
                scale.throughput_clients,
                scale.timing,
            ))?;
            server.stop();
        }
        "fanout" | "room-fanout" => {
            let (topic, counts) = if name == "fanout" {
                (Topic::Singleton, &scale.fanout_subscribers)
            } else {
                (Topic::Room, &scale.room_subscribers)
            };
            for &subscribers in counts {
                let server = fresh()?;
                figures.extend(runtime.block_on(scenarios::fan_out(
                    &server,
                    topic,
                    subscribers,
                    scale.timing,
                    scale.window,
                ))?);
                server.stop();
            }
        }
        "shared-room" => {
            let server = fresh()?;
            figures = runtime.block_on(scenarios::shared_room(
                &server,
                scale.room_members,
                scale.timing,
                scale.window,
            ))?;
            server.stop();
        }
        "memory" => {
            let server = fresh()?;
            figures = runtime.block_on(scenarios::memory(&server, scale.memory_connections))?;
            server.stop();
        }
        "mount" => {
            let server = fresh()?;
            let (connections, parallel) = scale.mount_connections;
            figures = runtime.block_on(scenarios::mount_rate(&server, connections, parallel))?;
            server.stop();
        }
        "slow" => {
            let (readers, slow, rate) = scale.slow;
            for stalled in [0, slow] {
                let server = fresh()?;
                let (found, outcome) = runtime.block_on(scenarios::slow_clients(
                    &server,
                    readers,
                    stalled,
                    rate,
                    scale.slow_duration,
                ))?;
                server.stop();
                let label = if stalled == 0 {
                    "no slow clients".to_owned()
                } else {
                    format!("{stalled} of {} never read", readers + stalled)
                };
                for mut figure in found {
                    figure.name = format!("slow clients ({label}): {}", figure.name);
                    figures.push(figure);
                }
                if stalled > 0 {
                    #[allow(clippy::cast_precision_loss)]
                    figures.push(Figure {
                        name: format!("slow clients ({label}): closed with 1008"),
                        value: outcome.closed_1008 as f64,
                        unit: "clients",
                        higher_is_better: true,
                    });
                    #[allow(clippy::cast_precision_loss)]
                    figures.push(Figure {
                        name: format!(
                            "slow clients ({label}): sockets the server still held at the end"
                        ),
                        value: outcome.held_by_server as f64,
                        unit: "clients",
                        higher_is_better: false,
                    });
                }
            }
        }
        "push" => {
            for &viewers in &scale.push_viewers {
                let server = fresh()?;
                figures.extend(runtime.block_on(push::timer_push(
                    &server,
                    viewers,
                    scale.timing,
                ))?);
                server.stop();
            }
        }
        "uploads" => {
            for chunk in [64 * 1024, 1024 * 1024] {
                let server = fresh()?;
                figures.extend(runtime.block_on(uploads::upload(
                    &server,
                    scale.upload_mib,
                    chunk,
                ))?);
                server.stop();
            }
        }
        other => bail!("unknown scenario {other}"),
    }
    Ok(figures)
}

/// Prints the frames each interaction produces (to check that the baseline mimics Live).
async fn dump(kind: ServerKind) -> Result<()> {
    let server = ServerProcess::start(kind, ServerLaunch::default())?;
    let addr = server.addr;
    let show = |what: &str, frames: Vec<String>| {
        println!("--- {what}");
        for frame in frames {
            println!("{frame}");
        }
    };
    let mut a = client::Conn::connect(addr).await?;
    let mut b = client::Conn::connect(addr).await?;
    let id = a.mount("Counter", None).await?;
    let request = a.call(&id, "increment", "{}").await?;
    show("Counter.increment", collect(&mut a, &request).await?);
    let shared = a.mount("SharedCounter", None).await?;
    b.mount("SharedCounter", None).await?;
    let request = a.call(&shared, "increment", "{}").await?;
    show(
        "SharedCounter.increment (caller)",
        collect(&mut a, &request).await?,
    );
    show(
        "SharedCounter.increment (viewer)",
        collect_for(&mut b).await,
    );
    let feed = a.mount("BenchFeed", None).await?;
    let request = a.call(&feed, "tick", r#"{"seq":7}"#).await?;
    show("BenchFeed.tick (caller)", collect(&mut a, &request).await?);
    let member = a.mount("BenchMember", Some(r#"{"room":"dump"}"#)).await?;
    b.mount("BenchMember", Some(r#"{"room":"dump"}"#)).await?;
    let _ = collect_for(&mut a).await;
    let request = a.call(&member, "tick", r#"{"seq":300}"#).await?;
    show(
        "BenchMember.tick (caller)",
        collect(&mut a, &request).await?,
    );
    show("BenchMember.tick (other member)", collect_for(&mut b).await);
    // A tick every 20 ms: read two, never wait for quiet.
    let mut viewer = client::Conn::connect(addr).await?;
    viewer.mount("BenchTicker", None).await?;
    let mut ticks = Vec::new();
    while ticks.len() < 2 {
        let message = tokio::time::timeout(Duration::from_secs(5), viewer.next()).await??;
        ticks.push(describe(&message));
    }
    show("BenchTicker tick (viewer)", ticks);
    let mut c = client::Conn::connect(addr).await?;
    let request = c.request_id();
    c.send(format!(
        r#"{{"type":"COMPONENT_MOUNT","componentId":"mount-Counter","payload":{{"component":"Counter"}},"requestId":"{request}","expectResponse":true}}"#
    ))
    .await?;
    show("Counter mount", collect_for(&mut c).await);
    server.stop();
    Ok(())
}

fn describe(message: &tokio_tungstenite::tungstenite::Message) -> String {
    use tokio_tungstenite::tungstenite::Message;
    match message {
        Message::Text(text) => format!("text {} B: {}", text.len(), text.as_str()),
        Message::Binary(bytes) => format!("binary {} B: {:02x?}", bytes.len(), bytes.as_ref()),
        other => format!("{other:?}"),
    }
}

async fn collect(conn: &mut client::Conn, request_id: &str) -> Result<Vec<String>> {
    let mut frames = Vec::new();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), conn.next()).await??;
        frames.push(describe(&message));
        if let tokio_tungstenite::tungstenite::Message::Text(text) = &message {
            let mut done = false;
            client::for_each_msg(text, |m| done |= client::is_reply_to(m, request_id));
            if done {
                return Ok(frames);
            }
        }
    }
}

async fn collect_for(conn: &mut client::Conn) -> Vec<String> {
    let mut frames = Vec::new();
    while let Ok(Ok(message)) = tokio::time::timeout(Duration::from_millis(300), conn.next()).await
    {
        frames.push(describe(&message));
    }
    frames
}

impl From<&Row> for serde_json::Value {
    fn from(row: &Row) -> Self {
        let number =
            |value: f64| serde_json::Number::from_f64(value).map_or(Self::Null, Self::Number);
        serde_json::json!({
            "scenario": row.scenario,
            "live": number(row.live),
            "baseline": number(row.baseline),
            "unit": row.unit,
            "ratio": number(row.ratio()),
        })
    }
}
