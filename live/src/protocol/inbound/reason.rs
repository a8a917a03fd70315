//! Validation reasons (the text after `Invalid message: `), exactly as in §3.

/// The `type` field is absent or not a string.
pub(super) const MISSING_TYPE: &str = "missing type";
/// Envelope `componentId` present but not a string.
pub(super) const COMPONENT_ID_TYPE: &str = "componentId must be a string";
/// Envelope `requestId` present but not a string.
pub(super) const REQUEST_ID_TYPE: &str = "requestId must be a string";
/// Envelope `responseId` present but not a string.
pub(super) const RESPONSE_ID_TYPE: &str = "responseId must be a string";
/// Envelope `expectResponse` present but not a boolean.
pub(super) const EXPECT_RESPONSE_TYPE: &str = "expectResponse must be a boolean";
/// Envelope `timestamp` present but not a number.
pub(super) const TIMESTAMP_TYPE: &str = "timestamp must be a number";
/// Envelope `userId` present but not a string.
pub(super) const USER_ID_TYPE: &str = "userId must be a string";
/// Envelope `room` present but not a string.
pub(super) const ROOM_TYPE: &str = "room must be a string";
/// COMPONENT_MOUNT without an object payload.
pub(super) const MOUNT_PAYLOAD: &str = "COMPONENT_MOUNT requires payload";
/// `payload.component` absent or not a string (MOUNT and REHYDRATE).
pub(super) const PAYLOAD_COMPONENT: &str = "payload.component must be a string";
/// `payload.props` present but not an object.
pub(super) const PAYLOAD_PROPS: &str = "payload.props must be an object";
/// `payload.room` present but not a string.
pub(super) const PAYLOAD_ROOM: &str = "payload.room must be a string";
/// `payload.userId` present but not a string.
pub(super) const PAYLOAD_USER_ID: &str = "payload.userId must be a string";
/// `payload.debugLabel` present but not a string.
pub(super) const PAYLOAD_DEBUG_LABEL: &str = "payload.debugLabel must be a string";
/// A type that targets a component was sent without a string `componentId`.
pub(super) const COMPONENT_ID_REQUIRED: &str = "componentId is required";
/// COMPONENT_REHYDRATE without an object payload.
pub(super) const REHYDRATE_PAYLOAD: &str = "COMPONENT_REHYDRATE requires payload";
/// `payload.signedState` fails the §9.2 shape check.
pub(super) const SIGNED_STATE: &str = "payload.signedState is malformed";
/// CALL_ACTION `action` absent or not a string.
pub(super) const ACTION: &str = "action must be a string";
/// PROPERTY_UPDATE `property` absent or not a string.
pub(super) const PROPERTY: &str = "property must be a string";
/// PROPERTY_UPDATE without an object payload carrying `value`.
pub(super) const PROPERTY_VALUE: &str = "PROPERTY_UPDATE requires payload.value";
/// AUTH payload present but not an object.
pub(super) const AUTH_PAYLOAD: &str = "AUTH payload must be an object";
/// ROOM_* payload present but not an object.
pub(super) const ROOM_PAYLOAD: &str = "room payload must be an object";
/// ROOM_* without a usable room id.
pub(super) const ROOM_ID: &str = "roomId must be a non-empty string";
/// ROOM_* `payload.roomId` present but not a string.
pub(super) const PAYLOAD_ROOM_ID: &str = "payload.roomId must be a string";
/// ROOM_EMIT `payload.event` absent or not a string.
pub(super) const PAYLOAD_EVENT: &str = "payload.event must be a string";
/// ROOM_STATE_SET `payload.state` absent or not an object (arrays included).
pub(super) const PAYLOAD_STATE: &str = "payload.state must be an object";
