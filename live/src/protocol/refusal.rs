//! Every refusal the server sends a client: `Display` is the exact wire text (the
//! `error` of a reply or `ERROR` frame), so each text is written once.
//!
//! Inbound validation has its own [`InboundError`](super::inbound::InboundError), in the
//! same style (its reasons are the §3 texts); everything else a client can be refused is
//! here, signed-state refusals included.

use std::fmt;

/// One refusal. Fields borrow what the text names; `detail` fields carry an underlying
/// error's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal<'a> {
    // Connection.
    /// The connection's frame budget is spent.
    RateLimitExceeded,
    MessageTooLarge,
    /// `AUTH` credentials no provider accepted.
    AuthenticationFailed,
    /// A frame that could not be encoded (never expected).
    InternalEncoding,

    // Components.
    /// The request names no component of this connection.
    ComponentNotFound,
    /// No registered component has this name.
    UnknownComponent {
        name: &'a str,
    },
    ComponentLimit {
        max: usize,
    },
    /// A signed state names another component than the rehydrate request.
    ComponentClassMismatch,
    /// The component is gone; the client should rehydrate it.
    RehydrationRequired {
        component_id: &'a str,
    },
    /// An authorisation rule refused; `reason` is one of the auth refusals' text.
    AuthDenied {
        reason: &'a str,
    },
    StateNotSerializable {
        component: &'a str,
        detail: &'a str,
    },
    StateNotRestorable {
        component: &'a str,
        detail: &'a str,
    },
    MountPropInvalid {
        prop: &'a str,
        detail: &'a str,
    },
    /// A hook (`on_mount`, ...) panicked; its text follows `Mount initialization failed: `.
    HookPanicked {
        hook: &'a str,
    },
    MountFailed {
        failure: &'a str,
    },
    ActionNotCallable {
        action: &'a str,
    },
    ActionPanicked {
        action: &'a str,
    },
    ActionPayloadInvalid {
        action: &'a str,
        detail: &'a str,
    },
    ActionResultNotSerializable {
        detail: &'a str,
    },
    ActionRateLimited {
        max_calls: u32,
        window_ms: u64,
    },
    PropertyInvalid {
        property: &'a str,
        detail: &'a str,
    },
    PropertyReserved {
        property: &'a str,
    },
    /// A `$`-prefixed field.
    PropertyServerOnly {
        property: &'a str,
    },
    PropertyNotUpdatable {
        property: &'a str,
        component: &'a str,
        allowed: &'a [&'a str],
    },
    /// `Ctx::room` outside a running server (unit tests of a component).
    RoomsNeedServer,

    // Signed states.
    /// Older than the signing config's `max_age`.
    StateExpired,
    InvalidSignature,
    /// Authentic, but `data` failed at `step` (the text names it, e.g. `state too large`).
    StateMalformed {
        step: &'a str,
    },

    // Authorisation reasons (after `AUTH_DENIED: ` where the caller adds it).
    AuthenticationRequired,
    RolesRequired {
        roles: &'a [&'a str],
    },
    InsufficientRoles {
        roles: &'a [&'a str],
    },
    PermissionsRequired {
        permissions: &'a [&'a str],
    },
    InsufficientPermissions {
        permissions: &'a [&'a str],
    },
    /// A custom mount check denied without a reason.
    CustomDenied,
    ActionAuthenticationRequired {
        action: &'a str,
    },
    ActionInsufficientRoles {
        action: &'a str,
        roles: &'a [&'a str],
    },
    ActionInsufficientPermissions {
        action: &'a str,
        permissions: &'a [&'a str],
    },
    /// A custom action check denied without a reason.
    ActionCustomDenied {
        action: &'a str,
    },
    /// The default auth provider denied an action without a reason.
    ActionDeniedByProvider {
        action: &'a str,
        provider: &'a str,
    },
    /// The default auth provider denied a room join without a reason.
    RoomDeniedByProvider {
        room_id: &'a str,
        provider: &'a str,
    },
    /// The default auth provider denied a room join with this reason.
    RoomAuthorization {
        reason: &'a str,
    },

    // Rooms.
    /// A room id that fails the §10.1 rule.
    InvalidRoomId,
    /// `ROOM_JOIN` on a typed room's prefix.
    RoomServerJoinOnly,
    RoomLimit,
    RoomFull,
    RoomJoinRejected {
        reason: &'a str,
    },
    /// A client or remote write to a typed room's state.
    RoomStateServerOnly,
    RoomStateNotSerializable {
        detail: &'a str,
    },
    RoomStateTooLarge,
    NotRoomMember,
    RoomTypeMismatch,
    RoomShuttingDown,
    RoomNotTyped,
    RemoteRoomStateMismatch {
        detail: &'a str,
    },
    RoomPrefixTaken {
        prefix: &'a str,
    },
    RoomWrongType {
        room_id: &'a str,
        prefix: &'a str,
    },
    InvalidEventPayload {
        event: &'a str,
        detail: &'a str,
    },
    UnknownEvent {
        event: &'a str,
    },
    /// A client's `ROOM_EMIT` of a typed room's event not declared `from_client`.
    EventNotFromClient {
        event: &'a str,
    },

    // Uploads (§15).
    /// A binary frame that is not a well-formed upload chunk.
    UploadFrameInvalid {
        detail: &'a str,
    },
    /// The upload names no component of this connection.
    UploadComponentNotFound,
    /// The component declares no `#[upload]` method.
    UploadsNotAccepted {
        component: &'a str,
    },
    /// `uploadName` names no upload of the component.
    UploadNameUnknown {
        name: &'a str,
        component: &'a str,
    },
    /// The component declares several uploads and the request names none that fits.
    UploadNameRequired {
        component: &'a str,
        names: &'a [&'a str],
    },
    UploadIdInvalid,
    /// Another upload of this connection uses the id.
    UploadIdInUse {
        upload_id: &'a str,
    },
    UploadFileSizeInvalid {
        max: u64,
    },
    UploadChunkSizeInvalid {
        max: usize,
    },
    UploadFilenameInvalid {
        reason: &'a str,
    },
    UploadTypeNotAllowed {
        mime: &'a str,
    },
    UploadExtensionBlocked {
        extension: &'a str,
    },
    UploadQuotaExceeded {
        quota: u64,
    },
    UploadConcurrencyLimit {
        max: usize,
    },
    /// No upload of this connection has the id.
    UploadNotFound {
        upload_id: &'a str,
    },
    UploadChunkIndexInvalid,
    UploadChunkOutOfOrder {
        expected: u64,
        got: u64,
    },
    UploadChunkDataInvalid,
    UploadChunkTooLarge {
        max: usize,
    },
    UploadPastFileSize {
        file_size: u64,
    },
    UploadIncomplete {
        received: u64,
        file_size: u64,
    },
    /// The first bytes do not match the declared type.
    UploadContentMismatch {
        mime: &'a str,
    },
    /// The store failed to write or finish the file.
    UploadStorageFailed,

    // Clusters.
    /// The owner lost its claim while serving.
    OwnershipLost,
    /// A forwarded call reached a server that does not run the singleton.
    SingletonNotRunning {
        name: &'a str,
    },
    RemotePropertyUpdate,
    RemoteRoomMessage,
    RemoteUpload,
    SingletonStopped,
    NoReachableOwner {
        name: &'a str,
    },
    /// A forwarded action failed without a message.
    ActionFailed,
    /// The owner stopped before answering a forwarded action (only the Redis adapter).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    ServerShuttingDown,
    ClusterActionTimeout {
        ms: u128,
    },
    /// A cluster backend operation (`what`: `forward`, `publish`, ...) timed out.
    ClusterOpTimeout {
        what: &'a str,
        ms: u128,
    },
}

