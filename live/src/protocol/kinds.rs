//! The wire's message types (`"type"`): what a client sends and what the server sends back.
//!
//! Each kind serializes as its exact wire string, so a frame built with one cannot misspell
//! it.

use serde::{Serialize, Serializer};
use std::fmt;

/// Defines a wire-kind enum: each variant with its exact wire string.
macro_rules! wire_kinds {
    ($(#[$meta:meta])* $name:ident { $($(#[$doc:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum $name {
            $($(#[$doc])* $variant,)*
        }

        impl $name {
            /// Every kind, in declaration order.
            #[cfg(test)]
            pub(crate) const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The exact wire string.
            pub(crate) const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)*
                }
            }

            /// The kind a wire string names, if any.
            #[allow(dead_code)] // The server parses client kinds, the Rust client server kinds.
            pub(crate) fn parse(wire: &str) -> Option<Self> {
                match wire {
                    $($wire => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

wire_kinds! {
    /// A message type a client sends (reference §3 step 9, §4.2).
    ClientKind {
        /// Heartbeat; never answered.
        Ping = "PING",
        /// Credentials for the connection.
        Auth = "AUTH",
        ComponentMount = "COMPONENT_MOUNT",
        ComponentUnmount = "COMPONENT_UNMOUNT",
        /// Recreates a component from a signed state.
        ComponentRehydrate = "COMPONENT_REHYDRATE",
        CallAction = "CALL_ACTION",
        /// Writes one top-level state field.
        PropertyUpdate = "PROPERTY_UPDATE",
        RoomJoin = "ROOM_JOIN",
        RoomLeave = "ROOM_LEAVE",
        RoomEmit = "ROOM_EMIT",
        RoomStateSet = "ROOM_STATE_SET",
        RoomStateGet = "ROOM_STATE_GET",
        FileUploadStart = "FILE_UPLOAD_START",
        /// The JSON variant, with base64 data.
        FileUploadChunk = "FILE_UPLOAD_CHUNK",
        FileUploadComplete = "FILE_UPLOAD_COMPLETE",
    }
}

wire_kinds! {
    /// A message type the server sends.
    ServerKind {
        /// The first frame of every connection.
        ConnectionEstablished = "CONNECTION_ESTABLISHED",
        /// A refusal, connection-level or of one component.
        Error = "ERROR",
        /// The reply to mounts, unmounts, property writes and room requests.
        MessageResponse = "MESSAGE_RESPONSE",
        ActionResponse = "ACTION_RESPONSE",
        AuthResponse = "AUTH_RESPONSE",
        /// The reply to `COMPONENT_REHYDRATE`.
        ComponentRehydrated = "COMPONENT_REHYDRATED",
        StateUpdate = "STATE_UPDATE",
        StateDelta = "STATE_DELTA",
        StateRehydrated = "STATE_REHYDRATED",
        /// A renewed signature of the current state.
        StateSignature = "STATE_SIGNATURE",
        RoomJoined = "ROOM_JOINED",
        RoomLeft = "ROOM_LEFT",
        RoomState = "ROOM_STATE",
        RoomEvent = "ROOM_EVENT",
        /// A room's own notice (a member joined or left).
        RoomSystem = "ROOM_SYSTEM",
        /// `Ctx::broadcast` to the components mounted with the same room.
        Broadcast = "BROADCAST",
        /// The reply to `FILE_UPLOAD_START`.
        FileUploadStartResponse = "FILE_UPLOAD_START_RESPONSE",
        /// The reply to each accepted chunk.
        FileUploadProgress = "FILE_UPLOAD_PROGRESS",
        /// The reply to `FILE_UPLOAD_COMPLETE` (same wire string as the request).
        FileUploadComplete = "FILE_UPLOAD_COMPLETE",
    }
}

wire_kinds! {
    /// An event name of the SSE transport's stream (reference §16).
    SseEvent {
        /// The first event: the session token, as `{"token": "…"}`.
        Session = "session",
        /// A text frame, exactly as the WebSocket would carry it.
        Message = "message",
        /// A binary frame, base64.
        Binary = "binary",
        /// The last event: `{"code": …, "reason": "…"}`.
        Close = "close",
    }
}

impl ClientKind {
    /// Whether the type targets one component, so the envelope must carry `componentId`.
    pub(crate) fn needs_component_id(self) -> bool {
        matches!(
            self,
            Self::ComponentUnmount
                | Self::ComponentRehydrate
                | Self::CallAction
                | Self::PropertyUpdate
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_wire_strings() {
        for kind in ClientKind::ALL {
            assert_eq!(ClientKind::parse(kind.as_str()), Some(*kind));
        }
        for kind in ServerKind::ALL {
            assert_eq!(ServerKind::parse(kind.as_str()), Some(*kind));
            assert_eq!(
                serde_json::to_string(kind).ok(),
                Some(format!("\"{}\"", kind.as_str()))
            );
        }
        for kind in SseEvent::ALL {
            assert_eq!(SseEvent::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(ClientKind::parse("ERROR"), None);
        assert_eq!(ServerKind::parse("call_action"), None);
    }
}
