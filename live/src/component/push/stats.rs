//! A snapshot of a server's live counts, for app code, components and monitoring.

/// Live counts, for tests and monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// Open WebSocket connections.
    pub connections: usize,
    /// Running component instances (private and singleton).
    pub components: usize,
    /// Running singleton instances.
    pub singletons: usize,
    /// Running room instances.
    pub rooms: usize,
    /// Members of all rooms.
    pub room_members: usize,
    /// Live timers and background tasks started by components (`Ctx::every`, `after`,
    /// `spawn`).
    pub push_tasks: usize,
    /// Actions run since the server was built (a running total: those refused before
    /// running, e.g. by auth or a rate limit, are not counted).
    pub actions: u64,
    /// Time since the server was built.
    pub uptime: std::time::Duration,
}
