//! Why a push from outside a component did not reach it.

use crate::room::RoomError;

/// Why a message or update could not be queued for a component, or a room reached.
///
/// `Ok` from a send means the work is queued on the component's task; it runs in order
/// with the component's actions, unless the component is destroyed first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// The component's work mailbox is full (`try_send`); `send` would wait for room.
    #[error("the component's mailbox is full")]
    Full,
    /// No instance of the singleton is running (nobody has mounted it).
    #[error("the singleton is not running (nobody has mounted it)")]
    NotRunning,
    /// The component was destroyed.
    #[error("the component is gone (destroyed)")]
    Gone,
    /// The component type is not a singleton, so there is no one instance to address.
    #[error("the component is not a singleton")]
    NotSingleton,
    /// The instance running under this name is another type with the same `NAME`.
    #[error("another component type is registered under this name")]
    WrongType,
    /// No room of this type and id is running (app code does not create rooms).
    #[error("no such room is running")]
    NoSuchRoom,
    /// The room refused the change (e.g. its state would exceed the size limit).
    #[error("the room refused: {0}")]
    Room(RoomError),
}
