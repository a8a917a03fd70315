//! Parsing and validation of one client TEXT frame (protocol reference §3, steps 3–9).
//!
//! The rate limiter (step 1) and binary frames (step 2) live elsewhere. The result is
//! either a typed [`Envelope`] or an [`InboundError`] whose [`reply`](InboundError::reply)
//! is the exact frame the TypeScript server would send back.
//!
//! `&str` is always valid UTF-8, so "invalid UTF-8" cannot reach this module: the
//! WebSocket layer refuses (closes on) a text frame that is not UTF-8 before we see it.

mod body;
mod call_frame;
mod call_scan;
mod error;
mod frame;
mod message;
mod reason;
mod sanitize;

pub(crate) use error::InboundError;
pub(crate) use frame::parse_text_frame;
pub(crate) use message::{
    ClientMessage, DEFAULT_MAX_JSON_DEPTH, DEFAULT_MAX_MESSAGE_BYTES, Envelope, FileUploadKind,
    InboundLimits,
};

#[cfg(test)]
mod tests;
