//! The server side of the benchmark: a child process (`live_bench --serve live|baseline`)
//! so that the server and the load generator do not share a tokio runtime, and the
//! server's memory can be read from `/proc/<pid>/status` alone.

use super::affinity;
use super::baseline;
use super::components::{
    BenchCounter, BenchFeed, BenchMember, BenchRoom, BenchTicker, BenchUpload,
};
use anyhow::{Context, Result, anyhow, bail};
use live::LiveServer;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

/// Which server a child process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// Live, with the demo and benchmark components.
    Live,
    /// The bare tokio-tungstenite baseline.
    Baseline,
    /// Live with its metrics turned off (`without_metrics`): the `metrics` scenario's
    /// baseline.
    LiveWithoutMetrics,
}

impl ServerKind {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Baseline => "baseline",
            Self::LiveWithoutMetrics => "live-without-metrics",
        }
    }

    /// Parses a command-line name.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "live" => Ok(Self::Live),
            "baseline" => Ok(Self::Baseline),
            "live-without-metrics" => Ok(Self::LiveWithoutMetrics),
            other => {
                bail!("unknown server kind {other:?} (live | baseline | live-without-metrics)")
            }
        }
    }
}

/// The Live server the benchmark measures: the demo's components and the benchmark's,
/// default settings except the per-connection rate limit, which is off (it caps every
/// client at 50 frames/s, which would make the load generator measure the limiter).
/// Without metrics for `ServerKind::LiveWithoutMetrics`, and without signature renewals
/// when `on` says so (profiling only).
fn live_server(kind: ServerKind, on: ServerLaunch) -> Result<LiveServer> {
    let mut builder = LiveServer::builder()
        .without_registered_components()
        .component::<demo::Counter>()
        .component::<demo::SharedCounter>()
        .component::<demo::LiveChat>()
        .room::<demo::ChatRoom>()
        .component::<BenchMember>()
        .component::<BenchFeed>()
        .component::<BenchCounter>()
        .component::<BenchTicker>()
        .room::<BenchRoom>()
        .component::<BenchUpload>()
        .uploads(bench_uploads())
        .rate_limit(None);
    if on.without_renewals {
        let mut signing = live::security::StateSigningConfig::default();
        signing.renew_interval = std::time::Duration::ZERO;
        builder = builder.state_signing(signing);
    }
    if kind == ServerKind::LiveWithoutMetrics {
        builder = builder.without_metrics();
    }
    builder
        .build()
        .map_err(|error| anyhow!("live server config: {error}"))
}

/// Uploads of the `uploads` scenario: files in a directory of this process, up to 256 MiB,
/// of type `application/octet-stream`.
fn bench_uploads() -> live::upload::UploadConfig {
    let mut config = live::upload::UploadConfig::default();
    config.dir = std::env::temp_dir().join(format!("live-bench-uploads-{}", std::process::id()));
    config.max_file_bytes = 256 * 1024 * 1024;
    config.quota_bytes = u64::MAX;
    config.allowed_types = vec![super::uploads::FILE_TYPE.to_owned()];
    config
}

/// Raises the soft open-files limit to the hard one (10,000 connections need ~10,000 fds
/// on each side).
pub fn raise_fd_limit() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
}

/// Runs a server in this process until stdin closes (the parent exited or is done):
/// prints `LISTENING <addr>` on stdout once it accepts connections.
pub fn serve(kind: ServerKind, on: ServerLaunch) -> Result<()> {
    raise_fd_limit();
    if let Some(cpu) = on.cpu {
        affinity::pin_current_thread(cpu)?;
    }
    let runtime = on.runtime.build()?;
    runtime.block_on(async move {
        // `_running` keeps the Live server up until this block ends.
        let (addr, _running) = match kind {
            ServerKind::Live | ServerKind::LiveWithoutMetrics => {
                let running = live_server(kind, on)?
                    .bind("127.0.0.1:0")
                    .await
                    .map_err(|error| anyhow!("{error}"))?;
                (running.local_addr(), Some(running))
            }
            ServerKind::Baseline => {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .context("bind")?;
                let addr = listener.local_addr().context("local addr")?;
                tokio::spawn(baseline::serve(listener));
                (addr, None)
            }
        };
        let mut stdout = std::io::stdout();
        writeln!(stdout, "LISTENING {addr}").context("stdout")?;
        stdout.flush().context("stdout")?;
        // Until the parent closes our stdin.
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await
        .context("stdin watcher")?;
        Ok(())
    })
}

/// The tokio runtime a server child runs on (the same for Live and the baseline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerRuntime {
    /// A current-thread runtime: one thread and one FIFO run queue, so under saturation
    /// every connection is served in turn (the default; see docs/performance.md,
    /// "Fairness under saturation").
    #[default]
    Current,
    /// A multi-thread runtime with this many workers. Its run queues serve connections
    /// unevenly under saturation (a bounded local queue that spills to a global one).
    Multi(usize),
}

impl ServerRuntime {
    /// From `--server-runtime current|multi` and `--server-threads N` (which alone means
    /// `multi`).
    pub fn parse(flavor: Option<&str>, threads: Option<usize>) -> Result<Self> {
        match (flavor, threads) {
            (None | Some("current"), None) => Ok(Self::Current),
            (Some("current"), Some(1)) => Ok(Self::Current),
            (Some("current"), Some(_)) => bail!("a current-thread runtime has one thread"),
            (None | Some("multi"), threads) => Ok(Self::Multi(threads.unwrap_or(1).max(1))),
            (Some(other), _) => bail!("unknown server runtime {other:?} (current | multi)"),
        }
    }

