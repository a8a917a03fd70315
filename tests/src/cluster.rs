//! Real processes and a real Redis for the cluster tests: a private `redis-server` on a
//! free port per test (never the system one), and demo server processes
//! (`demo_node`, i.e. `demo::server_from_env`) joined to it.
//!
//! Without `redis-server` on the `PATH` the tests skip with a printed reason, except under
//! `CI=true`, where that is a failure.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The key prefix the demo uses (the default).
pub const PREFIX: &str = "live:";

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|error| panic!("no free port: {error}"))
}

/// A `redis-server` process owned by one test.
#[derive(Debug)]
pub struct Redis {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// Starts a private `redis-server`, or returns `None` (with the reason printed) when there
/// is none to start and `CI` is not `true`.
pub fn redis_server() -> Option<Redis> {
    let available = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !available {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "redis-server is required for the cluster tests under CI (apt-get install redis-server)"
            );
        }
        eprintln!("SKIPPED: redis-server not found on PATH; install it to run the cluster tests");
        return None;
    }
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("live-redis-{}-{port}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let mut redis = Redis {
        port,
        dir,
        child: None,
    };
    redis.spawn();
    Some(redis)
}

impl Redis {
    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .args(["--protected-mode", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("redis-server did not start: {error}"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.command(&["PING"]).as_deref() == Some("PONG") {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server on port {} did not answer PING", self.port);
    }

    /// Kills the server (SIGKILL: its data, kept in memory only, is gone).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Runs one command (a minimal RESP client); `None` for a nil reply or no answer.
    pub fn command(&self, args: &[&str]) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(request.as_bytes()).ok()?;
        read_reply(&mut BufReader::new(stream))
    }

    /// How many connections subscribe to `channel` (`PUBSUB NUMSUB`: channel, then count).
    pub fn subscribers(&self, channel: &str) -> usize {
        self.command(&["PUBSUB", "NUMSUB", channel])
            .and_then(|reply| reply.lines().nth(1).and_then(|n| n.parse().ok()))
            .unwrap_or(0)
    }

    /// The subscribed channels matching `pattern` (`PUBSUB CHANNELS`), sorted.
    pub fn channels(&self, pattern: &str) -> Vec<String> {
        let reply = self
            .command(&["PUBSUB", "CHANNELS", pattern])
            .unwrap_or_default();
        let mut channels: Vec<String> = reply
            .lines()
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect();
        channels.sort();
        channels
    }

    /// The claim value of singleton `name` (`"<instance>:<componentId>"`).
    pub fn owner_of(&self, name: &str) -> Option<String> {
        self.command(&["GET", &format!("{PREFIX}singleton:{name}")])
    }

    /// The mirrored state record of singleton `name`, as JSON.
    pub fn mirror_of(&self, name: &str) -> Option<serde_json::Value> {
        self.command(&["GET", &format!("{PREFIX}singleton-state:{name}")])
            .and_then(|text| serde_json::from_str(&text).ok())
    }
}

/// One RESP reply: simple strings, errors and integers as their text, bulk strings as
/// their content (`None` for nil), arrays as their elements on separate lines.
fn read_reply(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let line = line.trim_end();
    let (kind, rest) = line.split_at_checked(1)?;
    match kind {
        "+" | ":" | "-" => Some(rest.to_owned()),
        "$" => {
            let len = usize::try_from(rest.parse::<i64>().ok()?).ok()?;
            let mut body = vec![0; len + 2];
            reader.read_exact(&mut body).ok()?;
            body.truncate(len);
            String::from_utf8(body).ok()
        }
        "*" => {
            let count = usize::try_from(rest.parse::<i64>().ok()?).ok()?;
            let items: Vec<String> = (0..count)
                .map(|_| read_reply(reader).unwrap_or_default())
                .collect();
            Some(items.join("\n"))
        }
        _ => None,
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Cluster timing for a test's server processes.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Singleton claim time to live, seconds (`LIVE_SINGLETON_TTL_SECS`).
    pub ttl_secs: f64,
    /// Heartbeat interval, milliseconds (`LIVE_HEARTBEAT_MS`).
    pub heartbeat_ms: u64,
}

impl Timing {
    /// 2 s claims, 300 ms heartbeats.
    pub const FAST: Self = Self {
        ttl_secs: 2.0,
        heartbeat_ms: 300,
    };

    /// The claim time to live.
    pub fn ttl(&self) -> Duration {
        Duration::from_secs_f64(self.ttl_secs)
    }

    /// The heartbeat interval.
    pub fn heartbeat(&self) -> Duration {
        Duration::from_millis(self.heartbeat_ms)
    }
}

/// A demo server process in the cluster.
#[derive(Debug)]
pub struct Node {
    child: Child,
    /// Its WebSocket URL.
    pub url: String,
    /// Its cluster instance id.
    pub instance: String,
}

impl Node {
    /// Starts `bin` (the `demo_node` binary) on a free port, joined to `redis`.
    pub fn start(bin: &str, redis: &Redis, timing: Timing) -> Self {
        let mut child = Command::new(bin)
            .env("LIVE_ADDR", "127.0.0.1:0")
            .env("LIVE_REDIS_URL", redis.url())
            .env("LIVE_SINGLETON_TTL_SECS", timing.ttl_secs.to_string())
            .env("LIVE_HEARTBEAT_MS", timing.heartbeat_ms.to_string())
            .env("LIVE_ACTION_TIMEOUT_MS", "3000")
            .env("LIVE_STATE_SECRET", "cluster-test-secret")
            .env(
                "RUST_LOG",
                std::env::var("LIVE_TEST_LOG").unwrap_or_else(|_| "error".to_owned()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("{bin} did not start: {error}"));
        let stdout = child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("no stdout from {bin}"));
        let (lines_tx, lines_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let next_line = || {
            lines_rx
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|error| panic!("{bin} printed no line: {error}"))
        };
        let first = next_line();
        let url = first
            .strip_prefix("Live demo listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
            .to_owned();
        let second = next_line();
        let instance = second
            .strip_prefix("Cluster instance ")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("unexpected second line: {second:?}"))
            .to_owned();
        Self {
            child,
            url,
            instance,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process with SIGKILL (no shutdown, no hand-off).
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends `signal` (e.g. `"STOP"`, `"CONT"`) to the process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status();
        assert!(
            status.is_ok_and(|status| status.success()),
            "kill -{signal} failed"
        );
    }

    /// Whether this node holds singleton `name`'s claim in `redis`.
    pub fn owns(&self, redis: &Redis, name: &str) -> bool {
        redis
            .owner_of(name)
            .is_some_and(|owner| owner.starts_with(&format!("{}:", self.instance)))
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-CONT")
            .arg(self.pid().to_string())
            .stderr(Stdio::null())
            .status();
        self.kill9();
    }
}

/// The `p`-th percentile (0–100) of `samples`, in milliseconds.
pub fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort_unstable();
    if samples.is_empty() {
        return f64::NAN;
    }
    let last = samples.len() - 1;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((p / 100.0) * last as f64).round() as usize;
    samples
        .get(index.min(last))
        .map_or(f64::NAN, |sample| sample.as_secs_f64() * 1000.0)
}

/// Prints `METRIC <name>: n=… p50=…ms p99=…ms` for `samples` (run tests with `--nocapture`).
pub fn report(name: &str, samples: &mut [Duration]) {
    let p50 = percentile(samples, 50.0);
    let p99 = percentile(samples, 99.0);
    eprintln!(
        "METRIC {name}: n={} p50={p50:.2}ms p99={p99:.2}ms",
        samples.len()
    );
}

/// Polls `check` every 10 ms until it holds; fails the test after `within`.
pub async fn until(what: &str, within: Duration, check: impl Fn() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < within, "never: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
