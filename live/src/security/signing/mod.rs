//! HMAC-signed component state for rehydration (protocol reference §9, §5.4, §8.5).
//!
//! [`StateSigner::sign`] builds the `SignedState` envelope the client stores;
//! [`StateSigner::verify`] checks one coming back in `COMPONENT_REHYDRATE` and returns the
//! decoded state object (still carrying `__componentName`, which the caller compares with
//! `payload.component`).
//!
//! Plain and compressed states are byte-compatible with the TypeScript server (§9.3): the
//! same secret verifies states in both directions. Encryption deliberately is not; see
//! [`SigningConfig::encrypt`].
//!
//! Nonce replay checks (§9.4 step 2, §9.5) are not done here: rehydration always skips
//! them. A `nonce` present on the wire is still part of the signature input.

mod config;
mod error;
mod keys;
mod signature;
mod signer;
mod verify;
mod wire;

pub(crate) use config::{DEFAULT_MAX_AGE, SigningConfig};
pub(crate) use keys::random_secret;
pub(crate) use signer::{COMPONENT_NAME_KEY, StateSigner};
pub(crate) use wire::SignedStateWire;

#[cfg(test)]
mod tests;
