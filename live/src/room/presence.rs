//! A room's presence list as app and component code read it.

use serde::{Deserialize, Serialize};

/// Who is in a room: one entry per user (or per connection with
/// `#[live_room(presence_by = connection)]`), cluster-wide. The JSON form is the
/// `$presence:*` events' entry (camelCase).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(crate = "crate::typescript::ts_rs"))]
#[serde(rename_all = "camelCase")]
pub struct PresenceEntry<M> {
    /// `"user:<userId>"` when grouped by user and the member authenticated, else
    /// `"conn:<connectionId>"`.
    pub key: String,
    /// The first member component that made this key.
    pub component_id: String,
    /// Its connection.
    pub connection_id: String,
    /// The authenticated user id, if any.
    pub user_id: Option<String>,
    /// The session id the auth provider gave (`sessionId` of the session), if any.
    pub session_id: Option<String>,
    /// When the key's first member joined (ms since the Unix epoch).
    pub joined_at: u64,
    /// The metadata the member set at join.
    pub meta: M,
    /// How many members share this key (tabs of one user).
    pub connections: u64,
}
