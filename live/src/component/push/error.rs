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
    /// Another server owns the singleton and this message type is not registered for it:
    /// call `LiveServerBuilder::message::<C, M>()` on every server.
    #[error(
        "message type {message} is not registered for {component}: another server owns it; \
         register it with LiveServerBuilder::message::<C, M>() on every server"
    )]
    NotRegistered {
        /// The component's name.
        component: &'static str,
        /// The message type key.
        message: &'static str,
    },
    /// `update` closures cannot cross servers, and another server owns the singleton.
    #[error(
        "another server owns the singleton: update closures run only on its owner (send a registered message instead)"
    )]
    RemoteUpdate,
    /// The server that owns the singleton did not answer in time.
    #[error("the owning server did not answer in time")]
    Timeout,
    /// The cluster could not carry the message (backend error, encoding, the owner refused).
    #[error("cluster: {0}")]
    Cluster(String),
}

impl PushError {
    /// The error an owner reports back for a forwarded message, from its text: the
    /// variants a remote sender can act on come back as themselves, the rest as
    /// [`PushError::Cluster`].
    pub(crate) fn from_wire(text: &str) -> Self {
        [Self::Full, Self::NotRunning, Self::Gone, Self::Timeout]
            .into_iter()
            .find(|known| known.to_string() == text)
            .unwrap_or_else(|| Self::Cluster(text.to_owned()))
    }
}
