//! `LiveInspector`: the singleton the inspector page mounts. It has no actions; the
//! server's feed task replaces its figures every second, and every viewer gets the delta.

use super::INSPECTOR_ROLE;
use crate::component::{ActionError, ActionResult, Ctx, LiveComponent};
use crate::protocol::refusal::Refusal;
use crate::security::AuthPolicy;
use crate::support::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the page shows. Top-level fields only hold numbers, strings and arrays, so a delta
/// replaces each changed field whole.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LiveInspector {
    /// This server's cluster instance id (`standalone` when it runs alone).
    pub(crate) instance: String,
    /// Seconds since the server was built.
    pub(crate) uptime_seconds: u64,
    /// Open connections.
    pub(crate) connections: usize,
    /// Running component instances.
    pub(crate) components: usize,
    /// Running singleton instances.
    pub(crate) singletons: usize,
    /// Running rooms.
    pub(crate) rooms: usize,
    /// Members of all rooms.
    pub(crate) room_members: usize,
    /// Actions run since the start.
    pub(crate) actions: u64,
    /// The last minute, one point a second, oldest first.
    pub(crate) history: Vec<Point>,
    /// The busiest actions of the last second (then the most called), at most ten.
    pub(crate) top_actions: Vec<ActionRow>,
    /// Rooms by member count, at most fifty.
    pub(crate) room_list: Vec<RoomRow>,
    /// Connections closed with 1008 (their queue overflowed) since the start.
    pub(crate) slow_consumer_closes: u64,
    /// The last closes, newest first.
    pub(crate) recent_closes: Vec<CloseRow>,
    /// Which server owns each running singleton.
    pub(crate) owners: Vec<OwnerRow>,
}

/// One second of the chart.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Point {
    /// Seconds since the server was built.
    pub(crate) t: u64,
    pub(crate) connections: usize,
    pub(crate) components: usize,
}

/// One action's figures.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ActionRow {
    pub(crate) component: String,
    pub(crate) action: String,
    /// Calls in the last second.
    pub(crate) per_second: f64,
    /// Calls since the start.
    pub(crate) calls: u64,
    /// Calls that did not end `ok`.
    pub(crate) failed: u64,
    /// The 99th percentile's latency bucket, in milliseconds (`None`: not known).
    pub(crate) p99_ms: Option<f64>,
}

/// A room and its members.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoomRow {
    pub(crate) id: String,
    pub(crate) members: usize,
    /// The server running it (rooms run on every server with members, see docs/scaling.md).
    pub(crate) instance: String,
}

/// A recent close.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CloseRow {
    /// Unix time, in milliseconds.
    pub(crate) at_ms: u64,
    pub(crate) code: u16,
}

/// A singleton and the server that owns it.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OwnerRow {
    pub(crate) singleton: String,
    /// The owner's instance id (`None`: unknown right now).
    pub(crate) owner: Option<String>,
}

impl LiveComponent for LiveInspector {
    const NAME: &'static str = "LiveInspector";
    const SINGLETON: bool = true;
    const ACTIONS: &'static [&'static str] = &[];
    const AUTH: AuthPolicy = AuthPolicy {
        required: true,
        roles: &[INSPECTOR_ROLE],
        permissions: &[],
        check: None,
    };

    fn dispatch<'a>(
        &'a mut self,
        action: &'a str,
        _payload: Value,
        _ctx: &'a mut Ctx<Self>,
    ) -> BoxFuture<'a, ActionResult> {
        // Never called: the runtime refuses every name not in `ACTIONS`.
        let error = ActionError::new(Refusal::ActionNotCallable { action }.text());
        Box::pin(std::future::ready(Err(error)))
    }
}
