//! [`RefusalKind`]: which [`Refusal`] a wire text is, for clients that want to match on a
//! refusal instead of its text (the Rust client, `live::testing`).

use super::refusal::Refusal;

/// Which refusal the server answered with: one variant per kind of refusal text, read back
/// from the text a reply or `ERROR` frame carries ([`RefusalKind::of`]).
///
/// Errors an action returns itself (`ActionError::new("...")`) are the app's own texts and
/// have no kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefusalKind {
    /// `Rate limit exceeded`
    RateLimitExceeded,
    /// `Message too large`
    MessageTooLarge,
    /// `Authentication failed`
    AuthenticationFailed,
    /// `Internal encoding error`
    InternalEncoding,
    /// `Component not found`
    ComponentNotFound,
    /// `Component '…' not found`
    UnknownComponent,
    /// `Component limit exceeded (max … per connection)`
    ComponentLimit,
    /// `Component class mismatch - state tampering detected`
    ComponentClassMismatch,
    /// `COMPONENT_REHYDRATION_REQUIRED:…`
    RehydrationRequired,
    /// `AUTH_DENIED: …`
    AuthDenied,
    /// `Component '…' state could not be serialized: …`
    StateNotSerializable,
    /// `Component '…' state could not be restored: …`
    StateNotRestorable,
    /// `Mount rejected: invalid value for prop '…': …`
    MountPropInvalid,
    /// `… panicked`
    HookPanicked,
    /// `Mount initialization failed: …`
    MountFailed,
    /// `Action '…' is not callable`
    ActionNotCallable,
    /// `Action '…' panicked`
    ActionPanicked,
    /// `Action '…' payload validation failed: …`
    ActionPayloadInvalid,
    /// `Action result could not be serialized: …`
    ActionResultNotSerializable,
    /// `Action rate limit exceeded (max … calls per …ms)`
    ActionRateLimited,
    /// `PROPERTY_UPDATE rejected: invalid value for '…': …`
    PropertyInvalid,
    /// `PROPERTY_UPDATE rejected: '…' is a reserved key`
    PropertyReserved,
    /// `PROPERTY_UPDATE rejected: '…' is server-only ($-prefixed fields cannot be written by the client). Use a server action to mutate it.`
    PropertyServerOnly,
    /// `PROPERTY_UPDATE rejected: '…' is not an updatable field of '…'. Allowed: […]. Mark the field #[live(updatable)] to allow client writes.`
    PropertyNotUpdatable,
    /// `Rooms are only available inside a running server`
    RoomsNeedServer,
    /// `State expired`
    StateExpired,
    /// `Invalid signature`
    InvalidSignature,
    /// Signed state whose data failed a step (the text is the step's own; never read back).
    StateMalformed,
    /// `Authentication required`
    AuthenticationRequired,
    /// `Authentication required. Roles needed: …`
    RolesRequired,
    /// `Insufficient roles. Required one of: …`
    InsufficientRoles,
    /// `Authentication required. Permissions needed: …`
    PermissionsRequired,
    /// `Insufficient permissions. Required all: …`
    InsufficientPermissions,
    /// `Denied by custom authorize`
    CustomDenied,
    /// `Authentication required for action '…'`
    ActionAuthenticationRequired,
    /// `Insufficient roles for action '…'. Required one of: …`
    ActionInsufficientRoles,
    /// `Insufficient permissions for action '…'. Required all: …`
    ActionInsufficientPermissions,
    /// `Action '…' denied by custom authorize`
    ActionCustomDenied,
    /// `Action '…' denied by auth provider '…'`
    ActionDeniedByProvider,
    /// `Access to room '…' denied by auth provider '…'`
    RoomDeniedByProvider,
    /// `Room authorization error: …`
    RoomAuthorization,
    /// `Invalid room name. Must be 1-64 alphanumeric characters, hyphens, underscores, dots, or colons.`
    InvalidRoomId,
    /// `Room requires server-side join via component action`
    RoomServerJoinOnly,
    /// `Room limit exceeded`
    RoomLimit,
    /// `Room is full`
    RoomFull,
    /// `Join rejected by room: …`
    RoomJoinRejected,
    /// `Room state is server-only`
    RoomStateServerOnly,
    /// `Room state could not be serialized: …`
    RoomStateNotSerializable,
    /// `Room state exceeds maximum size limit`
    RoomStateTooLarge,
    /// `Not a member of this room`
    NotRoomMember,
    /// `Room type mismatch`
    RoomTypeMismatch,
    /// `Room is shutting down, try again`
    RoomShuttingDown,
    /// `Room is not a typed room`
    RoomNotTyped,
    /// `Remote room state does not fit the room: …`
    RemoteRoomStateMismatch,
    /// `Room prefix '…' belongs to another room type`
    RoomPrefixTaken,
    /// `Room '…' is not a '…' room`
    RoomWrongType,
    /// `Invalid payload for event '…': …`
    InvalidEventPayload,
    /// `Unknown event '…'`
    UnknownEvent,
    /// `Event '…' cannot be emitted by a client`
    EventNotFromClient,
    /// `OWNERSHIP_LOST: this instance no longer owns the singleton`
    OwnershipLost,
    /// `OWNERSHIP_LOST: singleton '…' is not running on this instance`
    SingletonNotRunning,
    /// `PROPERTY_UPDATE is not supported on a singleton served by another server; call an action instead`
    RemotePropertyUpdate,
    /// `Room messages are not supported on a singleton served by another server`
    RemoteRoomMessage,
    /// `Singleton stopped`
    SingletonStopped,
    /// `Singleton '…' has no reachable owner right now, try again`
    NoReachableOwner,
    /// `Action failed`
    ActionFailed,
    /// `Server shutting down`
    ServerShuttingDown,
    /// `Cluster action timeout after …ms`
    ClusterActionTimeout,
    /// `cluster … took longer than …ms`
    ClusterOpTimeout,
    /// `Invalid upload chunk frame: …`
    UploadFrameInvalid,
    /// `Component not found for upload`
    UploadComponentNotFound,
    /// `Component '…' accepts no uploads`
    UploadsNotAccepted,
    /// `Component '…' has no upload named '…'`
    UploadNameUnknown,
    /// `Component '…' has several uploads; name one in uploadName: …`
    UploadNameRequired,
    /// `Invalid uploadId: must be 1-128 characters`
    UploadIdInvalid,
    /// `Upload … already exists`
    UploadIdInUse,
    /// `Invalid fileSize: must be a positive integer of at most … bytes`
    UploadFileSizeInvalid,
    /// `Invalid chunkSize: must be between 1 and … bytes`
    UploadChunkSizeInvalid,
    /// `Invalid filename: …`
    UploadFilenameInvalid,
    /// `File type '…' is not allowed`
    UploadTypeNotAllowed,
    /// `File extension '.…' is not allowed`
    UploadExtensionBlocked,
    /// `Upload quota exceeded (… bytes per 24 hours)`
    UploadQuotaExceeded,
    /// `Too many concurrent uploads (max … per connection)`
    UploadConcurrencyLimit,
    /// `Upload … not found`
    UploadNotFound,
    /// `Invalid chunkIndex: must be a non-negative integer`
    UploadChunkIndexInvalid,
    /// `Chunk out of order: expected chunk …, got …`
    UploadChunkOutOfOrder,
    /// `Invalid chunk data: expected base64`
    UploadChunkDataInvalid,
    /// `Chunk too large (max … bytes)`
    UploadChunkTooLarge,
    /// `Chunk exceeds the declared fileSize of … bytes`
    UploadPastFileSize,
    /// `Upload incomplete: received … of … bytes`
    UploadIncomplete,
    /// `File content does not match its type '…'`
    UploadContentMismatch,
    /// `Upload storage failed`
    UploadStorageFailed,
    /// `Uploads are not supported on a singleton served by another server`
    RemoteUpload,
}

