//! What the servers of a cluster say to each other about a room with one owner: requests
//! from the other servers to the owner ([`Forwarded`]), the owner's outcomes to every
//! server ([`Outcome`]), and the owner's fenced mirror ([`MirroredRoom`]). JSON, carried by
//! the adapter's singleton surface under the name [`claim_name`].

use super::presence::{Entry, Present};
use crate::room::EventSender;
use crate::security::identity::{Identity, Session};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The prefix of a room's claim name, which no singleton name can have.
pub(crate) const CLAIM_PREFIX: &str = "$room:";

/// The `messageType` of a request forwarded to a room's owner.
pub(crate) const FORWARD_TYPE: &str = "$room";

/// The `event` of the owner's outcome messages.
pub(crate) const OUTCOME_EVENT: &str = "$room";

/// The claim (and mirror, and channel) name of room `room_id`.
pub(crate) fn claim_name(room_id: &str) -> String {
    format!("{CLAIM_PREFIX}{room_id}")
}

/// The room id of a claim name, if it is one.
pub(crate) fn room_of(name: &str) -> Option<&str> {
    name.strip_prefix(CLAIM_PREFIX)
}

/// A member as the owner keeps and mirrors it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RosterEntry {
    /// The member component's id.
    pub(crate) component_id: String,
    /// The server whose client holds the member.
    pub(crate) instance_id: String,
    /// The connection that mounted it.
    #[serde(default)]
    pub(crate) connection_id: String,
    /// Its authenticated session, if any.
    #[serde(default)]
    pub(crate) session: Option<Session>,
    /// When it joined (ms since the epoch).
    #[serde(default)]
    pub(crate) joined_at: u64,
    /// Its presence metadata.
    #[serde(default)]
    pub(crate) meta: Value,
}

impl RosterEntry {
    /// The member as presence sees it.
    pub(crate) fn present(&self) -> Present {
        Present {
            component_id: self.component_id.clone(),
            connection_id: self.connection_id.clone(),
            user_id: self.session.as_ref().map(|session| session.id.clone()),
            session_id: self.session.as_ref().and_then(session_id),
            joined_at: self.joined_at,
            meta: self.meta.clone(),
        }
    }

    /// The member's identity.
    pub(crate) fn identity(&self) -> Identity {
        self.session
            .clone()
            .map_or_else(Identity::anonymous, Identity::authenticated)
    }
}

/// The `sessionId` an auth provider put in the session, if any.
pub(crate) fn session_id(session: &Session) -> Option<String> {
    session
        .extra
        .get("sessionId")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// A request from a server to the room's owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub(crate) enum Forwarded {
    /// A member joins (the owner runs `on_join`).
    Join {
        member: Box<RosterEntry>,
        payload: Value,
    },
    /// A member leaves (the owner runs `on_leave`).
    #[serde(rename_all = "camelCase")]
    Leave {
        component_id: String,
        reason: String,
    },
    /// A member emits an event. `from` is the sender when a client sent it (its payload
    /// already checked on the member's server; the owner checks it again).
    #[serde(rename_all = "camelCase")]
    Emit {
        sender: String,
        include_sender: bool,
        event: String,
        data: Value,
        #[serde(default)]
        from: Option<Box<WireSender>>,
    },
    /// App code emits an event.
    Announce { event: String, data: Value },
    /// A client's `ROOM_STATE_SET` patch (untyped rooms).
    SetState {
        sender: String,
        patch: Map<String, Value>,
    },
    /// A typed change, made on the sender's copy: its delta (or the whole state).
    Patch { delta: Value, whole: bool },
    /// The sender's members of the room, every heartbeat: the owner forgets the others.
    #[serde(rename_all = "camelCase")]
    Roster {
        instance_id: String,
        members: Vec<String>,
        /// The digest of the sender's copy (state and presence list).
        #[serde(default)]
        digest: Option<u64>,
    },
}

/// What the owner did, for every server's local members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub(crate) enum Outcome {
    /// An event (`system`: `$sub:*` kind, not for typed handlers), to every member but
    /// `excluded`.
    Event {
        event: String,
        data: Value,
        excluded: Option<String>,
        system: bool,
        /// Who emitted it, for the typed handlers on every server.
        #[serde(default)]
        from: Option<Box<WireSender>>,
    },
    /// The state changed by this delta.
    State { delta: Value },
    /// The state replaced.
    Replace { state: Value },
    /// A forwarded join was accepted: the joiner's server adds it now (and takes the
    /// presence list, the joiner included).
    #[serde(rename_all = "camelCase")]
    Joined {
        component_id: String,
        state: Value,
        #[serde(default)]
        presence: Vec<Entry>,
    },
    /// Members a server announced that the owner does not know (it dropped them while
    /// their server was silent): that server joins them again.
    #[serde(rename_all = "camelCase")]
    Rejoin {
        instance_id: String,
        component_ids: Vec<String>,
    },
    /// The whole presence list (a new owner rebuilt it from the mirror).
    Presence { entries: Vec<Entry> },
    /// The owner removed a member (its server no longer announces it).
    #[serde(rename_all = "camelCase")]
    Left { component_id: String },
}

/// The owner's mirror of a room: its state and members.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct MirroredRoom {
    /// The state as clients see it.
    pub(crate) state: Value,
    /// Every member, on every server.
    pub(crate) members: Vec<RosterEntry>,
}

/// An [`EventSender`] as it crosses servers: the session stands for the identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub(crate) enum WireSender {
    /// App code.
    App,
    /// A member component's own code.
    #[serde(rename_all = "camelCase")]
    Component {
        component_id: String,
        session: Option<Session>,
    },
    /// A member component's client (`ROOM_EMIT`).
    #[serde(rename_all = "camelCase")]
    Client {
        component_id: String,
        connection_id: String,
        session: Option<Session>,
    },
}

impl WireSender {
    /// The wire form of `sender` (`None` for [`EventSender::Remote`], which has nothing to
    /// carry).
    pub(crate) fn of(sender: &EventSender) -> Option<Box<Self>> {
        let session = |identity: &Identity| identity.session().cloned();
        let wire = match sender {
            EventSender::App => Some(Self::App),
            EventSender::Component {
                component_id,
                identity,
            } => Some(Self::Component {
                component_id: component_id.to_string(),
                session: session(identity),
            }),
            EventSender::Client {
                component_id,
                connection_id,
                identity,
            } => Some(Self::Client {
                component_id: component_id.to_string(),
                connection_id: connection_id.to_string(),
                session: session(identity),
            }),
            _ => None,
        };
        wire.map(Box::new)
    }

    /// The sender as handlers see it.
    pub(crate) fn into_sender(self) -> EventSender {
        let identity = |session: Option<Session>| {
            session.map_or_else(Identity::anonymous, Identity::authenticated)
        };
        match self {
            Self::App => EventSender::App,
            Self::Component {
                component_id,
                session,
            } => EventSender::Component {
                component_id: component_id.into(),
                identity: identity(session),
            },
            Self::Client {
                component_id,
                connection_id,
                session,
            } => EventSender::Client {
                component_id: component_id.into(),
                connection_id: connection_id.into(),
                identity: identity(session),
            },
        }
    }
}
