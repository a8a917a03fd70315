//! Who is calling: the session a connection authenticated, or anonymous (public as
//! `live::component::Identity` and `live::component::Session`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;

/// An authenticated session, as established by the `AUTH` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The trusted user id.
    pub id: String,
    /// Roles (checked any-of).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Permissions (checked all-of).
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Any other fields the auth provider returned.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Who is calling: the connection's session, or anonymous.
///
/// Client-sent `userId` fields are never trusted; identity comes only from authentication.
///
/// The session is shared: every call, viewer and room member carries a copy of its
/// connection's identity, which is one pointer (8 bytes) and a reference count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    session: Option<Arc<Session>>,
}

impl Identity {
    /// Nobody has authenticated on this connection.
    pub fn anonymous() -> Self {
        Self { session: None }
    }

    /// An authenticated caller.
    pub fn authenticated(session: Session) -> Self {
        Self {
            session: Some(Arc::new(session)),
        }
    }

    /// The session, if authenticated.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_deref()
    }

    /// The trusted user id, if authenticated.
    pub fn user_id(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.id.as_str())
    }

    /// Whether the caller authenticated.
    pub fn is_authenticated(&self) -> bool {
        self.session.is_some()
    }
}
