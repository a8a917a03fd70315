//! The session table: open sessions by token, and the tokens of closed ones, remembered for
//! [`CLOSED_MEMORY`] so that a late request learns the session is gone (410) rather than
//! unknown (404).

use super::session::Session;
use crate::support::lock;
use rand::Rng;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a closed session's token is answered with 410. A token is never issued twice
/// (256 random bits), so afterwards it is simply unknown (404).
pub(super) const CLOSED_MEMORY: Duration = Duration::from_secs(10 * 60);

/// At most this many closed tokens are remembered (the oldest are forgotten first), so a
/// client opening and closing sessions in a loop cannot grow the table without bound.
const CLOSED_CAPACITY: usize = 100_000;

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
    closed: Mutex<Closed>,
}

/// Closed tokens, oldest first.
#[derive(Default)]
struct Closed {
    order: VecDeque<(Instant, String)>,
    tokens: HashSet<String>,
}

impl Closed {
    /// Forgets tokens closed longer than [`CLOSED_MEMORY`] ago, and the oldest past
    /// [`CLOSED_CAPACITY`].
    fn prune(&mut self) {
        while let Some((at, _)) = self.order.front() {
            if at.elapsed() < CLOSED_MEMORY && self.order.len() < CLOSED_CAPACITY {
                break;
            }
            if let Some((_, token)) = self.order.pop_front() {
                self.tokens.remove(&token);
            }
        }
    }
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
        let mut closed = lock(&self.closed);
        closed.prune();
        if closed.tokens.contains(token) {
            Lookup::Closed
        } else {
            Lookup::Unknown
        }
    }

    /// Moves `token` from the open sessions to the closed tokens (and forgets closed tokens
    /// older than [`CLOSED_MEMORY`]).
    pub(super) fn close(&self, token: &str) {
        lock(&self.open).remove(token);
        let mut closed = lock(&self.closed);
        closed.prune();
        closed.order.push_back((Instant::now(), token.to_owned()));
        closed.tokens.insert(token.to_owned());
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
    fn closed_tokens_are_gone_and_the_oldest_forgotten_past_the_capacity() {
        let table = Table::default();
        let first = new_token();
        table.close(&first);
        assert!(matches!(table.lookup(&first), Lookup::Closed));
        assert!(matches!(table.lookup(&new_token()), Lookup::Unknown));
        for _ in 0..CLOSED_CAPACITY {
            table.close(&new_token());
        }
        assert!(matches!(table.lookup(&first), Lookup::Unknown));
        assert!(lock(&table.closed).tokens.len() <= CLOSED_CAPACITY);
    }

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
