//! [`SignatureError`]: why a signed state was refused.

use std::fmt;

use crate::protocol::refusal::Refusal;

/// Why a signed state was refused. `Display` gives the texts the client sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignatureError {
    /// Older than `max_age`.
    Expired,
    /// The HMAC matches no accepted key, the signature is not 64 lowercase hex chars,
    /// or the timestamp is non-finite or more than 60 s in the future.
    InvalidSignature,
    /// Authentic, but `data` could not be decrypted, decompressed or parsed into a JSON
    /// object; the text says which step failed.
    Malformed(&'static str),
}

impl SignatureError {
    /// The [`Refusal`] the client is sent.
    fn refusal(&self) -> Refusal<'static> {
        match self {
            Self::Expired => Refusal::StateExpired,
            Self::InvalidSignature => Refusal::InvalidSignature,
            Self::Malformed(step) => Refusal::StateMalformed { step },
        }
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.refusal().fmt(f)
    }
}

impl std::error::Error for SignatureError {}
