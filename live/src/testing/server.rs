//! [`TestServer`]: a Live server that serves in-process clients only.

use super::client::TestClient;
use crate::LiveComponent;
use crate::client::{ClientError, LiveClient};
use crate::component::push::ServerStats;
use crate::component::{AppRoomRef, LiveHandle, SingletonRef};
use crate::protocol::refusal::Refusal;
use crate::room::LiveRoom;
use crate::server::{LiveServer, LiveServerBuilder};
use serde_json::{Value, json};

/// A server for tests: the real runtime, reached by [`TestClient`]s in memory. It binds
/// nothing; dropping it stops nothing that a test needs to wait for.
#[derive(Debug, Clone)]
pub struct TestServer {
    server: LiveServer,
}

impl Default for TestServer {
    fn default() -> Self {
        Self::new()
    }
}

impl TestServer {
    /// Every `#[live_component]` and `#[live_room]` linked into the test, default settings.
    pub fn new() -> Self {
        Self::build(LiveServer::builder())
    }

    /// A server from `builder` (auth providers, rate limits, components registered by hand).
    /// Panics on an unusable setting.
    pub fn build(builder: LiveServerBuilder) -> Self {
        match builder.build() {
            Ok(server) => Self { server },
            Err(error) => panic!("live::testing: the test server does not build: {error}"),
        }
    }

    /// Serves `server` (built elsewhere, e.g. the app's own `server()`) to test clients.
    pub fn from_server(server: LiveServer) -> Self {
        Self { server }
    }

    /// The server itself.
    pub fn server(&self) -> &LiveServer {
        &self.server
    }

    /// A handle app code pushes with: messages to singletons, room events, topics.
    pub fn handle(&self) -> LiveHandle {
        self.server.handle()
    }

    /// A running room of type `R` (instance `instance`, e.g. `"general"` for
    /// `chat:general`): `server.room::<ChatRoom>("general").state().await`.
    pub fn room<R: LiveRoom>(&self, instance: &str) -> AppRoomRef<R> {
        self.server.handle().room::<R>(instance)
    }

    /// Singleton `C` of this server.
    pub fn singleton<C: LiveComponent>(&self) -> SingletonRef<C> {
        self.server.handle().singleton::<C>()
    }

    /// Current counts.
    pub async fn stats(&self) -> ServerStats {
        self.server.stats().await
    }

    /// A new anonymous client. Panics if the server refuses it.
    pub async fn connect(&self) -> TestClient {
        self.try_connect()
            .await
            .unwrap_or_else(|error| panic!("live::testing: connect failed: {error}"))
    }

    /// A new anonymous client, or why the server refused it.
    pub async fn try_connect(&self) -> Result<TestClient, ClientError> {
        let end = self.server.connect_in_memory().ok_or(ClientError::Closed)?;
        let to_server = crate::client::wire::Writer::Memory(end.to_server);
        let inbound = crate::client::wire::memory_inbound(end.from_server);
        let client = LiveClient::open(to_server, inbound).await?;
        Ok(TestClient::new(client))
    }

    /// A new client authenticated with `credentials` (the `AUTH` payload the app's
    /// `AuthProvider` reads, e.g. `{"token": "..."}`). Panics if they are refused.
    pub async fn connect_as(&self, credentials: Value) -> TestClient {
        self.try_connect_as(credentials)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "live::testing: authentication refused ({:?}): {error}",
                    error.refusal()
                )
            })
    }

    /// A new client authenticated with `credentials`, or why it was refused (see
    /// [`ClientError::refusal`]: [`RefusalKind::AuthenticationFailed`](crate::RefusalKind::AuthenticationFailed) for credentials no
    /// provider accepts).
    pub async fn try_connect_as(&self, credentials: Value) -> Result<TestClient, ClientError> {
        let client = self.try_connect().await?;
        let kind = crate::protocol::kinds::ClientKind::Auth;
        let reply = client
            .request(json!({"type": kind, "payload": credentials}))
            .await?;
        let payload = reply.get("payload");
        let authenticated = payload.and_then(|payload| payload.get("authenticated"));
        if authenticated == Some(&Value::Bool(true)) {
            return Ok(client);
        }
        let message = payload
            .and_then(|payload| payload.get("error"))
            .and_then(Value::as_str)
            .map_or_else(|| Refusal::AuthenticationFailed.text(), str::to_owned);
        Err(ClientError::Server { message, reply })
    }

    /// Shuts down like a served server: every client's connection closes with 1001 and
    /// destroy hooks run.
    pub async fn shutdown(&self) {
        self.server.shutdown().await;
    }
}
