//! Items used by code that `#[live_component]` and `#[live_room]` generate. Not public API.

pub use crate::component::ActionCall;
pub use crate::protocol::binary_delta::{BinaryField, WireType};
pub use crate::room::codec::{JsonCodec, MsgpackCodec};
pub use crate::room::descriptor::RoomRegistration;
pub use crate::runtime::ComponentRegistration;
pub use inventory;
pub use serde;
pub use serde_json;

use crate::protocol::refusal::Refusal;

/// Generated code's TypeScript support (`ComponentTypescript`, the probes; feature
/// `typescript`).
#[cfg(feature = "typescript")]
pub use crate::typescript::macro_support::*;

/// Deserializes an action's payload, mapping failures to the protocol's validation error text.
pub fn parse_payload<T: serde::de::DeserializeOwned>(
    action: &str,
    payload: serde_json::Value,
) -> Result<T, crate::ActionError> {
    serde_json::from_value(payload).map_err(|error| {
        let detail = error.to_string();
        crate::ActionError::new(
            Refusal::ActionPayloadInvalid {
                action,
                detail: &detail,
            }
            .text(),
        )
    })
}

/// Serializes an action's return value into the reply's `result`.
pub fn to_result<T: serde::Serialize>(value: T) -> crate::component::ActionResult {
    serde_json::to_value(value).map(Some).map_err(|error| {
        let detail = error.to_string();
        crate::ActionError::new(Refusal::ActionResultNotSerializable { detail: &detail }.text())
    })
}

/// The `Ok` type of an action's `Result` return type (aliases such as `anyhow::Result<T>`
/// included): a typed call's result type, and its TypeScript.
pub trait ResultOk {
    /// `T` of `Result<T, E>`.
    type Ok: ?Sized;
}

impl<T, E> ResultOk for Result<T, E> {
    type Ok = T;
}

/// One argument of a typed action call, as JSON (`Err`: why it does not serialize).
pub fn call_arg<T: serde::Serialize + ?Sized>(value: &T) -> Result<serde_json::Value, String> {
    serde_json::to_value(value).map_err(|error| error.to_string())
}

/// The payload object of a typed call with named arguments.
pub fn call_object(
    fields: Vec<(&'static str, Result<serde_json::Value, String>)>,
) -> Result<serde_json::Value, String> {
    let mut object = serde_json::Map::new();
    for (name, value) in fields {
        object.insert(
            name.to_owned(),
            value.map_err(|error| format!("{name}: {error}"))?,
        );
    }
    Ok(serde_json::Value::Object(object))
}

/// Boxes a future as a [`BoxFuture`](crate::support::BoxFuture).
pub fn boxed<'a, T>(
    future: impl std::future::Future<Output = T> + Send + 'a,
) -> crate::support::BoxFuture<'a, T> {
    Box::pin(future)
}

/// Helps `#[live_component]` name the `ComponentAttrs` data given on the struct.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is missing `#[live_component]` on its struct definition",
    label = "add `#[live_component]` to the struct `{Self}`"
)]
pub trait ComponentAttrs {
    /// The registry name.
    const NAME: &'static str;
    /// Singleton flag.
    const SINGLETON: bool;
    /// Fields marked `#[live(updatable)]`.
    const UPDATABLE_FIELDS: &'static [&'static str];
    /// `auth(...)`: who may mount the component (`AuthPolicy::OPEN` when absent).
    const AUTH: crate::security::AuthPolicy;
    /// `rate_limit(...)`: the limit of every action without its own.
    const RATE_LIMIT: Option<crate::security::ActionRateLimit>;
    /// `binary_delta`: the fields sent as binary deltas (empty without it).
    const BINARY_FIELDS: &'static [BinaryField];

    /// Writes one updatable field directly (other fields, `#[serde(skip)]` ones included,
    /// are untouched).
    fn set_updatable_field(
        &mut self,
        field: &str,
        value: serde_json::Value,
    ) -> Result<(), crate::ActionError>;
}

/// Holds the function of `auth(check = path)`: generated code writes
/// `AuthCheckFn { check: path }.check`, so a function of the wrong type is reported at `path`.
#[derive(Debug, Clone, Copy)]
pub struct AuthCheckFn {
    /// The custom check.
    pub check: crate::security::AuthCheck,
}

/// Deserializes a value written to an updatable field (the caller names the field).
pub fn parse_field<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, crate::ActionError> {
    serde_json::from_value(value).map_err(crate::ActionError::from)
}

/// Helps `#[live_room]` on an impl block name the data given on the room's struct.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is missing `#[live_room(prefix = \"...\", events = ...)]` on its struct definition",
    label = "add `#[live_room(prefix = \"...\", events = ...)]` to the struct `{Self}`"
)]
pub trait RoomAttrs {
    /// The id prefix.
    const PREFIX: &'static str;
    /// The member limit.
    const MAX_MEMBERS: Option<usize>;
    /// The room's events.
    type Event: crate::room::RoomEvent;
    /// The server-only value per member.
    type Membership: Default + Send + 'static;
    /// The presence metadata per member.
    type Presence: serde::Serialize + serde::de::DeserializeOwned + Clone + Send + Default + 'static;
    /// Whether the room keeps presence.
    const PRESENCE: bool;
    /// Presence per connection instead of per user.
    const PRESENCE_BY_CONNECTION: bool;

