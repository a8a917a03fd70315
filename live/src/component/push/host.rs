//! The seam between the app handle and the server: what a `LiveHandle` needs, implemented
//! by the runtime.

use super::PushError;
use super::ServerStats;
use super::remote::PushCluster;
use super::sessions::Sessions;
use super::topics::Topics;
use crate::room::RoomError;
use crate::support::BoxFuture;
use serde_json::Value;
use std::any::{Any, TypeId};
use std::sync::Arc;

/// What a [`LiveHandle`](super::LiveHandle) needs of the server (implemented by the runtime).
pub(crate) trait PushHost: Send + Sync + 'static {
    /// The work mailbox of the running singleton named `name` (type-erased: a
    /// `JobSender<C>`), if one runs.
    fn singleton_jobs(
        &self,
        name: &'static str,
    ) -> BoxFuture<'_, Option<Arc<dyn Any + Send + Sync>>>;

    /// The server's current counts.
    fn stats(&self) -> BoxFuture<'_, ServerStats>;

    /// The server's topic subscriptions.
    fn topics(&self) -> &Topics;

    /// The server's cluster, if it has one.
    fn cluster(&self) -> Option<&PushCluster>;

    /// The components of each authenticated session.
    fn sessions(&self) -> &Sessions;

    /// Runs `op` on the running room `room_id` of type `typed` (its typed state for reads
    /// and changes).
    fn room_op(
        &self,
        room_id: String,
        typed: TypeId,
        op: AppRoomOp,
    ) -> BoxFuture<'_, Result<Option<Box<dyn Any + Send>>, PushError>>;
}

/// A room change, type-erased (the room downcasts its state).
pub(crate) type ErasedChange = Box<dyn FnOnce(&mut dyn Any) -> Result<(), RoomError> + Send>;

/// What app code does to a room.
pub(crate) enum AppRoomOp {
    /// Send an event to every member.
    Emit {
        /// The event name.
        event: String,
        /// Its payload.
        data: Value,
    },
    /// Read the typed state.
    State,
    /// Change the typed state.
    Update(ErasedChange),
    /// Read the presence list (answered as a boxed `Vec<serde_json::Value>`).
    Presence,
}
