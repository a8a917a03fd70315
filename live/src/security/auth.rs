//! Authentication providers and the component/action authorisation rules (§11).

use super::identity::{Identity, Session};
use crate::protocol::refusal::Refusal;
use crate::support::BoxFuture;
use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;

/// A "no" from an authorisation check ([`AuthCheck`], [`AuthProvider::authorize_action`],
/// [`AuthProvider::authorize_room`]), with the reason the client sees, if any.
///
/// Without a reason the client gets the server's text for the check that denied (e.g.
/// `Denied by custom authorize`); see `docs/security.md`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Denied {
    reason: Option<String>,
}

impl Denied {
    /// A denial without a reason.
    pub fn new() -> Self {
        Self::default()
    }

    /// A denial whose reason the client sees (an empty reason counts as none).
    pub fn because(reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self {
            reason: (!reason.is_empty()).then_some(reason),
        }
    }

    /// The reason given, if any.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// The reason, else `fallback`'s text.
    fn text_or(&self, fallback: Refusal<'_>) -> String {
        self.reason.clone().unwrap_or_else(|| fallback.to_string())
    }
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason().unwrap_or("denied"))
    }
}

impl std::error::Error for Denied {}

/// Checks credentials sent with `AUTH` and, optionally, individual actions and room joins.
///
/// Register providers with
/// [`LiveServerBuilder::auth_provider`](crate::LiveServerBuilder::auth_provider);
/// the first is the default. `AUTH` tries the default first, then the others; the first
/// that returns a session wins.
pub trait AuthProvider: Send + Sync + 'static {
    /// A short name, used in denial messages.
    fn name(&self) -> &str;

    /// Turns credentials (`token`, `publicKey`, `signature`, … — whatever the client sent
    /// in `AUTH.payload`) into a session, or `None` if they are not valid.
    fn authenticate<'a>(
        &'a self,
        credentials: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Option<Session>>;

    /// Extra check before every action (after the component's own rules). A denial's
    /// reason is the error text; without one it is `Action '<a>' denied by auth provider
    /// '<name>'`. Default: allow.
    fn authorize_action(
        &self,
        identity: &Identity,
        component: &str,
        action: &str,
    ) -> Result<(), Denied> {
        let _ = (identity, component, action);
        Ok(())
    }

    /// Check before a client joins an untyped room with `ROOM_JOIN`. A denial with a reason
    /// is reported as `Room authorization error: <reason>`, one without as `Access to room
    /// '<id>' denied by auth provider '<name>'`. Default: allow.
    fn authorize_room(&self, identity: &Identity, room_id: &str) -> Result<(), Denied> {
        let _ = (identity, room_id);
        Ok(())
    }
}

/// The registered providers, default first.
#[derive(Clone, Default)]
pub(crate) struct AuthProviders {
    providers: Vec<Arc<dyn AuthProvider>>,
}

impl fmt::Debug for AuthProviders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.providers.iter().map(|p| p.name()).collect();
        f.debug_tuple("AuthProviders").field(&names).finish()
    }
}

impl AuthProviders {
    /// Providers in registration order (the first is the default).
    pub(crate) fn new(providers: Vec<Arc<dyn AuthProvider>>) -> Self {
        Self { providers }
    }

    /// `AUTH`: the first provider that accepts the credentials gives the session. Empty or
    /// all-falsy credentials, or no provider at all, stay anonymous.
    pub(crate) async fn authenticate(&self, credentials: &Map<String, Value>) -> Option<Session> {
        if !credentials.values().any(is_truthy) {
            return None;
        }
        for provider in &self.providers {
            if let Some(session) = provider.authenticate(credentials).await {
                return Some(session);
            }
        }
        None
    }

    /// The default provider's action check: `Err(reason)` when it denies.
    pub(crate) fn authorize_action(
        &self,
        identity: &Identity,
        component: &str,
        action: &str,
    ) -> Result<(), String> {
        let Some(provider) = self.providers.first() else {
            return Ok(());
        };
        provider
            .authorize_action(identity, component, action)
            .map_err(|denied| {
                denied.text_or(Refusal::ActionDeniedByProvider {
                    action,
                    provider: provider.name(),
                })
            })
    }

