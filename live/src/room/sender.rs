//! [`EventSender`]: who emitted a room event, as the server knows it.

use crate::security::identity::Identity;
use std::sync::Arc;

/// Who emitted a room event, as the server knows it: never what a payload claims.
///
/// The room's [`on_event`](super::LiveRoom::on_event) observer and every member's
/// [`OnRoomEvent`](crate::component::OnRoomEvent) handler get it with the event, so a
/// handler can tell a client's `ROOM_EMIT` (only events declared `from_client`, their
/// payload decoded) from the server's own code, and knows which user sent it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventSender {
    /// App code, through [`LiveHandle::room`](crate::LiveHandle::room): no component.
    App,
    /// A member component's own code (`ctx.room::<R>(id).emit(...)`).
    Component {
        /// The emitting component.
        component_id: Arc<str>,
        /// The identity of the connection that mounted it.
        identity: Identity,
    },
    /// A member component's client, through a `ROOM_EMIT` frame.
    Client {
        /// The component the client named.
        component_id: Arc<str>,
        /// The connection that sent the frame.
        connection_id: Arc<str>,
        /// That connection's identity when it sent the frame.
        identity: Identity,
    },
    /// Another server of the cluster, when the sender did not travel with the event. A room
    /// with an owner carries the sender (its session standing for the identity), so handlers
    /// on every server see `Component`, `Client` or `App`.
    Remote,
}

impl EventSender {
    /// The emitting component (`None` for app code and other servers).
    pub fn component_id(&self) -> Option<&str> {
        match self {
            Self::Component { component_id, .. } | Self::Client { component_id, .. } => {
                Some(component_id)
            }
            Self::App | Self::Remote => None,
        }
    }

    /// The identity behind the event (`None` for app code and other servers).
    pub fn identity(&self) -> Option<&Identity> {
        match self {
            Self::Component { identity, .. } | Self::Client { identity, .. } => Some(identity),
            Self::App | Self::Remote => None,
        }
    }

    /// The authenticated user behind the event, if any.
    pub fn user_id(&self) -> Option<&str> {
        self.identity().and_then(Identity::user_id)
    }

    /// Whether a client sent the event (`ROOM_EMIT`), rather than server code.
    pub fn is_client(&self) -> bool {
        matches!(self, Self::Client { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::EventSender;
    use crate::security::identity::{Identity, Session};
    use serde_json::Map;

    #[test]
    fn reads_the_sender() {
        let session = Session {
            id: "ada".to_owned(),
            roles: Vec::new(),
            permissions: Vec::new(),
            extra: Map::new(),
        };
        let client = EventSender::Client {
            component_id: "c1".into(),
            connection_id: "k1".into(),
            identity: Identity::authenticated(session),
        };
        assert_eq!(client.component_id(), Some("c1"));
        assert_eq!(client.user_id(), Some("ada"));
        assert!(client.is_client());
        let component = EventSender::Component {
            component_id: "c2".into(),
            identity: Identity::anonymous(),
        };
        assert_eq!(component.user_id(), None);
        assert!(!component.is_client());
        assert_eq!(EventSender::App.component_id(), None);
        assert_eq!(EventSender::Remote.identity(), None);
    }
}
