//! The session table: open sessions by token, and the tokens of closed ones, remembered for
//! [`CLOSED_MEMORY`] so that a late request learns the session is gone (410) rather than
//! unknown (404).

use super::session::Session;
use crate::support::lock;
use rand::Rng;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a closed session's token is answered with 410. A token is never issued twice
/// (256 random bits), so afterwards it is simply unknown (404).
pub(super) const CLOSED_MEMORY: Duration = Duration::from_secs(10 * 60);

/// Random bytes in a token: 256 bits from the thread's CSPRNG, as hex (64 characters).
const TOKEN_BYTES: usize = 32;

/// What a token names.
pub(super) enum Lookup {
    /// An open session.
    Open(Arc<Session>),
    /// A session that closed within [`CLOSED_MEMORY`].
    Closed,
    /// Nothing this server issued (or closed long ago).
    Unknown,
}

/// Open sessions and recently closed tokens.
#[derive(Default)]
pub(super) struct Table {
    open: Mutex<HashMap<String, Arc<Session>>>,
    closed: Mutex<HashMap<String, Instant>>,
}

impl Table {
    /// Adds an open session under its token.
    pub(super) fn insert(&self, session: Arc<Session>) {
        lock(&self.open).insert(session.token().to_owned(), session);
    }

    /// What `token` names.
    pub(super) fn lookup(&self, token: &str) -> Lookup {
        if let Some(session) = lock(&self.open).get(token) {
            return Lookup::Open(Arc::clone(session));
        }
        match lock(&self.closed).get(token) {
            Some(at) if at.elapsed() < CLOSED_MEMORY => Lookup::Closed,
            _ => Lookup::Unknown,
        }
    }

    /// Moves `token` from the open sessions to the closed tokens (and forgets closed tokens
    /// older than [`CLOSED_MEMORY`]).
    pub(super) fn close(&self, token: &str) {
        lock(&self.open).remove(token);
        let mut closed = lock(&self.closed);
        closed.retain(|_, at| at.elapsed() < CLOSED_MEMORY);
        closed.insert(token.to_owned(), Instant::now());
    }

    /// Number of open sessions.
    pub(super) fn open_sessions(&self) -> usize {
        lock(&self.open).len()
    }
}

/// A fresh session token: [`TOKEN_BYTES`] random bytes as lowercase hex.
pub(super) fn new_token() -> String {
    let bytes: [u8; TOKEN_BYTES] = rand::rng().random();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Whether `token` has the shape of one this server issues (64 lowercase hex digits).
pub(super) fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_BYTES * 2
        && token
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_digits_and_differ() {
        let (a, b) = (new_token(), new_token());
        assert!(well_formed(&a) && well_formed(&b));
        assert_ne!(a, b);
        assert!(!well_formed(&a.to_uppercase()));
        assert!(!well_formed(&a[..63]));
        assert!(!well_formed("zz"));
    }
}
