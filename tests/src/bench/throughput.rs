//! Scenario 2, throughput: many clients, each calling its own `Counter` in a closed loop.
//! Besides the rate it reports how evenly the server served the connections: latency
//! p50/p99 and the spread of actions per connection (slowest, median, fastest).

use super::scenarios::{Figure, Timing, Window, lock, lock_mut, per_sec};
use super::server::ServerProcess;
use super::stats::{Samples, cpu_split_between, micros_per, spread};
use super::viewers::{fan_connect, join_all, wait_ready};
use anyhow::{Context, Result};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Barrier, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// What the clients hand back: actions in the window per connection, and their latencies.
#[derive(Default)]
struct Results {
    per_connection: Vec<u64>,
    samples: Samples,
}

/// How long a client that finished its loop waits for the others before it closes: a
/// client whose call failed never arrives, and the rest must not wait for it forever.
const WAIT_FOR_OTHERS: Duration = Duration::from_secs(10);

/// `clients` connections, each with its own `Counter`, each calling `increment` in a
/// closed loop (one call in flight per client).
///
/// A client that finished waits for all the others before it closes its connection and
/// hands in its samples: a connection torn down while others' last calls are still in
/// flight would slow those calls (the server runs the teardown, the load generator
/// merges samples), and they are measured.
pub async fn throughput(
    server: &ServerProcess,
    clients: usize,
    timing: Timing,
) -> Result<Vec<Figure>> {
    let ready = Arc::new(AtomicUsize::new(0));
    let go = Arc::new(Notify::new());
    let window = Arc::new(Mutex::new(None::<Window>));
    let mut set = JoinSet::new();
    let results = Arc::new(Mutex::new(Results::default()));
    let finished = Arc::new(Barrier::new(clients));
    {
        let (ready, go, window, results, finished) = (
            Arc::clone(&ready),
            Arc::clone(&go),
            Arc::clone(&window),
            Arc::clone(&results),
            Arc::clone(&finished),
        );
        fan_connect(server.addr, clients, 200, &mut set, move |_, mut conn| {
            let (ready, go, window, results, finished) = (
                Arc::clone(&ready),
                Arc::clone(&go),
                Arc::clone(&window),
                Arc::clone(&results),
                Arc::clone(&finished),
            );
            async move {
                let id = conn.mount("Counter", None).await?;
                let notified = go.notified();
                ready.fetch_add(1, Ordering::SeqCst);
                notified.await;
                let window = lock(&window).flatten().context("no window")?;
                let mut count = 0u64;
                let mut samples = Samples::with_capacity(4096);
                loop {
                    let started = Instant::now();
                    if started >= window.end {
                        break;
                    }
                    conn.call_and_wait(&id, "increment", "{}").await?;
                    if window.contains(started) {
                        count += 1;
                        samples.push(started.elapsed());
                    }
                }
                let _ = tokio::time::timeout(WAIT_FOR_OTHERS, finished.wait()).await;
                {
                    let mut results = lock_mut(&results);
                    results.per_connection.push(count);
                    results.samples.merge(samples);
                }
                conn.close().await;
                Ok(())
            }
        })
        .await;
    }
    wait_ready(&ready, clients, &mut set).await?;
    let measured = Window::after(timing);
    *lock_mut(&window) = Some(measured);
    let cpu = tokio::spawn(cpu_split_between(server.pid, measured.start, measured.end));
    go.notify_waiters();
    join_all(&mut set).await?;
    let cpu = cpu.await.ok().flatten();
    let mut results = std::mem::take(&mut *lock_mut(&results));
    let count: u64 = results.per_connection.iter().sum();
    let (slowest, median, fastest) = spread(&mut results.per_connection).unwrap_or_default();
    let p99 = results.samples.quantile_ms(0.99);
    // Closed loop: the mean is set by the throughput; p99 ÷ mean is how unevenly the
    // waiting is shared (1 would be perfectly even), whatever the cost per action.
    let tail = p99 / results.samples.mean_ms();
    let name = |what: &str| format!("throughput, {clients} clients: {what}");
    #[allow(clippy::cast_precision_loss)]
    let actions = |n: u64| n as f64;
    #[allow(clippy::cast_precision_loss)]
    let evenness = slowest as f64 / median.max(1) as f64;
    eprintln!(
        "    throughput x{clients}: {count} actions, per connection {slowest} / {median} / {fastest} (slowest / median / fastest), server CPU {:.2}s (user {:.2}s)",
        cpu.map_or(f64::NAN, |cpu| cpu.total),
        cpu.map_or(f64::NAN, |cpu| cpu.user),
    );
    let samples = &mut results.samples;
    eprintln!(
        "    latency: mean {:.2}, p50 {:.2}, p90 {:.2}, p99 {p99:.2}, p99.9 {:.2}, max {:.2} ms",
        samples.mean_ms(),
        samples.quantile_ms(0.50),
        samples.quantile_ms(0.90),
        samples.quantile_ms(0.999),
        samples.quantile_ms(1.0),
    );
    Ok(vec![
        Figure::rate(
            format!("action throughput, {clients} clients"),
            per_sec(count, timing.measure),
            "actions/s",
        ),
        Figure::cost(
            format!("action latency p50, {clients} clients"),
            results.samples.quantile_ms(0.50),
            "ms",
        ),
        Figure::cost(format!("action latency p99, {clients} clients"), p99, "ms"),
        Figure::cost(name("latency p99 ÷ mean"), tail, "×"),
        Figure::rate(name("slowest connection"), actions(slowest), "actions"),
        Figure::rate(name("median connection"), actions(median), "actions"),
        Figure::rate(name("fastest connection"), actions(fastest), "actions"),
        Figure::rate(name("slowest ÷ median connection"), evenness, "×"),
        Figure::cpu(
            &format!("throughput, {clients} clients"),
            cpu.map(|cpu| cpu.total),
            count,
            "action",
        ),
        // The rest is the kernel's: the socket calls and loopback delivery, about the
        // same for both servers, so the difference in user time is the framework's.
        Figure::cost(
            name("server user CPU per action"),
            micros_per(cpu.map(|cpu| cpu.user), count),
            "µs",
        ),
    ])
}