/// Stands for a text a refusal names (a component, an action, a detail).
const HOLE: &str = "\u{1}";
/// Stands for a number a refusal names; rendered, it becomes a [`HOLE`].
const NUMBER: u32 = 918_273_645;

/// Every kind with a refusal of it whose named parts are holes.
fn templates() -> [(RefusalKind, Refusal<'static>); 93] {
    use Refusal as R;
    use RefusalKind as K;
    [
        (K::RateLimitExceeded, R::RateLimitExceeded),
        (K::MessageTooLarge, R::MessageTooLarge),
        (K::AuthenticationFailed, R::AuthenticationFailed),
        (K::InternalEncoding, R::InternalEncoding),
        (K::ComponentNotFound, R::ComponentNotFound),
        (K::UnknownComponent, R::UnknownComponent { name: HOLE }),
        (
            K::ComponentLimit,
            R::ComponentLimit {
                max: NUMBER as usize,
            },
        ),
        (K::ComponentClassMismatch, R::ComponentClassMismatch),
        (
            K::RehydrationRequired,
            R::RehydrationRequired { component_id: HOLE },
        ),
        (K::AuthDenied, R::AuthDenied { reason: HOLE }),
        (
            K::StateNotSerializable,
            R::StateNotSerializable {
                component: HOLE,
                detail: HOLE,
            },
        ),
        (
            K::StateNotRestorable,
            R::StateNotRestorable {
                component: HOLE,
                detail: HOLE,
            },
        ),
        (
            K::MountPropInvalid,
            R::MountPropInvalid {
                prop: HOLE,
                detail: HOLE,
            },
        ),
        (K::HookPanicked, R::HookPanicked { hook: HOLE }),
        (K::MountFailed, R::MountFailed { failure: HOLE }),
        (K::ActionNotCallable, R::ActionNotCallable { action: HOLE }),
        (K::ActionPanicked, R::ActionPanicked { action: HOLE }),
        (
            K::ActionPayloadInvalid,
            R::ActionPayloadInvalid {
                action: HOLE,
                detail: HOLE,
            },
        ),
        (
            K::ActionResultNotSerializable,
            R::ActionResultNotSerializable { detail: HOLE },
        ),
        (
            K::ActionRateLimited,
            R::ActionRateLimited {
                max_calls: NUMBER,
                window_ms: u64::from(NUMBER),
            },
        ),
        (
            K::PropertyInvalid,
            R::PropertyInvalid {
                property: HOLE,
                detail: HOLE,
            },
        ),
        (K::PropertyReserved, R::PropertyReserved { property: HOLE }),
        (
            K::PropertyServerOnly,
            R::PropertyServerOnly { property: HOLE },
        ),
        (
            K::PropertyNotUpdatable,
            R::PropertyNotUpdatable {
                property: HOLE,
                component: HOLE,
                allowed: &[HOLE],
            },
        ),
        (K::RoomsNeedServer, R::RoomsNeedServer),
        (K::StateExpired, R::StateExpired),
        (K::InvalidSignature, R::InvalidSignature),
        (K::StateMalformed, R::StateMalformed { step: HOLE }),
        (K::AuthenticationRequired, R::AuthenticationRequired),
        (K::RolesRequired, R::RolesRequired { roles: &[HOLE] }),
        (
            K::InsufficientRoles,
            R::InsufficientRoles { roles: &[HOLE] },
        ),
        (
            K::PermissionsRequired,
            R::PermissionsRequired {
                permissions: &[HOLE],
            },
        ),
        (
            K::InsufficientPermissions,
            R::InsufficientPermissions {
                permissions: &[HOLE],
            },
        ),
        (K::CustomDenied, R::CustomDenied),
        (
            K::ActionAuthenticationRequired,
            R::ActionAuthenticationRequired { action: HOLE },
        ),
        (
            K::ActionInsufficientRoles,
            R::ActionInsufficientRoles {
                action: HOLE,
                roles: &[HOLE],
            },
        ),
        (
            K::ActionInsufficientPermissions,
            R::ActionInsufficientPermissions {
                action: HOLE,
                permissions: &[HOLE],
            },
        ),
        (
            K::ActionCustomDenied,
            R::ActionCustomDenied { action: HOLE },
        ),
        (
            K::ActionDeniedByProvider,
            R::ActionDeniedByProvider {
                action: HOLE,
                provider: HOLE,
            },
        ),
        (
            K::RoomDeniedByProvider,
            R::RoomDeniedByProvider {
                room_id: HOLE,
                provider: HOLE,
            },
        ),
        (K::RoomAuthorization, R::RoomAuthorization { reason: HOLE }),
        (K::InvalidRoomId, R::InvalidRoomId),
        (K::RoomServerJoinOnly, R::RoomServerJoinOnly),
        (K::RoomLimit, R::RoomLimit),
        (K::RoomFull, R::RoomFull),
        (K::RoomJoinRejected, R::RoomJoinRejected { reason: HOLE }),
        (K::RoomStateServerOnly, R::RoomStateServerOnly),
        (
            K::RoomStateNotSerializable,
            R::RoomStateNotSerializable { detail: HOLE },
        ),
        (K::RoomStateTooLarge, R::RoomStateTooLarge),
        (K::NotRoomMember, R::NotRoomMember),
        (K::RoomTypeMismatch, R::RoomTypeMismatch),
        (K::RoomShuttingDown, R::RoomShuttingDown),
        (K::RoomNotTyped, R::RoomNotTyped),
        (
            K::RemoteRoomStateMismatch,
            R::RemoteRoomStateMismatch { detail: HOLE },
        ),
        (K::RoomPrefixTaken, R::RoomPrefixTaken { prefix: HOLE }),
        (
            K::RoomWrongType,
            R::RoomWrongType {
                room_id: HOLE,
                prefix: HOLE,
            },
        ),
        (
            K::InvalidEventPayload,
            R::InvalidEventPayload {
                event: HOLE,
                detail: HOLE,
            },
        ),
        (K::UnknownEvent, R::UnknownEvent { event: HOLE }),
        (K::EventNotFromClient, R::EventNotFromClient { event: HOLE }),
        (K::OwnershipLost, R::OwnershipLost),
        (
            K::SingletonNotRunning,
            R::SingletonNotRunning { name: HOLE },
        ),
        (K::RemotePropertyUpdate, R::RemotePropertyUpdate),
        (K::RemoteRoomMessage, R::RemoteRoomMessage),
        (K::SingletonStopped, R::SingletonStopped),
        (K::NoReachableOwner, R::NoReachableOwner { name: HOLE }),
        (K::ActionFailed, R::ActionFailed),
        (K::ServerShuttingDown, R::ServerShuttingDown),
        (
            K::ClusterActionTimeout,
            R::ClusterActionTimeout {
                ms: u128::from(NUMBER),
            },
        ),
        (
            K::ClusterOpTimeout,
            R::ClusterOpTimeout {
                what: HOLE,
                ms: u128::from(NUMBER),
            },
        ),
        (
            K::UploadFrameInvalid,
            R::UploadFrameInvalid { detail: HOLE },
        ),
        (K::UploadComponentNotFound, R::UploadComponentNotFound),
        (
            K::UploadsNotAccepted,
            R::UploadsNotAccepted { component: HOLE },
        ),
        (
            K::UploadNameUnknown,
            R::UploadNameUnknown {
                name: HOLE,
                component: HOLE,
            },
        ),
        (
            K::UploadNameRequired,
            R::UploadNameRequired {
                component: HOLE,
                names: &[HOLE],
            },
        ),
        (K::UploadIdInvalid, R::UploadIdInvalid),
        (K::UploadIdInUse, R::UploadIdInUse { upload_id: HOLE }),
        (
            K::UploadFileSizeInvalid,
            R::UploadFileSizeInvalid {
                max: u64::from(NUMBER),
            },
        ),
        (
            K::UploadChunkSizeInvalid,
            R::UploadChunkSizeInvalid {
                max: NUMBER as usize,
            },
        ),
        (
            K::UploadFilenameInvalid,
            R::UploadFilenameInvalid { reason: HOLE },
        ),
        (
            K::UploadTypeNotAllowed,
            R::UploadTypeNotAllowed { mime: HOLE },
        ),
        (
            K::UploadExtensionBlocked,
            R::UploadExtensionBlocked { extension: HOLE },
        ),
        (
            K::UploadQuotaExceeded,
            R::UploadQuotaExceeded {
                quota: u64::from(NUMBER),
            },
        ),
        (
            K::UploadConcurrencyLimit,
            R::UploadConcurrencyLimit {
                max: NUMBER as usize,
            },
        ),
        (K::UploadNotFound, R::UploadNotFound { upload_id: HOLE }),
        (K::UploadChunkIndexInvalid, R::UploadChunkIndexInvalid),
        (
            K::UploadChunkOutOfOrder,
            R::UploadChunkOutOfOrder {
                expected: u64::from(NUMBER),
                got: u64::from(NUMBER),
            },
        ),
        (K::UploadChunkDataInvalid, R::UploadChunkDataInvalid),
        (
            K::UploadChunkTooLarge,
            R::UploadChunkTooLarge {
                max: NUMBER as usize,
            },
        ),
        (
            K::UploadPastFileSize,
            R::UploadPastFileSize {
                file_size: u64::from(NUMBER),
            },
        ),
        (
            K::UploadIncomplete,
            R::UploadIncomplete {
                received: u64::from(NUMBER),
                file_size: u64::from(NUMBER),
            },
        ),
        (
            K::UploadContentMismatch,
            R::UploadContentMismatch { mime: HOLE },
        ),
        (K::UploadStorageFailed, R::UploadStorageFailed),
        (K::RemoteUpload, R::RemoteUpload),
    ]
}

impl RefusalKind {
    /// The kind of refusal `text` is (the whole `error` text of a reply), or `None` for a
    /// text the server's refusals do not produce (an action's own error, for one).
    ///
    /// An authorisation refusal (`AUTH_DENIED: <reason>`) reads as its reason's kind
    /// ([`AuthenticationRequired`](Self::AuthenticationRequired),
    /// [`ActionInsufficientRoles`](Self::ActionInsufficientRoles), ...), and as
    /// [`AuthDenied`](Self::AuthDenied) when the reason is the app's own.
    pub fn of(text: &str) -> Option<Self> {
        let kind = Self::of_text(text)?;
        if kind == Self::AuthDenied {
            let prefix = Refusal::AuthDenied { reason: "" }.to_string();
            let reason = text.strip_prefix(&prefix).and_then(Self::of_text);
            return Some(reason.unwrap_or(kind));
        }
        Some(kind)
    }

    fn of_text(text: &str) -> Option<Self> {
        let number = NUMBER.to_string();
        templates()
            .iter()
            .filter_map(|(kind, refusal)| {
                let template = refusal.to_string().replace(&number, HOLE);
                fits(&template, text).map(|literal| (literal, *kind))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, kind)| kind)
    }
}

/// Whether `text` is `template` with its holes filled; `Some(literal characters matched)`.
/// A template that is all holes fits nothing.
fn fits(template: &str, text: &str) -> Option<usize> {
    let pieces: Vec<&str> = template.split(HOLE).collect();
    let literal: usize = pieces.iter().map(|piece| piece.len()).sum();
    if literal == 0 {
        return None;
    }
    let (first, rest) = pieces.split_first()?;
    let Some((last, middle)) = rest.split_last() else {
        return (template == text).then_some(literal);
    };
    let mut remaining = text.strip_prefix(first)?;
    for piece in middle {
        let at = remaining.find(piece)?;
        remaining = remaining.get(at + piece.len()..)?;
    }
    remaining.ends_with(last).then_some(literal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_text_reads_back_as_its_kind() {
        for (kind, refusal) in templates() {
            let text = refusal.to_string().replace(HOLE, "x");
            if matches!(kind, RefusalKind::StateMalformed) {
                continue; // all hole: its text is the failed step's own
            }
            assert_eq!(RefusalKind::of(&text), Some(kind), "{text}");
        }
    }

    /// The kind of every refusal: a `Refusal` variant added without its kind (and its
    /// template in `templates`) fails to compile here.
    fn kind_of(refusal: &Refusal<'_>) -> RefusalKind {
        use Refusal as R;
        use RefusalKind as K;
        match refusal {
            R::RateLimitExceeded { .. } => K::RateLimitExceeded,
            R::MessageTooLarge { .. } => K::MessageTooLarge,
            R::AuthenticationFailed { .. } => K::AuthenticationFailed,
            R::InternalEncoding { .. } => K::InternalEncoding,
            R::ComponentNotFound { .. } => K::ComponentNotFound,
            R::UnknownComponent { .. } => K::UnknownComponent,
            R::ComponentLimit { .. } => K::ComponentLimit,
            R::ComponentClassMismatch { .. } => K::ComponentClassMismatch,
            R::RehydrationRequired { .. } => K::RehydrationRequired,
            R::AuthDenied { .. } => K::AuthDenied,
            R::StateNotSerializable { .. } => K::StateNotSerializable,
            R::StateNotRestorable { .. } => K::StateNotRestorable,
            R::MountPropInvalid { .. } => K::MountPropInvalid,
            R::HookPanicked { .. } => K::HookPanicked,
            R::MountFailed { .. } => K::MountFailed,
            R::ActionNotCallable { .. } => K::ActionNotCallable,
            R::ActionPanicked { .. } => K::ActionPanicked,
            R::ActionPayloadInvalid { .. } => K::ActionPayloadInvalid,
            R::ActionResultNotSerializable { .. } => K::ActionResultNotSerializable,
            R::ActionRateLimited { .. } => K::ActionRateLimited,
            R::PropertyInvalid { .. } => K::PropertyInvalid,
            R::PropertyReserved { .. } => K::PropertyReserved,
            R::PropertyServerOnly { .. } => K::PropertyServerOnly,
            R::PropertyNotUpdatable { .. } => K::PropertyNotUpdatable,
            R::RoomsNeedServer { .. } => K::RoomsNeedServer,
            R::StateExpired { .. } => K::StateExpired,
            R::InvalidSignature { .. } => K::InvalidSignature,
            R::StateMalformed { .. } => K::StateMalformed,
            R::AuthenticationRequired { .. } => K::AuthenticationRequired,
            R::RolesRequired { .. } => K::RolesRequired,
            R::InsufficientRoles { .. } => K::InsufficientRoles,
            R::PermissionsRequired { .. } => K::PermissionsRequired,
            R::InsufficientPermissions { .. } => K::InsufficientPermissions,
            R::CustomDenied { .. } => K::CustomDenied,
            R::ActionAuthenticationRequired { .. } => K::ActionAuthenticationRequired,
            R::ActionInsufficientRoles { .. } => K::ActionInsufficientRoles,
            R::ActionInsufficientPermissions { .. } => K::ActionInsufficientPermissions,
            R::ActionCustomDenied { .. } => K::ActionCustomDenied,
            R::ActionDeniedByProvider { .. } => K::ActionDeniedByProvider,
            R::RoomDeniedByProvider { .. } => K::RoomDeniedByProvider,
            R::RoomAuthorization { .. } => K::RoomAuthorization,
            R::InvalidRoomId { .. } => K::InvalidRoomId,
            R::RoomServerJoinOnly { .. } => K::RoomServerJoinOnly,
            R::RoomLimit { .. } => K::RoomLimit,
            R::RoomFull { .. } => K::RoomFull,
            R::RoomJoinRejected { .. } => K::RoomJoinRejected,
            R::RoomStateServerOnly { .. } => K::RoomStateServerOnly,
            R::RoomStateNotSerializable { .. } => K::RoomStateNotSerializable,
            R::RoomStateTooLarge { .. } => K::RoomStateTooLarge,
            R::NotRoomMember { .. } => K::NotRoomMember,
            R::RoomTypeMismatch { .. } => K::RoomTypeMismatch,
            R::RoomShuttingDown { .. } => K::RoomShuttingDown,
            R::RoomNotTyped { .. } => K::RoomNotTyped,
            R::RemoteRoomStateMismatch { .. } => K::RemoteRoomStateMismatch,
            R::RoomPrefixTaken { .. } => K::RoomPrefixTaken,
            R::RoomWrongType { .. } => K::RoomWrongType,
            R::InvalidEventPayload { .. } => K::InvalidEventPayload,
            R::UnknownEvent { .. } => K::UnknownEvent,
            R::EventNotFromClient { .. } => K::EventNotFromClient,
            R::OwnershipLost { .. } => K::OwnershipLost,
            R::SingletonNotRunning { .. } => K::SingletonNotRunning,
            R::RemotePropertyUpdate { .. } => K::RemotePropertyUpdate,
            R::RemoteRoomMessage { .. } => K::RemoteRoomMessage,
            R::SingletonStopped { .. } => K::SingletonStopped,
            R::NoReachableOwner { .. } => K::NoReachableOwner,
            R::ActionFailed { .. } => K::ActionFailed,
            R::ServerShuttingDown { .. } => K::ServerShuttingDown,
            R::ClusterActionTimeout { .. } => K::ClusterActionTimeout,
            R::ClusterOpTimeout { .. } => K::ClusterOpTimeout,
            R::UploadFrameInvalid { .. } => K::UploadFrameInvalid,
            R::UploadComponentNotFound => K::UploadComponentNotFound,
            R::UploadsNotAccepted { .. } => K::UploadsNotAccepted,
            R::UploadNameUnknown { .. } => K::UploadNameUnknown,
            R::UploadNameRequired { .. } => K::UploadNameRequired,
            R::UploadIdInvalid => K::UploadIdInvalid,
            R::UploadIdInUse { .. } => K::UploadIdInUse,
            R::UploadFileSizeInvalid { .. } => K::UploadFileSizeInvalid,
            R::UploadChunkSizeInvalid { .. } => K::UploadChunkSizeInvalid,
            R::UploadFilenameInvalid { .. } => K::UploadFilenameInvalid,
            R::UploadTypeNotAllowed { .. } => K::UploadTypeNotAllowed,
            R::UploadExtensionBlocked { .. } => K::UploadExtensionBlocked,
            R::UploadQuotaExceeded { .. } => K::UploadQuotaExceeded,
            R::UploadConcurrencyLimit { .. } => K::UploadConcurrencyLimit,
            R::UploadNotFound { .. } => K::UploadNotFound,
            R::UploadChunkIndexInvalid => K::UploadChunkIndexInvalid,
            R::UploadChunkOutOfOrder { .. } => K::UploadChunkOutOfOrder,
            R::UploadChunkDataInvalid => K::UploadChunkDataInvalid,
            R::UploadChunkTooLarge { .. } => K::UploadChunkTooLarge,
            R::UploadPastFileSize { .. } => K::UploadPastFileSize,
            R::UploadIncomplete { .. } => K::UploadIncomplete,
            R::UploadContentMismatch { .. } => K::UploadContentMismatch,
            R::UploadStorageFailed => K::UploadStorageFailed,
            R::RemoteUpload => K::RemoteUpload,
        }
    }

    #[test]
    fn every_refusal_has_a_template_of_its_kind() {
        let templates = templates();
        for (kind, refusal) in &templates {
            assert_eq!(kind_of(refusal), *kind, "{refusal:?}");
        }
        let mut kinds: Vec<String> = templates.iter().map(|(k, _)| format!("{k:?}")).collect();
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), templates.len(), "one template per kind");
    }

    #[test]
    fn filled_texts_and_app_texts() {
        let limited = Refusal::ActionRateLimited {
            max_calls: 2,
            window_ms: 1000,
        };
        assert_eq!(
            RefusalKind::of(&limited.text()),
            Some(RefusalKind::ActionRateLimited)
        );
        let denied = Refusal::AuthDenied {
            reason: &Refusal::AuthenticationRequired.text(),
        }
        .text();
        assert_eq!(
            RefusalKind::of(&denied),
            Some(RefusalKind::AuthenticationRequired)
        );
        let custom = Refusal::AuthDenied { reason: "closed" }.text();
        assert_eq!(RefusalKind::of(&custom), Some(RefusalKind::AuthDenied));
        assert_eq!(RefusalKind::of("count would overflow"), None);
        assert_eq!(RefusalKind::of(""), None);
    }
}