    /// The default provider's room check: `Err(error text)` when it denies or fails.
    pub(crate) fn authorize_room(&self, identity: &Identity, room_id: &str) -> Result<(), String> {
        let Some(provider) = self.providers.first() else {
            return Ok(());
        };
        provider
            .authorize_room(identity, room_id)
            .map_err(|denied| match denied.reason() {
                Some(reason) => Refusal::RoomAuthorization { reason }.text(),
                None => Refusal::RoomDeniedByProvider {
                    room_id,
                    provider: provider.name(),
                }
                .text(),
            })
    }
}

/// JavaScript truthiness of a credential value.
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0 && !n.is_nan()),
        Value::String(text) => !text.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// A custom authorisation check (`auth(check = path)`), run after the other rules.
pub type AuthCheck = fn(&Identity) -> Result<(), Denied>;

/// Who may mount a component, or call one action (`#[live_component(auth(...))]`,
/// `#[action(auth(...))]`).
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthPolicy {
    /// The caller must be authenticated.
    pub required: bool,
    /// The caller needs at least one of these roles.
    pub roles: &'static [&'static str],
    /// The caller needs every one of these permissions.
    pub permissions: &'static [&'static str],
    /// A custom check, run last.
    pub check: Option<AuthCheck>,
}

impl AuthPolicy {
    /// No restriction.
    pub const OPEN: Self = Self {
        required: false,
        roles: &[],
        permissions: &[],
        check: None,
    };

    /// Whether the policy restricts anything.
    pub fn is_open(&self) -> bool {
        !self.required
            && self.roles.is_empty()
            && self.permissions.is_empty()
            && self.check.is_none()
    }

    /// Mount-time check (§11.2); `Err` carries the reason after `AUTH_DENIED: `.
    pub(crate) fn authorize_component(&self, identity: &Identity) -> Result<(), String> {
        let session = identity.session();
        let (roles, permissions) = (self.roles, self.permissions);
        let refusal = if self.required && session.is_none() {
            Some(Refusal::AuthenticationRequired)
        } else if !roles.is_empty() && session.is_none() {
            Some(Refusal::RolesRequired { roles })
        } else if !roles.is_empty() && !session.is_some_and(|s| has_any_role(s, roles)) {
            Some(Refusal::InsufficientRoles { roles })
        } else if !permissions.is_empty() && session.is_none() {
            Some(Refusal::PermissionsRequired { permissions })
        } else if !permissions.is_empty()
            && !session.is_some_and(|s| has_all_permissions(s, permissions))
        {
            Some(Refusal::InsufficientPermissions { permissions })
        } else {
            None
        };
        if let Some(refusal) = refusal {
            return Err(refusal.text());
        }
        match self.check {
            Some(check) => check(identity).map_err(|denied| denied.text_or(Refusal::CustomDenied)),
            None => Ok(()),
        }
    }

    /// Action-time check with the caller's identity (§11.3).
    pub(crate) fn authorize_action(&self, identity: &Identity, action: &str) -> Result<(), String> {
        let session = identity.session();
        let (roles, permissions) = (self.roles, self.permissions);
        let restricted = self.required || !roles.is_empty() || !permissions.is_empty();
        let refusal = if restricted && session.is_none() {
            Some(Refusal::ActionAuthenticationRequired { action })
        } else if !roles.is_empty() && !session.is_some_and(|s| has_any_role(s, roles)) {
            Some(Refusal::ActionInsufficientRoles { action, roles })
        } else if !permissions.is_empty()
            && !session.is_some_and(|s| has_all_permissions(s, permissions))
        {
            Some(Refusal::ActionInsufficientPermissions {
                action,
                permissions,
            })
        } else {
            None
        };
        if let Some(refusal) = refusal {
            return Err(refusal.text());
        }
        match self.check {
            Some(check) => check(identity)
                .map_err(|denied| denied.text_or(Refusal::ActionCustomDenied { action })),
            None => Ok(()),
        }
    }
}

