//! Latency samples and process measurements.

use std::time::Duration;

/// Latency samples in microseconds.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    micros: Vec<u32>,
}

impl Samples {
    /// Room for `capacity` samples.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            micros: Vec::with_capacity(capacity),
        }
    }

    /// Adds one sample.
    pub fn push(&mut self, latency: Duration) {
        self.micros
            .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: Samples) {
        self.micros.extend(other.micros);
    }

    /// How many samples.
    pub fn len(&self) -> usize {
        self.micros.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.micros.is_empty()
    }

    /// The mean in milliseconds; `NaN` without samples.
    pub fn mean_ms(&self) -> f64 {
        let total: u64 = self.micros.iter().map(|&micros| u64::from(micros)).sum();
        #[allow(clippy::cast_precision_loss)]
        let mean = total as f64 / self.micros.len() as f64;
        mean / 1000.0
    }

    /// The `q`-quantile (0.0–1.0) in milliseconds (nearest rank); `NaN` without samples.
    pub fn quantile_ms(&mut self, q: f64) -> f64 {
        if self.micros.is_empty() {
            return f64::NAN;
        }
        self.micros.sort_unstable();
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let rank = ((q * self.micros.len() as f64).ceil() as usize).clamp(1, self.micros.len());
        let micros = self.micros.get(rank - 1).copied().unwrap_or_default();
        f64::from(micros) / 1000.0
    }
}

/// A process's resident memory (`VmRSS`) in bytes, from `/proc/<pid>/status`.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// How many file descriptors a process has open (its sockets, for a server).
pub fn open_fds(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

/// Clock ticks per second of the times in `/proc/<pid>/stat` (`USER_HZ`: 100 on Linux).
pub const CLOCK_TICKS_PER_SEC: f64 = 100.0;

/// A process's user and system CPU time, from `/proc/<pid>/stat`, in clock ticks.
pub fn cpu_ticks(pid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces: fields start after the last ')'.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After ')': state is field 3 of the full line; utime/stime are fields 14 and 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime, stime))
}

/// CPU seconds a process used over a stretch of time: user + system, and user alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuSeconds {
    /// User and system time.
    pub total: f64,
    /// User time alone (the process's own code; the rest is the kernel's work for it).
    pub user: f64,
}

/// A process's CPU time since a starting point (user + system, 10 ms resolution).
#[derive(Debug, Clone, Copy)]
pub struct CpuClock {
    pid: u32,
    start: Option<(u64, u64)>,
}

impl CpuClock {
    /// Starts counting `pid`'s CPU time now.
    pub fn start(pid: u32) -> Self {
        Self {
            pid,
            start: cpu_ticks(pid),
        }
    }

    /// CPU seconds the process used since [`start`](Self::start); `None` if `/proc` could
    /// not be read.
    pub fn seconds(&self) -> Option<f64> {
        self.split().map(|seconds| seconds.total)
    }

    /// [`seconds`](Self::seconds), and the user time alone.
    pub fn split(&self) -> Option<CpuSeconds> {
        let (user_then, system_then) = self.start?;
        let (user_now, system_now) = cpu_ticks(self.pid)?;
        let user = user_now.checked_sub(user_then)?;
        let system = system_now.checked_sub(system_then)?;
        #[allow(clippy::cast_precision_loss)]
        Some(CpuSeconds {
            total: (user + system) as f64 / CLOCK_TICKS_PER_SEC,
            user: user as f64 / CLOCK_TICKS_PER_SEC,
        })
    }
}

/// `pid`'s CPU seconds between `start` and `end` (both in the future): spawn it when a
/// scenario's measured window is set, await it after the window.
pub async fn cpu_seconds_between(
    pid: u32,
    start: tokio::time::Instant,
    end: tokio::time::Instant,
) -> Option<f64> {
    cpu_split_between(pid, start, end)
        .await
        .map(|seconds| seconds.total)
}

/// [`cpu_seconds_between`], with the user time alone.
pub async fn cpu_split_between(
    pid: u32,
    start: tokio::time::Instant,
    end: tokio::time::Instant,
) -> Option<CpuSeconds> {
    tokio::time::sleep_until(start).await;
    let clock = CpuClock::start(pid);
    tokio::time::sleep_until(end).await;
    clock.split()
}

/// Microseconds of CPU per unit of work (`NaN` when the CPU time is unknown or nothing was
/// done).
pub fn micros_per(cpu_seconds: Option<f64>, units: u64) -> f64 {
    match cpu_seconds {
        #[allow(clippy::cast_precision_loss)]
        Some(seconds) if units > 0 => seconds * 1e6 / units as f64,
        _ => f64::NAN,
    }
}

/// The least, median and greatest of `counts` (sorts them); `None` if empty.
pub fn spread(counts: &mut [u64]) -> Option<(u64, u64, u64)> {
    counts.sort_unstable();
    let min = *counts.first()?;
    let max = *counts.last()?;
    let median = *counts.get(counts.len() / 2)?;
    Some((min, median, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_nearest_rank() {
        let mut samples = Samples::default();
        assert!(samples.quantile_ms(0.5).is_nan());
        for micros in 1..=100 {
            samples.push(Duration::from_micros(micros));
        }
        assert!((samples.quantile_ms(0.5) - 0.050).abs() < 1e-9);
        assert!((samples.quantile_ms(0.99) - 0.099).abs() < 1e-9);
        assert!((samples.quantile_ms(1.0) - 0.100).abs() < 1e-9);
        assert!((samples.mean_ms() - 0.0505).abs() < 1e-9);
    }

    #[test]
    fn own_process_is_measurable() {
        let pid = std::process::id();
        assert!(rss_bytes(pid).is_some_and(|rss| rss > 0));
        assert!(open_fds(pid).is_some_and(|fds| fds > 0));
        assert!(cpu_ticks(pid).is_some());
        assert!(CpuClock::start(pid).seconds().is_some_and(|s| s >= 0.0));
    }

    #[test]
    fn user_time_is_part_of_the_total() {
        let pid = std::process::id();
        let clock = CpuClock::start(pid);
        // Spins until the kernel has counted some CPU time (10 ms ticks), 5 s at most.
        let started = std::time::Instant::now();
        let mut spin = 0u64;
        while clock.seconds() == Some(0.0) && started.elapsed() < Duration::from_secs(5) {
            for _ in 0..100_000 {
                spin = std::hint::black_box(spin.wrapping_add(1));
            }
        }
        let Some(split) = clock.split() else {
            panic!("/proc/{pid}/stat not read");
        };
        assert!(split.total > 0.0, "no CPU time counted in 5 s: {split:?}");
        assert!(split.user <= split.total, "{split:?}");
    }

    #[test]
    fn spreads_and_rates() {
        assert_eq!(spread(&mut []), None);
        assert_eq!(spread(&mut [9, 1, 5, 3]), Some((1, 5, 9)));
        assert!((micros_per(Some(2.0), 4) - 500_000.0).abs() < 1e-9);
        assert!(micros_per(None, 4).is_nan());
        assert!(micros_per(Some(1.0), 0).is_nan());
    }
}