    /// The arguments that make a child process run on this runtime.
    fn args(self) -> Vec<String> {
        match self {
            Self::Current => vec!["--server-runtime".into(), "current".into()],
            Self::Multi(threads) => vec![
                "--server-runtime".into(),
                "multi".into(),
                "--server-threads".into(),
                threads.to_string(),
            ],
        }
    }

    fn build(self) -> Result<tokio::runtime::Runtime> {
        let mut builder = match self {
            Self::Current => tokio::runtime::Builder::new_current_thread(),
            Self::Multi(threads) => {
                let mut builder = tokio::runtime::Builder::new_multi_thread();
                builder.worker_threads(threads.max(1));
                builder
            }
        };
        builder.enable_all().build().context("server runtime")
    }
}

impl std::fmt::Display for ServerRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Current => f.write_str("a current-thread runtime"),
            Self::Multi(threads) => write!(f, "a multi-thread runtime, {threads} worker(s)"),
        }
    }
}

/// How a server child is started: its runtime, and the CPU it is pinned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerLaunch {
    /// The tokio runtime it runs on.
    pub runtime: ServerRuntime,
    /// The CPU it is pinned to (`--server-cpu N`); `None` leaves it to the kernel.
    pub cpu: Option<usize>,
    /// Live renews no state signatures (`--without-renewals`). For profiling under
    /// valgrind only: there every component runs so slowly that each call would renew its
    /// signature, which a real server does once a second, and that would be all one saw.
    pub without_renewals: bool,
}

impl ServerLaunch {
    /// The arguments that make a child process start this way.
    fn args(self) -> Vec<String> {
        let mut args = self.runtime.args();
        if let Some(cpu) = self.cpu {
            args.extend(["--server-cpu".into(), cpu.to_string()]);
        }
        if self.without_renewals {
            args.push("--without-renewals".into());
        }
        args
    }
}

impl std::fmt::Display for ServerLaunch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.cpu {
            Some(cpu) => write!(f, "{}, pinned to CPU {cpu}", self.runtime),
            None => write!(f, "{}, not pinned", self.runtime),
        }
    }
}

/// A server child process.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its pid (for `/proc/<pid>/status`).
    pub pid: u32,
    /// Which server it runs.
    pub kind: ServerKind,
}

impl ServerProcess {
    /// Starts `live_bench --serve <kind>` as `on` says and waits for its address.
    pub fn start(kind: ServerKind, on: ServerLaunch) -> Result<Self> {
        let exe = std::env::current_exe().context("current exe")?;
        // `LIVE_BENCH_SERVER_PREFIX`: a command the server runs under (a profiler), while
        // the load generator runs at full speed (docs/performance.md).
        let prefix = std::env::var("LIVE_BENCH_SERVER_PREFIX").unwrap_or_default();
        let mut prefix = prefix.split_whitespace();
        let mut command = match prefix.next() {
            Some(program) => {
                let mut command = Command::new(program);
                command.args(prefix).arg(exe);
                command
            }
            None => Command::new(exe),
        };
        let mut child = command
            .args(["--serve", kind.name()])
            .args(on.args())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("spawn server")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .context("server address")?;
        let addr = line
            .trim()
            .strip_prefix("LISTENING ")
            .and_then(|addr| addr.parse().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("server did not start: {line:?}");
        };
        let pid = child.id();
        Ok(Self {
            child,
            addr,
            pid,
            kind,
        })
    }

    /// Stops it and reaps it.
    ///
    /// It first closes the server's stdin, which ends it, and waits up to 5 s: a server
    /// that exits on its own lets a profiler running it write its results
    /// (`valgrind --trace-children=yes`, see docs/performance.md).
    pub fn stop(mut self) {
        drop(self.child.stdin.take());
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        // Still running: killed (only the process this benchmark started).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_flags() {
        let parse = ServerRuntime::parse;
        assert_eq!(parse(None, None).ok(), Some(ServerRuntime::Current));
        assert_eq!(parse(None, Some(2)).ok(), Some(ServerRuntime::Multi(2)));
        assert_eq!(
            parse(Some("multi"), None).ok(),
            Some(ServerRuntime::Multi(1))
        );
        assert_eq!(
            parse(Some("current"), Some(1)).ok(),
            Some(ServerRuntime::Current)
        );
        assert!(parse(Some("current"), Some(2)).is_err());
        assert!(parse(Some("other"), None).is_err());
        let args = ServerRuntime::Multi(3).args();
        assert_eq!(args.join(" "), "--server-runtime multi --server-threads 3");
        let pinned = ServerLaunch {
            runtime: ServerRuntime::Current,
            cpu: Some(1),
            without_renewals: false,
        };
        assert_eq!(
            pinned.args().join(" "),
            "--server-runtime current --server-cpu 1"
        );
        let profiled = ServerLaunch {
            without_renewals: true,
            ..ServerLaunch::default()
        };
        assert_eq!(
            profiled.args().join(" "),
            "--server-runtime current --without-renewals"
        );
    }
}
