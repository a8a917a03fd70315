//! [`TestClient`]: a [`LiveClient`] connected in memory, with typed reads and assertions
//! whose failures show the component, both states and the last frames.

use super::received::Received;
use super::report::failure;
use crate::LiveComponent;
use crate::client::{ClientError, LiveClient};
use crate::component::ActionCall;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt::Debug;
use std::ops::Deref;
use std::time::Duration;

/// A client of a [`TestServer`](super::TestServer). Everything a [`LiveClient`] does
/// (`invoke`, `call`, `set_property`, `unmount`, `rehydrate`, `next_frame`, ...) works on
/// it through `Deref`; it adds typed mounting and state, and assertions. (`state` is typed
/// here: `client.state::<Counter>(&id)`; `json_state` is `LiveClient::state`.)
///
/// Its methods panic with a report instead of returning errors where a test has nothing to
/// do but fail; the `LiveClient` methods return `Result`s for tests of refusals.
#[derive(Debug)]
pub struct TestClient {
    client: LiveClient,
}

impl Deref for TestClient {
    type Target = LiveClient;

    fn deref(&self) -> &LiveClient {
        &self.client
    }
}

impl TestClient {
    pub(super) fn new(client: LiveClient) -> Self {
        Self { client }
    }

    /// The underlying client.
    pub fn into_inner(self) -> LiveClient {
        self.client
    }

    /// Closes the connection politely, as a leaving browser does (dropping the client
    /// closes it abruptly).
    pub async fn close(self) {
        self.client.close().await;
    }

    /// Mounts component `C` with `props` (an object, or `null`) and returns its id. Panics,
    /// with the frames received, if the mount is refused.
    pub async fn mount_component<C: LiveComponent>(&self, props: Value) -> String {
        match self.client.mount(C::NAME, props).await {
            Ok(mounted) => mounted.id,
            Err(error) => panic!(
                "{}",
                failure(
                    &format!("mount refused: {error}"),
                    C::NAME,
                    "-",
                    "a mounted component",
                    &format!("{:?}", error.refusal()),
                    &self.client.recent_frames(),
                )
            ),
        }
    }

    /// Recreates component `C` (once `old_id`, maybe on another connection) from `signed`
    /// (that connection's [`signed_state`](LiveClient::signed_state)) and returns its new
    /// id. Panics if the server refuses.
    pub async fn rehydrate_component<C: LiveComponent>(
        &self,
        old_id: &str,
        signed: Value,
    ) -> String {
        match self.client.rehydrate(C::NAME, old_id, signed).await {
            Ok(mounted) => mounted.id,
            Err(error) => panic!(
                "{}",
                failure(
                    &format!("rehydration refused: {error}"),
                    C::NAME,
                    old_id,
                    "a rehydrated component",
                    &format!("{:?}", error.refusal()),
                    &self.client.recent_frames(),
                )
            ),
        }
    }

    /// [`invoke`](LiveClient::invoke), for a call that must succeed: its result, or a panic
    /// with the refusal and the frames received.
    pub async fn invoke_ok<C, R>(&self, id: &str, call: ActionCall<C, R>) -> R
    where
        C: LiveComponent,
        R: DeserializeOwned,
    {
        let action = call.action();
        match self.client.invoke(id, call).await {
            Ok(result) => result,
            Err(error) => self.fail::<C>(
                &format!("the call of '{action}' failed: {error}"),
                id,
                "success",
                &format!("{error:?}"),
            ),
        }
    }

    /// [`invoke`](LiveClient::invoke), for a call that must be refused: the error (match
    /// on [`ClientError::refusal`] or [`ClientError::server_message`]), or a panic with the
    /// result.
    pub async fn invoke_err<C, R>(&self, id: &str, call: ActionCall<C, R>) -> ClientError
    where
        C: LiveComponent,
        R: DeserializeOwned + Debug,
    {
        let action = call.action();
        match self.client.invoke(id, call).await {
            Err(error) => error,
            Ok(result) => self.fail::<C>(
                &format!("the call of '{action}' succeeded"),
                id,
                "a refusal",
                &format!("{result:#?}"),
            ),
        }
    }

    /// The component's state as this client sees it, decoded as `C` (fields the server
    /// keeps to itself take their `Default`). Panics if it is not mounted here or does not
    /// decode.
    pub fn state<C: LiveComponent>(&self, id: &str) -> C {
        match self.client.state_as::<C>(id) {
            Some(Ok(state)) => state,
            Some(Err(error)) => self.fail::<C>(
                &format!("the state does not decode as the component: {error}"),
                id,
                "",
                &self
                    .json_state(id)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            ),
            None => self.fail::<C>("no such component on this client", id, "", "(none)"),
        }
    }

    /// The component's state as JSON, `None` when it is not mounted here.
    pub fn json_state(&self, id: &str) -> Option<Value> {
        self.client.state(id)
    }

    /// Asserts that the component's state is `expected`; on failure prints both side by
    /// side, with the last frames received.
    #[track_caller]
    pub fn assert_state<C>(&self, id: &str, expected: &C)
    where
        C: LiveComponent + PartialEq + Debug,
    {
        let actual = self.state::<C>(id);
        if actual != *expected {
            self.fail::<C>(
                "the state is not the expected one",
                id,
                &format!("{expected:#?}"),
                &format!("{actual:#?}"),
            );
        }
    }

    /// Waits until `check` holds for the component's state (for what the server pushes:
    /// timers, messages, room events), at most the client's timeout (10 s of tokio time,
    /// which a paused clock skips through). Returns that state; panics with a report if it
    /// never comes.
    pub async fn expect_state<C>(&self, id: &str, check: impl Fn(&C) -> bool) -> C
    where
        C: LiveComponent + Debug,
    {
        let decoded = |state: &Value| {
            serde_json::from_value::<C>(state.clone()).is_ok_and(|state| check(&state))
        };
        match self.client.wait_for_state(id, decoded).await {
            Ok(_) => self.state::<C>(id),
            Err(error) => {
                let actual = self
                    .client
                    .state_as::<C>(id)
                    .map(|state| format!("{state:#?}"))
                    .unwrap_or_else(|| "(not mounted)".to_owned());
                self.fail::<C>(
                    &format!("the expected state never came ({error})"),
                    id,
                    "a state the check accepts",
                    &actual,
                )
            }
        }
    }

    /// Everything received and not read yet, in order, sorted by meaning (deltas, replies,
    /// refusals, decoded room frames, ...). Reads them: the next call returns only newer
    /// frames.
    pub async fn received(&self) -> Vec<Received> {
        self.client
            .take_frames()
            .await
            .into_iter()
            .map(Received::from_frame)
            .collect()
    }

    /// Waits for the next frame and sorts it (the client's timeout at most).
    pub async fn next_received(&self) -> Result<Received, ClientError> {
        self.client.next_frame().await.map(Received::from_frame)
    }

    /// Changes how long requests and waits take at most (default 10 s).
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self {
            client: self.client.with_timeout(timeout),
        }
    }

    fn fail<C: LiveComponent>(&self, what: &str, id: &str, expected: &str, actual: &str) -> ! {
        panic!(
            "{}",
            failure(
                what,
                C::NAME,
                id,
                expected,
                actual,
                &self.client.recent_frames()
            )
        )
    }
}
