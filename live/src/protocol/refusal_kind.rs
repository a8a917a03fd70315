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
    /// Rate limit exceeded.
    RateLimitExceeded,
    /// Message too large.
    MessageTooLarge,
    /// Binary frames unsupported.
    BinaryFramesUnsupported,
    /// File uploads unsupported.
    FileUploadsUnsupported,
    /// Authentication failed.
    AuthenticationFailed,
    /// Internal encoding.
    InternalEncoding,
    /// Component not found.
    ComponentNotFound,
    /// Unknown component.
    UnknownComponent,
    /// Component limit.
    ComponentLimit,
    /// Component class mismatch.
    ComponentClassMismatch,
    /// Rehydration required.
    RehydrationRequired,
    /// Auth denied.
    AuthDenied,
    /// State not serializable.
    StateNotSerializable,
    /// State not restorable.
    StateNotRestorable,
    /// Mount prop not updatable.
    MountPropNotUpdatable,
    /// Mount prop invalid.
    MountPropInvalid,
    /// Hook panicked.
    HookPanicked,
    /// Mount failed.
    MountFailed,
    /// Action not callable.
    ActionNotCallable,
    /// Action panicked.
    ActionPanicked,
    /// Action payload invalid.
    ActionPayloadInvalid,
    /// Action result not serializable.
    ActionResultNotSerializable,
    /// Action rate limited.
    ActionRateLimited,
    /// Property invalid.
    PropertyInvalid,
    /// Property reserved.
    PropertyReserved,
    /// Property server only.
    PropertyServerOnly,
    /// Property not updatable.
    PropertyNotUpdatable,
    /// Rooms need server.
    RoomsNeedServer,
    /// State expired.
    StateExpired,
    /// Invalid signature.
    InvalidSignature,
    /// State malformed.
    StateMalformed,
    /// Authentication required.
    AuthenticationRequired,
    /// Roles required.
    RolesRequired,
    /// Insufficient roles.
    InsufficientRoles,
    /// Permissions required.
    PermissionsRequired,
    /// Insufficient permissions.
    InsufficientPermissions,
    /// Custom denied.
    CustomDenied,
    /// Action authentication required.
    ActionAuthenticationRequired,
    /// Action insufficient roles.
    ActionInsufficientRoles,
    /// Action insufficient permissions.
    ActionInsufficientPermissions,
    /// Action custom denied.
    ActionCustomDenied,
    /// Action denied by provider.
    ActionDeniedByProvider,
    /// Room denied by provider.
    RoomDeniedByProvider,
    /// Room authorization.
    RoomAuthorization,
    /// Invalid room id.
    InvalidRoomId,
    /// Room server join only.
    RoomServerJoinOnly,
    /// Room limit.
    RoomLimit,
    /// Room full.
    RoomFull,
    /// Room join rejected.
    RoomJoinRejected,
    /// Room state server only.
    RoomStateServerOnly,
    /// Room state not serializable.
    RoomStateNotSerializable,
    /// Room state too large.
    RoomStateTooLarge,
    /// Not room member.
    NotRoomMember,
    /// Room type mismatch.
    RoomTypeMismatch,
    /// Room shutting down.
    RoomShuttingDown,
    /// Room not typed.
    RoomNotTyped,
    /// Remote room state mismatch.
    RemoteRoomStateMismatch,
    /// Room prefix taken.
    RoomPrefixTaken,
    /// Room wrong type.
    RoomWrongType,
    /// Invalid event payload.
    InvalidEventPayload,
    /// Unknown event.
    UnknownEvent,
    /// Ownership lost.
    OwnershipLost,
    /// Singleton not running.
    SingletonNotRunning,
    /// Remote property update.
    RemotePropertyUpdate,
    /// Remote room message.
    RemoteRoomMessage,
    /// Singleton stopped.
    SingletonStopped,
    /// No reachable owner.
    NoReachableOwner,
    /// Action failed.
    ActionFailed,
    /// Server shutting down.
    ServerShuttingDown,
    /// Cluster action timeout.
    ClusterActionTimeout,
    /// Cluster op timeout.
    ClusterOpTimeout,
}

/// Stands for a text a refusal names (a component, an action, a detail).
const HOLE: &str = "\u{1}";
/// Stands for a number a refusal names; rendered, it becomes a [`HOLE`].
const NUMBER: u32 = 918_273_645;

/// Every kind with a refusal of it whose named parts are holes.
fn templates() -> [(RefusalKind, Refusal<'static>); 71] {
    use Refusal as R;
    use RefusalKind as K;
    [
        (K::RateLimitExceeded, R::RateLimitExceeded),
        (K::MessageTooLarge, R::MessageTooLarge),
        (K::BinaryFramesUnsupported, R::BinaryFramesUnsupported),
        (K::FileUploadsUnsupported, R::FileUploadsUnsupported),
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
            K::MountPropNotUpdatable,
            R::MountPropNotUpdatable {
                prop: HOLE,
                component: HOLE,
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