    /// Encodes a binary frame payload with the room's codec.
    fn encode_payload(value: &serde_json::Value) -> Vec<u8>;

    /// Moves the `#[serde(skip)]` fields of `previous` into `rebuilt`.
    fn keep_server_only(rebuilt: &mut Self, previous: &mut Self);
}

/// Serializes a room event's payload (the variant's field).
pub fn event_payload<T: serde::Serialize + ?Sized>(
    payload: &T,
) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::to_value(payload)
}

/// Deserializes a room event's payload into its variant's field type.
pub fn decode_event_payload<T: serde::de::DeserializeOwned>(
    name: &str,
    payload: serde_json::Value,
) -> Result<T, crate::room::RoomError> {
    serde_json::from_value(payload).map_err(|error| {
        let detail = error.to_string();
        crate::room::RoomError::new(
            Refusal::InvalidEventPayload {
                event: name,
                detail: &detail,
            }
            .text(),
        )
    })
}

/// The error for an event name the room's events enum does not have.
pub fn unknown_event(name: &str) -> crate::room::RoomError {
    crate::room::RoomError::new(Refusal::UnknownEvent { event: name }.text())
}

/// Entry points for the fuzz targets in `live/fuzz`: each feeds untrusted bytes to one
/// decoder, which must never panic.
#[cfg(fuzzing)]
pub mod fuzz {
    use crate::protocol::inbound::{InboundLimits, parse_text_frame};
    use crate::protocol::{msgpack, room_frame};
    use crate::security::signing::SignedStateWire;

    /// A client text frame through the whole inbound pipeline (size, depth, JSON, shape).
    pub fn inbound_text(data: &[u8]) {
        if let Ok(text) = std::str::from_utf8(data) {
            let limits = InboundLimits::default();
            if let Err(error) = parse_text_frame(text, &limits) {
                let _ = error.reply();
            }
        }
    }

    /// A binary upload chunk frame (`[headerLen:u32 LE][header JSON][bytes]`); whatever
    /// decodes re-encodes to the same header and bytes.
    pub fn upload_chunk(data: &[u8]) {
        use crate::protocol::upload::{
            MAX_CHUNK_HEADER_BYTES, decode_binary_chunk, encode_binary_chunk,
        };
        if let Ok(chunk) = decode_binary_chunk(data) {
            let header = serde_json::Value::Object(chunk.header.clone());
            let rebuilt = encode_binary_chunk(&header, chunk.data);
            // Re-encoding may lengthen a header (`1e2` → `100.0`) past the limit.
            if rebuilt.len() - chunk.data.len() - 4 <= MAX_CHUNK_HEADER_BYTES {
                let again = decode_binary_chunk(&rebuilt).ok();
                assert_eq!(again.as_ref(), Some(&chunk), "upload chunk round trip");
            }
        }
    }

    /// A binary room frame (`0x02`/`0x03`) header decoder.
    pub fn room_frame(data: &[u8]) {
        if let Ok(frame) = room_frame::decode(data) {
            // Whatever decodes must re-encode to the same bytes.
            let rebuilt = room_frame::RoomBroadcast::new(
                frame.frame_type,
                frame.room_id,
                frame.event,
                frame.payload,
            )
            .and_then(|broadcast| broadcast.frame_for(frame.component_id));
            assert_eq!(rebuilt.ok().as_deref(), Some(data), "room frame round trip");
        }
    }

    /// The msgpack decoder with its limits; whatever decodes re-encodes and decodes equal.
    pub fn msgpack(data: &[u8]) {
        if let Ok(value) = msgpack::decode(data) {
            let again = msgpack::decode(&msgpack::to_vec(&value));
            assert_eq!(again.ok(), Some(value), "msgpack round trip");
        }
    }

    /// A binary component delta (`0x01`) with fields of every wire type: what decodes
    /// re-encodes to a payload that decodes to the same delta.
    pub fn binary_delta(data: &[u8]) {
        use crate::protocol::binary_delta::{
            EVERY_WIRE_TYPE as FIELDS, decode_frame, decode_payload, split,
        };
        let Ok((_, payload)) = decode_frame(data) else {
            return;
        };
        if let Ok(delta) = decode_payload(FIELDS, payload) {
            let again = split(FIELDS, &delta);
            assert!(again.json.is_empty(), "every decoded value re-encodes");
            let decoded = again.binary.map(|payload| decode_payload(FIELDS, &payload));
            match decoded {
                Some(Ok(rebuilt)) => assert_eq!(rebuilt, delta, "binary delta round trip"),
                None => assert!(delta.is_empty(), "a non-empty delta re-encodes"),
                Some(Err(error)) => panic!("re-encoded delta does not decode: {error}"),
            }
        }
    }

    /// A signed state (any JSON) through the shape check and verification.
    pub fn signed_state(data: &[u8]) {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
            return;
        };
        if let Some(wire) = SignedStateWire::from_json(&value) {
            let signer = crate::security::StateSigningConfig {
                secret: Some("fuzz".to_owned()),
                ..Default::default()
            }
            .signer();
            let _ = signer.verify(&wire, 1_760_000_000_000);
        }
    }
}
