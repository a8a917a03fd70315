//! The running rooms of one server, and what their tasks share.

use super::command::{RoomCommand, RoomHandle};
use super::fan_out::RoomFanOut;
use crate::runtime::stats::Stats;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard, mpsc};

/// Room settings (from [`LiveConfig`](crate::LiveConfig)).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoomSettings {
    /// How long an empty room lives before it is destroyed.
    pub(crate) empty_grace: Duration,
    /// Largest room state, as JSON bytes.
    pub(crate) max_state_bytes: usize,
}

/// Running rooms by id, with the settings, counters and cluster fan-out their tasks use.
#[derive(Debug)]
pub(crate) struct RoomTable {
    rooms: Mutex<HashMap<Arc<str>, RoomHandle>>,
    /// Settings.
    pub(crate) settings: RoomSettings,
    /// Counters.
    pub(crate) stats: Arc<Stats>,
    /// The other servers rooms fan their changes out to (`None`: this server runs alone).
    pub(crate) fan_out: Option<RoomFanOut>,
}

impl RoomTable {
    /// An empty table.
    pub(crate) fn new(
        settings: RoomSettings,
        stats: Arc<Stats>,
        fan_out: Option<RoomFanOut>,
    ) -> Self {
        Self {
            rooms: Mutex::new(HashMap::new()),
            settings,
            stats,
            fan_out,
        }
    }

    /// The table, locked (rooms are created under the lock).
    pub(crate) async fn lock(&self) -> MutexGuard<'_, HashMap<Arc<str>, RoomHandle>> {
        self.rooms.lock().await
    }

    /// Called by an empty room whose grace period ended: removes it unless a command is
    /// already waiting for it.
    pub(crate) async fn release(
        &self,
        room_id: &str,
        mailbox: &mpsc::Receiver<RoomCommand>,
    ) -> bool {
        let mut rooms = self.rooms.lock().await;
        if !mailbox.is_empty() {
            return false;
        }
        rooms.remove(room_id);
        true
    }
}
