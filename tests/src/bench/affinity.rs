//! Pinning: the server child on one CPU, the load generator on the others, as issue #18
//! measured (a 2-core machine: one core each). Without it the kernel may move either
//! process between cores mid-run, and the two then share a core for a while, which shows
//! as noise in every rate.

use anyhow::Result;

/// Where the processes of a run go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The CPU every server child is pinned to.
    pub server_cpu: usize,
    /// The CPU the load generator (this process) is pinned to.
    pub generator_cpu: usize,
}

impl Placement {
    /// The last CPU this process may run on for the servers, the first for the generator;
    /// `None` with fewer than two CPUs (nothing to separate).
    pub fn choose() -> Option<Self> {
        let cpus = core_affinity::get_core_ids()?;
        let (first, last) = (cpus.first()?, cpus.last()?);
        (first.id != last.id).then_some(Self {
            server_cpu: last.id,
            generator_cpu: first.id,
        })
    }
}

/// Pins the calling thread, and so every thread it starts afterwards (a tokio runtime built
/// after this call), to `cpu`.
pub fn pin_current_thread(cpu: usize) -> Result<()> {
    if core_affinity::set_for_current(core_affinity::CoreId { id: cpu }) {
        Ok(())
    } else {
        anyhow::bail!("could not pin this process to CPU {cpu}")
    }
}
