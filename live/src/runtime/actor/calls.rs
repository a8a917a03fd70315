//! Client calls: routing them, and actions with their checks (callable, auth, rate limit).

use super::instance::Actor;
use crate::component::{ActionError, LiveComponent};
use crate::metrics::{ActionTimer, Outcome};
use crate::protocol::kinds::ServerKind;
use crate::protocol::outbound::{self, Reply};
use crate::protocol::refusal::Refusal;
use crate::runtime::mailbox::{Call, Caller};
use crate::runtime::outbox::Outbox;
use crate::support::BoxFuture;
use futures_util::FutureExt;
use serde_json::Value;
use std::panic::AssertUnwindSafe;
use tracing::Instrument;

impl<C: LiveComponent> Actor<C> {
    /// The work of one call, boxed per kind of call: the box is allocated for every call,
    /// so an action's is only as large as an action needs (small enough for the
    /// allocator's per-thread cache), and the rare calls' larger futures stay out of it.
    pub(super) fn handle(&mut self, call: Call) -> BoxFuture<'_, ()> {
        if self.is_proxy() {
            self.handle_as_proxy(call);
            return Box::pin(std::future::ready(()));
        }
        match call {
            Call::Remote { request, reply } => Box::pin(async move {
                let response = self.run_remote_action(*request).await;
                let _ = reply.send(response);
            }),
            Call::Action {
                caller,
                action,
                payload,
                expect_response,
                request_id,
            } => Box::pin(self.run_action(caller, action, payload, expect_response, request_id)),
            Call::Upload(upload) => Box::pin(self.receive_upload(*upload)),
            Call::SetProperty {
                caller,
                property,
                value,
                request_id,
            } => {
                self.set_property(&caller, &property, value, request_id.as_deref());
                Box::pin(std::future::ready(()))
            }
            Call::Room {
                caller,
                op,
                request_id,
                joined,
            } => Box::pin(async move {
                self.client_room_op(&caller, op, request_id.as_deref(), joined)
                    .await;
            }),
        }
    }

    async fn run_action(
        &mut self,
        caller: Caller,
        action: String,
        payload: Value,
        expect_response: bool,
        request_id: Option<String>,
    ) {
        let (action, request_id) = (action.as_str(), request_id.as_deref());
        let Some(outbox) = self.viewers.get(&caller.connection_id).cloned() else {
            return;
        };
        match self.execute(caller, action, payload).await {
            Ok(value) if expect_response => {
                let reply = Reply::success(ServerKind::ActionResponse, Some(&self.id), request_id)
                    .with_result(value.as_ref())
                    .encode();
                outbox.push_text(reply);
            }
            Ok(_) => {}
            Err(ActionFailure::Denied(error)) => {
                let kind = ServerKind::ActionResponse;
                let reply = Reply::failure(kind, Some(&self.id), &error, request_id);
                outbox.push_text(reply.encode());
            }
            Err(ActionFailure::Failed(error)) => {
                fail_action(&outbox, &self.id, action, &error, request_id);
            }
        }
    }

    /// Runs an action: checks in the reference's order (§6.2: callable, auth, rate limit),
    /// then the action itself and what it changed; all in a `live.action` span that ends
    /// with the outcome and duration, and counted in the component's metrics.
    pub(super) async fn execute(
        &mut self,
        caller: Caller,
        action: &str,
        payload: Value,
    ) -> Result<Option<Value>, ActionFailure> {
        let span = tracing::info_span!(
            "live.action",
            component = C::NAME,
            action,
            connection = %caller.connection_id,
            outcome = tracing::field::Empty,
            duration_us = tracing::field::Empty,
        );
        let index = C::ACTIONS.iter().position(|name| *name == action);
        // A span no subscriber wants is skipped: entering and recording it still costs
        // (~1k instructions per action with `tracing`'s `log` feature on), and so is its
        // clock read.
        let traced = !span.is_disabled();
        let started = traced.then(ActionTimer::start);
        let (outcome, ran, result) = if traced {
            // Boxed: the instrumented future would make every call's future larger.
            let checked = self.checked(caller, index, action, payload);
            Box::pin(checked.instrument(span.clone())).await
        } else {
            self.checked(caller, index, action, payload).await
        };
        self.metrics.action(index, outcome, ran);
        if let Some(started) = started {
            span.record("outcome", outcome.label());
            span.record("duration_us", started.micros());
        }
        result
    }

    /// [`execute`](Self::execute) without its span and counts: how the call ended, when
    /// the action itself started (if it ran), and the result.
    async fn checked(
        &mut self,
        caller: Caller,
        index: Option<usize>,
        action: &str,
        payload: Value,
    ) -> (
        Outcome,
        Option<ActionTimer>,
        Result<Option<Value>, ActionFailure>,
    ) {
        if index.is_none() {
            let error = Refusal::ActionNotCallable { action }.text();
            return (Outcome::Error, None, Err(ActionFailure::Failed(error)));
        }
        if let Err(denied) = self.authorize(&caller, action) {
            let error = Refusal::AuthDenied { reason: &denied }.text();
            return (Outcome::Denied, None, Err(ActionFailure::Denied(error)));
        }
        if let Err(error) = self.check_rate_limit(&caller, action) {
            return (
                Outcome::RateLimited,
                None,
                Err(ActionFailure::Failed(error)),
            );
        }
        self.env.stats.count_action();
        let ran = ActionTimer::start();
        let mut ctx = self.ctx(caller.connection_id, caller.identity);
        let outcome = AssertUnwindSafe(self.component.dispatch(action, payload, &mut ctx))
            .catch_unwind()
            .await;
        self.finish_call(&mut ctx).await;
        let (outcome, result) = match outcome {
            Ok(Ok(value)) => (Outcome::Ok, Ok(value)),
            Ok(Err(error)) => (Outcome::Error, Err(error)),
            Err(_) => {
                tracing::error!(component = C::NAME, action, "action panicked");
                let error = ActionError::new(Refusal::ActionPanicked { action }.text());
                (Outcome::Panicked, Err(error))
            }
        };
        let result = result.map_err(|error| ActionFailure::Failed(error.message().to_owned()));
        (outcome, Some(ran), result)
    }

    /// The action's auth rules, with the **caller's** identity (§11.3), then the default
    /// provider's check.
    fn authorize(&self, caller: &Caller, action: &str) -> Result<(), String> {
        if let Some(policy) = C::ACTION_POLICIES
            .iter()
            .find(|policy| policy.action == action)
        {
            policy.auth.authorize_action(&caller.identity, action)?;
        }
        self.env
            .auth
            .authorize_action(&caller.identity, C::NAME, action)
    }

    /// The action's own rate limit, else the component's (§6.2 g).
    fn check_rate_limit(&mut self, caller: &Caller, action: &str) -> Result<(), String> {
        let limit = C::ACTION_POLICIES
            .iter()
            .find(|policy| policy.action == action)
            .and_then(|policy| policy.rate_limit)
            .or(C::RATE_LIMIT);
        match limit {
            Some(limit) => self.windows.check(
                &caller.connection_id,
                action,
                limit,
                tokio::time::Instant::now(),
            ),
            None => Ok(()),
        }
    }
}

/// Why an action did not run to success.
#[derive(Debug)]
pub(super) enum ActionFailure {
    /// Refused by an auth rule: only the failed reply, no `ERROR` event.
    Denied(String),
    /// Anything else: the `ERROR` event and the failed reply.
    Failed(String),
}

/// A failed call: the component `ERROR` event `{action, error}`, then the failed reply
/// (sent even without `expectResponse`).
fn fail_action(
    outbox: &Outbox,
    component_id: &str,
    action: &str,
    error: &str,
    request_id: Option<&str>,
) {
    outbox.push_text(outbound::component_error(component_id, action, error));
    let reply = Reply::failure(
        ServerKind::ActionResponse,
        Some(component_id),
        error,
        request_id,
    );
    outbox.push_text(reply.encode());
}
