//! The inspector (feature `metrics`, opt-in with [`LiveServerBuilder::inspector`]): a page
//! Live serves and builds with Live itself. Its figures live in one singleton component,
//! [`LiveInspector`](component), that a server task updates every second through the push
//! API (`LiveHandle`); the page mounts it like any component, so its access is the
//! component's: the role [`INSPECTOR_ROLE`], from the app's `AuthProvider` or from the
//! inspector's own token. See docs/operations.md.
//!
//! [`LiveServerBuilder::inspector`]: crate::LiveServerBuilder::inspector

mod component;
mod feed;

pub(super) use component::LiveInspector;
pub(super) use feed::start_feed;

use crate::component::Session;
use crate::security::AuthProvider;
use crate::support::BoxFuture;
use serde_json::{Map, Value};

/// The role that lets a connection mount the inspector's component. Give it to operators in
/// your `AuthProvider`'s sessions, or set a token with [`Inspector::token`].
pub const INSPECTOR_ROLE: &str = "live-inspector";

/// The page, self-contained (HTML, CSS and a small script that speaks the protocol).
const PAGE: &str = include_str!("page.html");

/// Where the page is served and how operators get in.
#[derive(Clone)]
pub struct Inspector {
    pub(super) path: String,
    pub(super) token: Option<String>,
}

impl std::fmt::Debug for Inspector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inspector")
            .field("path", &self.path)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl Default for Inspector {
    fn default() -> Self {
        Self::new()
    }
}

impl Inspector {
    /// The page at `/live/inspector`, for connections whose session has
    /// [`INSPECTOR_ROLE`] (no token: only the app's `AuthProvider` can let anyone in).
    pub fn new() -> Self {
        Self {
            path: "/live/inspector".to_owned(),
            token: None,
        }
    }

    /// Serves the page at `path` instead.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Also lets in whoever sends `AUTH` with `{"inspectorToken": token}` (the page sends
    /// the token given after `#token=` in its URL; the fragment never reaches the server's
    /// logs).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The page with the WebSocket path it connects to.
    pub(super) fn page(&self, live_path: &str) -> String {
        PAGE.replace("__LIVE_PATH__", live_path)
    }
}

/// The inspector token's auth provider: a session with [`INSPECTOR_ROLE`] for the token.
#[derive(Debug)]
pub(super) struct TokenProvider {
    pub(super) token: String,
}

impl AuthProvider for TokenProvider {
    fn name(&self) -> &str {
        "live-inspector"
    }

    fn authenticate<'a>(
        &'a self,
        credentials: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Option<Session>> {
        let given = credentials.get("inspectorToken").and_then(Value::as_str);
        let session = given
            .filter(|given| same(given.as_bytes(), self.token.as_bytes()))
            .map(|_| Session {
                id: "live-inspector".to_owned(),
                roles: vec![INSPECTOR_ROLE.to_owned()],
                permissions: Vec::new(),
                extra: Map::new(),
            });
        Box::pin(std::future::ready(session))
    }
}

/// Compares without stopping at the first difference (the length is not secret).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}