fn has_any_role(session: &Session, roles: &[&str]) -> bool {
    session
        .roles
        .iter()
        .any(|role| roles.contains(&role.as_str()))
}

fn has_all_permissions(session: &Session, permissions: &[&str]) -> bool {
    permissions
        .iter()
        .all(|needed| session.permissions.iter().any(|held| held == needed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[&str], permissions: &[&str]) -> Identity {
        Identity::authenticated(Session {
            id: "u1".into(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            extra: Map::new(),
        })
    }

    #[test]
    fn component_reasons_match_the_reference() {
        let anonymous = Identity::anonymous();
        let required = AuthPolicy {
            required: true,
            ..AuthPolicy::OPEN
        };
        assert_eq!(
            required.authorize_component(&anonymous),
            Err("Authentication required".into())
        );
        assert_eq!(required.authorize_component(&user(&[], &[])), Ok(()));
        let admins = AuthPolicy {
            roles: &["admin", "owner"],
            ..AuthPolicy::OPEN
        };
        assert_eq!(
            admins.authorize_component(&anonymous),
            Err("Authentication required. Roles needed: admin, owner".into())
        );
        assert_eq!(
            admins.authorize_component(&user(&["guest"], &[])),
            Err("Insufficient roles. Required one of: admin, owner".into())
        );
        assert_eq!(admins.authorize_component(&user(&["owner"], &[])), Ok(()));
        let writers = AuthPolicy {
            permissions: &["chat.read", "chat.write"],
            ..AuthPolicy::OPEN
        };
        assert_eq!(
            writers.authorize_component(&anonymous),
            Err("Authentication required. Permissions needed: chat.read, chat.write".into())
        );
        assert_eq!(
            writers.authorize_component(&user(&[], &["chat.read"])),
            Err("Insufficient permissions. Required all: chat.read, chat.write".into())
        );
        assert_eq!(
            writers.authorize_component(&user(&[], &["chat.write", "chat.read"])),
            Ok(())
        );
        let custom = AuthPolicy {
            check: Some(|identity| {
                if identity.user_id() == Some("u1") {
                    Err(Denied::because(""))
                } else {
                    Ok(())
                }
            }),
            ..AuthPolicy::OPEN
        };
        assert_eq!(
            custom.authorize_component(&user(&[], &[])),
            Err("Denied by custom authorize".into())
        );
        assert_eq!(custom.authorize_component(&anonymous), Ok(()));
    }

    #[test]
    fn action_reasons_match_the_reference() {
        let admins = AuthPolicy {
            roles: &["admin"],
            ..AuthPolicy::OPEN
        };
        assert_eq!(
            admins.authorize_action(&Identity::anonymous(), "reset"),
            Err("Authentication required for action 'reset'".into())
        );
        assert_eq!(
            admins.authorize_action(&user(&["guest"], &[]), "reset"),
            Err("Insufficient roles for action 'reset'. Required one of: admin".into())
        );
        let perms = AuthPolicy {
            permissions: &["x"],
            ..AuthPolicy::OPEN
        };
        assert_eq!(
            perms.authorize_action(&user(&[], &[]), "reset"),
            Err("Insufficient permissions for action 'reset'. Required all: x".into())
        );
        assert!(AuthPolicy::OPEN.is_open());
        assert_eq!(
            AuthPolicy::OPEN.authorize_action(&Identity::anonymous(), "a"),
            Ok(())
        );
    }

    #[test]
    fn credentials_must_have_a_truthy_value() {
        let mut credentials = Map::new();
        credentials.insert("token".into(), Value::String(String::new()));
        credentials.insert("nonce".into(), Value::Bool(false));
        assert!(!credentials.values().any(is_truthy));
        credentials.insert("token".into(), Value::String("t".into()));
        assert!(credentials.values().any(is_truthy));
    }
}
