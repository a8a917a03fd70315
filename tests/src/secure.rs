//! Components and an auth provider for the security tests.

use live::BoxFuture;
use live::component::Session;
use live::prelude::*;
use live::security::{AuthProvider, Denied};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Accepts two fixed tokens: `admin-token` (role admin) and `user-token` (role user).
#[derive(Debug)]
pub struct TokenAuth;

impl AuthProvider for TokenAuth {
    fn name(&self) -> &str {
        "tokens"
    }

    fn authenticate<'a>(
        &'a self,
        credentials: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Option<Session>> {
        let session = match credentials.get("token").and_then(Value::as_str) {
            Some("admin-token") => Some(session("admin", "admin")),
            Some("user-token") => Some(session("user", "user")),
            _ => None,
        };
        Box::pin(std::future::ready(session))
    }

    fn authorize_room(&self, identity: &Identity, room_id: &str) -> Result<(), Denied> {
        let admin = identity
            .session()
            .is_some_and(|s| s.roles.iter().any(|r| r == "admin"));
        match room_id {
            "staff-only" if !admin => Err(Denied::new()),
            "broken" => Err(Denied::because("directory unavailable")),
            _ => Ok(()),
        }
    }
}

fn session(id: &str, role: &str) -> Session {
    Session {
        id: id.to_owned(),
        roles: vec![role.to_owned()],
        permissions: Vec::new(),
        extra: Map::new(),
    }
}

/// Only for authenticated connections.
#[live_component(name = "Vault", auth(required))]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Vault {
    /// Something private.
    pub secret: String,
}

#[live_component]
impl Vault {
    /// Who is calling.
    #[action]
    fn whoami(&self, ctx: &mut Ctx<Self>) -> Option<String> {
        ctx.caller().user_id().map(str::to_owned)
    }
}

/// A shared board anyone may watch; only admins may reset it.
#[live_component(name = "Board", singleton)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Board {
    /// Points scored.
    pub points: u32,
}

#[live_component]
impl Board {
    /// Anyone scores.
    #[action]
    fn score(&mut self) -> u32 {
        self.points += 1;
        self.points
    }

    /// Admins only, checked with the caller's identity.
    #[action(auth(roles = ["admin"]))]
    fn reset(&mut self) {
        self.points = 0;
    }

    /// At most two calls a minute per connection.
    #[action(rate_limit(max = 2, per_ms = 60000))]
    fn ping(&self) -> &'static str {
        "pong"
    }

    /// Who is calling.
    #[action]
    fn whoami(&self, ctx: &mut Ctx<Self>) -> Option<String> {
        ctx.caller().user_id().map(str::to_owned)
    }
}
