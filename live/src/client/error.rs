//! [`ClientError`]: what can go wrong on the client side.

use serde_json::Value;

/// What can go wrong on the client side.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The connection could not be opened.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
    /// No answer in time.
    #[error("timed out waiting for the server")]
    Timeout,
    /// The server answered with a failure.
    #[error("server error: {message}")]
    Server {
        /// The reply's `error` text.
        message: String,
        /// The whole reply frame.
        reply: Value,
    },
    /// The server closed the connection before `CONNECTION_ESTABLISHED` (e.g. 4003 for a
    /// refused origin).
    #[error("connection refused by the server: {code} {reason}")]
    Rejected {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
    /// An HTTP request of the SSE or long-polling transport was refused with this status
    /// (413: body too large; 401, 404, 410: the session is gone).
    #[error("HTTP request refused with status {status}")]
    Http {
        /// The HTTP status code.
        status: u16,
    },
    /// The server sent something the client did not expect.
    #[error("protocol error: {0}")]
    Protocol(String),
}

impl ClientError {
    /// Which refusal the server answered with, for [`ClientError::Server`] replies whose text
    /// is one of the server's own (`None` for other errors and for an action's own error
    /// text).
    pub fn refusal(&self) -> Option<crate::RefusalKind> {
        match self {
            Self::Server { message, .. } => crate::RefusalKind::of(message),
            _ => None,
        }
    }

    /// The server's error text of a [`ClientError::Server`] reply.
    pub fn server_message(&self) -> Option<&str> {
        match self {
            Self::Server { message, .. } => Some(message),
            _ => None,
        }
    }
}