impl Refusal<'_> {
    /// The text as an owned `String` (the form most replies carry).
    pub(crate) fn text(&self) -> String {
        self.to_string()
    }
}

/// Writes `items` joined with `, `.
fn list(f: &mut fmt::Formatter<'_>, items: &[&str]) -> fmt::Result {
    f.write_str(&items.join(", "))
}

impl fmt::Display for Refusal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Refusal as R;
        match *self {
            R::RateLimitExceeded => f.write_str("Rate limit exceeded"),
            R::MessageTooLarge => f.write_str("Message too large"),
            R::AuthenticationFailed => f.write_str("Authentication failed"),
            R::InternalEncoding => f.write_str("Internal encoding error"),

            R::ComponentNotFound => f.write_str("Component not found"),
            R::UnknownComponent { name } => write!(f, "Component '{name}' not found"),
            R::ComponentLimit { max } => {
                write!(f, "Component limit exceeded (max {max} per connection)")
            }
            R::ComponentClassMismatch => {
                f.write_str("Component class mismatch - state tampering detected")
            }
            R::RehydrationRequired { component_id } => {
                write!(f, "COMPONENT_REHYDRATION_REQUIRED:{component_id}")
            }
            R::AuthDenied { reason } => write!(f, "AUTH_DENIED: {reason}"),
            R::StateNotSerializable { component, detail } => {
                write!(
                    f,
                    "Component '{component}' state could not be serialized: {detail}"
                )
            }
            R::StateNotRestorable { component, detail } => {
                write!(
                    f,
                    "Component '{component}' state could not be restored: {detail}"
                )
            }
            R::MountPropInvalid { prop, detail } => {
                write!(
                    f,
                    "Mount rejected: invalid value for prop '{prop}': {detail}"
                )
            }
            R::HookPanicked { hook } => write!(f, "{hook} panicked"),
            R::MountFailed { failure } => write!(f, "Mount initialization failed: {failure}"),
            R::ActionNotCallable { action } => write!(f, "Action '{action}' is not callable"),
            R::ActionPanicked { action } => write!(f, "Action '{action}' panicked"),
            R::ActionPayloadInvalid { action, detail } => {
                write!(f, "Action '{action}' payload validation failed: {detail}")
            }
            R::ActionResultNotSerializable { detail } => {
                write!(f, "Action result could not be serialized: {detail}")
            }
            R::ActionRateLimited {
                max_calls,
                window_ms,
            } => write!(
                f,
                "Action rate limit exceeded (max {max_calls} calls per {window_ms}ms)"
            ),
            R::PropertyInvalid { property, detail } => write!(
                f,
                "PROPERTY_UPDATE rejected: invalid value for '{property}': {detail}"
            ),
            R::PropertyReserved { property } => {
                write!(
                    f,
                    "PROPERTY_UPDATE rejected: '{property}' is a reserved key"
                )
            }
            R::PropertyServerOnly { property } => write!(
                f,
                "PROPERTY_UPDATE rejected: '{property}' is server-only ($-prefixed fields \
                 cannot be written by the client). Use a server action to mutate it."
            ),
            R::PropertyNotUpdatable {
                property,
                component,
                allowed,
            } => {
                write!(
                    f,
                    "PROPERTY_UPDATE rejected: '{property}' is not an updatable field of \
                     '{component}'. Allowed: ["
                )?;
                list(f, allowed)?;
                f.write_str("]. Mark the field #[live(updatable)] to allow client writes.")
            }
            R::RoomsNeedServer => f.write_str("Rooms are only available inside a running server"),

            R::StateExpired => f.write_str("State expired"),
            R::InvalidSignature => f.write_str("Invalid signature"),
            R::StateMalformed { step } => f.write_str(step),

            R::AuthenticationRequired => f.write_str("Authentication required"),
            R::RolesRequired { roles } => {
                f.write_str("Authentication required. Roles needed: ")?;
                list(f, roles)
            }
            R::InsufficientRoles { roles } => {
                f.write_str("Insufficient roles. Required one of: ")?;
                list(f, roles)
            }
            R::PermissionsRequired { permissions } => {
                f.write_str("Authentication required. Permissions needed: ")?;
                list(f, permissions)
            }
            R::InsufficientPermissions { permissions } => {
                f.write_str("Insufficient permissions. Required all: ")?;
                list(f, permissions)
            }
            R::CustomDenied => f.write_str("Denied by custom authorize"),
            R::ActionAuthenticationRequired { action } => {
                write!(f, "Authentication required for action '{action}'")
            }
            R::ActionInsufficientRoles { action, roles } => {
                write!(
                    f,
                    "Insufficient roles for action '{action}'. Required one of: "
                )?;
                list(f, roles)
            }
            R::ActionInsufficientPermissions {
                action,
                permissions,
            } => {
                write!(
                    f,
                    "Insufficient permissions for action '{action}'. Required all: "
                )?;
                list(f, permissions)
            }
            R::ActionCustomDenied { action } => {
                write!(f, "Action '{action}' denied by custom authorize")
            }
            R::ActionDeniedByProvider { action, provider } => {
                write!(f, "Action '{action}' denied by auth provider '{provider}'")
            }
            R::RoomDeniedByProvider { room_id, provider } => write!(
                f,
                "Access to room '{room_id}' denied by auth provider '{provider}'"
            ),
            R::RoomAuthorization { reason } => write!(f, "Room authorization error: {reason}"),

            R::InvalidRoomId => f.write_str(
                "Invalid room name. Must be 1-64 alphanumeric characters, hyphens, \
                 underscores, dots, or colons.",
            ),
            R::RoomServerJoinOnly => {
                f.write_str("Room requires server-side join via component action")
            }
            R::RoomLimit => f.write_str("Room limit exceeded"),
            R::RoomFull => f.write_str("Room is full"),
            R::RoomJoinRejected { reason } => write!(f, "Join rejected by room: {reason}"),
            R::RoomStateServerOnly => f.write_str("Room state is server-only"),
            R::RoomStateNotSerializable { detail } => {
                write!(f, "Room state could not be serialized: {detail}")
            }
            R::RoomStateTooLarge => f.write_str("Room state exceeds maximum size limit"),
            R::NotRoomMember => f.write_str("Not a member of this room"),
            R::RoomTypeMismatch => f.write_str("Room type mismatch"),
            R::RoomShuttingDown => f.write_str("Room is shutting down, try again"),
            R::RoomNotTyped => f.write_str("Room is not a typed room"),
            R::RemoteRoomStateMismatch { detail } => {
                write!(f, "Remote room state does not fit the room: {detail}")
            }
            R::RoomPrefixTaken { prefix } => {
                write!(f, "Room prefix '{prefix}' belongs to another room type")
            }
            R::RoomWrongType { room_id, prefix } => {
                write!(f, "Room '{room_id}' is not a '{prefix}' room")
            }
            R::InvalidEventPayload { event, detail } => {
                write!(f, "Invalid payload for event '{event}': {detail}")
            }
            R::UnknownEvent { event } => write!(f, "Unknown event '{event}'"),
            R::EventNotFromClient { event } => {
                write!(f, "Event '{event}' cannot be emitted by a client")
            }

            R::UploadFrameInvalid { detail } => write!(f, "Invalid upload chunk frame: {detail}"),
            R::UploadComponentNotFound => f.write_str("Component not found for upload"),
            R::UploadsNotAccepted { component } => {
                write!(f, "Component '{component}' accepts no uploads")
            }
            R::UploadNameUnknown { name, component } => {
                write!(f, "Component '{component}' has no upload named '{name}'")
            }
            R::UploadNameRequired { component, names } => {
                write!(
                    f,
                    "Component '{component}' has several uploads; name one in uploadName: "
                )?;
                list(f, names)
            }
            R::UploadIdInvalid => f.write_str("Invalid uploadId: must be 1-128 characters"),
            R::UploadIdInUse { upload_id } => write!(f, "Upload {upload_id} already exists"),
            R::UploadFileSizeInvalid { max } => write!(
                f,
                "Invalid fileSize: must be a positive integer of at most {max} bytes"
            ),
            R::UploadChunkSizeInvalid { max } => {
                write!(f, "Invalid chunkSize: must be between 1 and {max} bytes")
            }
            R::UploadFilenameInvalid { reason } => write!(f, "Invalid filename: {reason}"),
            R::UploadTypeNotAllowed { mime } => write!(f, "File type '{mime}' is not allowed"),
            R::UploadExtensionBlocked { extension } => {
                write!(f, "File extension '.{extension}' is not allowed")
            }
            R::UploadQuotaExceeded { quota } => {
                write!(f, "Upload quota exceeded ({quota} bytes per 24 hours)")
            }
            R::UploadConcurrencyLimit { max } => {
                write!(f, "Too many concurrent uploads (max {max} per connection)")
            }
            R::UploadNotFound { upload_id } => write!(f, "Upload {upload_id} not found"),
            R::UploadChunkIndexInvalid => {
                f.write_str("Invalid chunkIndex: must be a non-negative integer")
            }
            R::UploadChunkOutOfOrder { expected, got } => write!(
                f,
                "Chunk out of order: expected chunk {expected}, got {got}"
            ),
            R::UploadChunkDataInvalid => f.write_str("Invalid chunk data: expected base64"),
            R::UploadChunkTooLarge { max } => {
                write!(f, "Chunk too large (max {max} bytes)")
            }
            R::UploadPastFileSize { file_size } => write!(
                f,
                "Chunk exceeds the declared fileSize of {file_size} bytes"
            ),
            R::UploadIncomplete {
                received,
                file_size,
            } => write!(
                f,
                "Upload incomplete: received {received} of {file_size} bytes"
            ),
            R::UploadContentMismatch { mime } => {
                write!(f, "File content does not match its type '{mime}'")
            }
            R::UploadStorageFailed => f.write_str("Upload storage failed"),

            R::OwnershipLost => {
                f.write_str("OWNERSHIP_LOST: this instance no longer owns the singleton")
            }
            R::SingletonNotRunning { name } => write!(
                f,
                "OWNERSHIP_LOST: singleton '{name}' is not running on this instance"
            ),
            R::RemotePropertyUpdate => f.write_str(
                "PROPERTY_UPDATE is not supported on a singleton served by another server; \
                 call an action instead",
            ),
            R::RemoteRoomMessage => f.write_str(
                "Room messages are not supported on a singleton served by another server",
            ),
            R::RemoteUpload => {
                f.write_str("Uploads are not supported on a singleton served by another server")
            }
            R::SingletonStopped => f.write_str("Singleton stopped"),
            R::NoReachableOwner { name } => write!(
                f,
                "Singleton '{name}' has no reachable owner right now, try again"
            ),
            R::ActionFailed => f.write_str("Action failed"),
            R::ServerShuttingDown => f.write_str("Server shutting down"),
            R::ClusterActionTimeout { ms } => write!(f, "Cluster action timeout after {ms}ms"),
            R::ClusterOpTimeout { what, ms } => {
                write!(f, "cluster {what} took longer than {ms}ms")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_the_wire_texts() {
        let cases: [(Refusal<'_>, &str); 9] = [
            (
                Refusal::ComponentLimit { max: 256 },
                "Component limit exceeded (max 256 per connection)",
            ),
            (
                Refusal::AuthDenied {
                    reason: "Authentication required",
                },
                "AUTH_DENIED: Authentication required",
            ),
            (
                Refusal::RolesRequired {
                    roles: &["admin", "owner"],
                },
                "Authentication required. Roles needed: admin, owner",
            ),
            (
                Refusal::PropertyNotUpdatable {
                    property: "x",
                    component: "Counter",
                    allowed: &["a", "b"],
                },
                "PROPERTY_UPDATE rejected: 'x' is not an updatable field of 'Counter'. \
                 Allowed: [a, b]. Mark the field #[live(updatable)] to allow client writes.",
            ),
            (
                Refusal::PropertyServerOnly { property: "$s" },
                "PROPERTY_UPDATE rejected: '$s' is server-only ($-prefixed fields cannot be \
                 written by the client). Use a server action to mutate it.",
            ),
            (
                Refusal::ActionRateLimited {
                    max_calls: 2,
                    window_ms: 1000,
                },
                "Action rate limit exceeded (max 2 calls per 1000ms)",
            ),
            (
                Refusal::InvalidRoomId,
                "Invalid room name. Must be 1-64 alphanumeric characters, hyphens, \
                 underscores, dots, or colons.",
            ),
            (
                Refusal::RemotePropertyUpdate,
                "PROPERTY_UPDATE is not supported on a singleton served by another server; \
                 call an action instead",
            ),
            (
                Refusal::ClusterOpTimeout {
                    what: "forward",
                    ms: 500,
                },
                "cluster forward took longer than 500ms",
            ),
        ];
        for (refusal, text) in cases {
            assert_eq!(refusal.text(), text);
        }
    }
}
