//! The component actor: one task per component instance, owning the component value.

use super::outbox::Outbox;
use super::singletons::Singletons;
use super::stats::{Counted, Stats, StatsGuard};
use crate::component::{ActionError, Ctx, Identity, LiveComponent};
use crate::protocol::outbound::{self, ComponentEvent, Reply};
use crate::state::diff::{StateChange, diff_states};
use bytes::Bytes;
use futures_util::FutureExt;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::mpsc;

/// How many calls may wait in one component's mailbox before callers wait.
const CALL_QUEUE: usize = 64;

/// A connection that sees a component's state.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    /// The viewing connection.
    pub(crate) connection_id: Arc<str>,
    /// Where its frames go.
    pub(crate) outbox: Outbox,
    /// Its identity when it mounted.
    pub(crate) identity: Identity,
}

/// Who is calling an action.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The calling connection.
    pub(crate) connection_id: Arc<str>,
    /// Its identity now (actions are authorised with the caller's identity).
    pub(crate) identity: Identity,
}

/// What the mount reply must echo.
#[derive(Debug, Clone, Default)]
pub(crate) struct MountReply {
    /// The request's `requestId`.
    pub(crate) request_id: Option<String>,
    /// The request's `componentId` (a client-side placeholder).
    pub(crate) echo_id: Option<String>,
}

/// Membership changes, handled before calls.
#[derive(Debug)]
pub(crate) enum Control {
    /// Another connection mounts this singleton.
    Join {
        /// The new viewer.
        viewer: Viewer,
        /// What its mount reply echoes.
        reply: MountReply,
    },
    /// A connection unmounted the component or disconnected.
    Leave {
        /// The leaving connection.
        connection_id: Arc<str>,
    },
    /// The server stops: destroy now.
    Shutdown,
}

/// Client requests that run against the component's state.
#[derive(Debug)]
pub(crate) enum Call {
    /// `CALL_ACTION`.
    Action {
        /// The caller.
        caller: Caller,
        /// The action's wire name.
        action: String,
        /// The client's payload (`null` when absent).
        payload: Value,
        /// Whether a successful call gets a reply.
        expect_response: bool,
        /// The request's id.
        request_id: Option<String>,
    },
    /// `PROPERTY_UPDATE`.
    SetProperty {
        /// The caller.
        caller: Caller,
        /// The top-level field.
        property: String,
        /// Its new value.
        value: Value,
        /// The request's id.
        request_id: Option<String>,
    },
}

/// A connection's handle to a running component.
#[derive(Debug, Clone)]
pub(crate) struct ComponentHandle {
    /// The component's id.
    pub(crate) id: Arc<str>,
    /// Membership mailbox (unbounded: one message per mount or leave).
    pub(crate) control: mpsc::UnboundedSender<Control>,
    /// Call mailbox (bounded: a flood of calls waits instead of growing memory).
    calls: mpsc::Sender<Call>,
}

impl ComponentHandle {
    /// Queues a call; gives it back if the component no longer runs.
    pub(crate) async fn call(&self, call: Call) -> Result<(), Call> {
        self.calls.send(call).await.map_err(|error| error.0)
    }

    /// Tells the component that `connection_id` stopped viewing it.
    pub(crate) fn leave(&self, connection_id: Arc<str>) {
        let _ = self.control.send(Control::Leave { connection_id });
    }

    /// Stops the component (server shutdown).
    pub(crate) fn shutdown(&self) {
        let _ = self.control.send(Control::Shutdown);
    }
}

/// What a descriptor needs to start a component.
#[derive(Debug)]
pub(crate) struct SpawnRequest {
    /// The new component's id.
    pub(crate) id: Arc<str>,
    /// Client-supplied initial values (only updatable fields are accepted).
    pub(crate) props: Option<Map<String, Value>>,
    /// The mounting connection.
    pub(crate) viewer: Viewer,
    /// What the mount reply echoes.
    pub(crate) reply: MountReply,
    /// For singletons: the table to leave when the last viewer goes.
    pub(crate) singleton: Option<Arc<Singletons>>,
    /// The server's counters (the component counts itself while it runs).
    pub(crate) stats: Arc<Stats>,
}

/// Creates component `C` from its props and starts its actor, which sends the mount frames.
pub(crate) fn spawn_component<C: LiveComponent>(
    request: SpawnRequest,
) -> Result<ComponentHandle, String> {
    let component = initial_component::<C>(request.props)?;
    let synced = serde_json::to_value(&component).map_err(|error| {
        format!(
            "Component '{}' state could not be serialized: {error}",
            C::NAME
        )
    })?;
    let (control_tx, control_rx) = mpsc::unbounded_channel();
    let (calls_tx, calls_rx) = mpsc::channel(CALL_QUEUE);
    let actor = Actor {
        id: Arc::clone(&request.id),
        component,
        synced,
        viewers: HashMap::new(),
        singleton: request.singleton,
        control: control_rx,
        calls: calls_rx,
        _counted: request.stats.track(Counted::Component),
    };
    tokio::spawn(actor.run(request.viewer, request.reply));
    Ok(ComponentHandle {
        id: request.id,
        control: control_tx,
        calls: calls_tx,
    })
}

/// `C::default()` with the client's props written through [`LiveComponent::set_property`].
///
/// Deviation from the reference: props may only set updatable fields (the TS server lets a
/// client seed any state key at mount).
fn initial_component<C: LiveComponent>(props: Option<Map<String, Value>>) -> Result<C, String> {
    let mut component = C::default();
    for (key, value) in props.unwrap_or_default() {
        if !C::UPDATABLE_FIELDS.contains(&key.as_str()) {
            return Err(format!(
                "Mount rejected: prop '{key}' is not an updatable field of '{}'",
                C::NAME
            ));
        }
        component
            .set_property(&key, value)
            .map_err(|error| format!("Mount rejected: invalid value for prop '{key}': {error}"))?;
    }
    Ok(component)
}

struct Actor<C> {
    id: Arc<str>,
    component: C,
    /// The state every viewer has, as JSON; deltas are computed against it.
    synced: Value,
    viewers: HashMap<Arc<str>, Outbox>,
    singleton: Option<Arc<Singletons>>,
    control: mpsc::UnboundedReceiver<Control>,
    calls: mpsc::Receiver<Call>,
    _counted: StatsGuard,
}

impl<C> fmt::Debug for Actor<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Actor")
            .field("id", &self.id)
            .field("viewers", &self.viewers.len())
            .finish()
    }
}

impl<C: LiveComponent> Actor<C> {
    async fn run(mut self, first: Viewer, reply: MountReply) {
        self.start(first, reply).await;
        loop {
            tokio::select! {
                biased;
                control = self.control.recv() => match control {
                    Some(Control::Join { viewer, reply }) => self.join(viewer, reply),
                    Some(Control::Leave { connection_id }) => {
                        if self.leave(&connection_id).await {
                            break;
                        }
                    }
                    Some(Control::Shutdown) | None => break,
                },
                Some(call) = self.calls.recv() => self.handle(call).await,
            }
        }
        let component = &mut self.component;
        if std::panic::catch_unwind(AssertUnwindSafe(|| component.on_destroy())).is_err() {
            tracing::error!(component = C::NAME, id = %self.id, "on_destroy panicked");
        }
        tracing::debug!(component = C::NAME, id = %self.id, "component destroyed");
    }

    /// First viewer: initial state, `on_mount`, then the mount reply.
    async fn start(&mut self, viewer: Viewer, reply: MountReply) {
        let connection_id = Arc::clone(&viewer.connection_id);
        viewer
            .outbox
            .push_text(outbound::state_update(&self.id, &self.synced));
        self.viewers
            .insert(Arc::clone(&connection_id), viewer.outbox.clone());
        let mut ctx = Ctx::new(
            Arc::clone(&self.id),
            Arc::clone(&connection_id),
            viewer.identity,
        );
        let outcome = AssertUnwindSafe(self.component.on_mount(&mut ctx))
            .catch_unwind()
            .await;
        self.send_events(&mut ctx);
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error.message().to_owned()),
            Err(_) => Some("on_mount panicked".to_owned()),
        };
        if let Some(error) = failure {
            let text = format!("Mount initialization failed: {error}");
            viewer
                .outbox
                .push_text(outbound::component_error(&self.id, "onMount", &text));
        }
        if self.singleton.is_some() {
            self.notify_join(&connection_id);
        }
        self.publish_changes();
        self.reply_mounted(&viewer.outbox, &reply);
    }

    /// Another connection mounts this singleton.
    fn join(&mut self, viewer: Viewer, reply: MountReply) {
        viewer
            .outbox
            .push_text(outbound::state_update(&self.id, &self.synced));
        self.viewers
            .insert(Arc::clone(&viewer.connection_id), viewer.outbox.clone());
        self.notify_join(&viewer.connection_id);
        self.publish_changes();
        self.reply_mounted(&viewer.outbox, &reply);
    }

    fn notify_join(&mut self, connection_id: &str) {
        let viewers = self.viewers.len();
        let component = &mut self.component;
        if std::panic::catch_unwind(AssertUnwindSafe(|| {
            component.on_client_join(connection_id, viewers)
        }))
        .is_err()
        {
            tracing::error!(component = C::NAME, "on_client_join panicked");
        }
    }

    fn reply_mounted(&self, outbox: &Outbox, reply: &MountReply) {
        let result = json!({"componentId": &*self.id, "initialState": &self.synced});
        let frame = Reply::success(
            "MESSAGE_RESPONSE",
            reply.echo_id.as_deref(),
            reply.request_id.as_deref(),
        )
        .with_result(Some(&result))
        .encode();
        outbox.push_text(frame);
    }

    /// Removes a viewer; returns true when the component should be destroyed.
    async fn leave(&mut self, connection_id: &str) -> bool {
        if self.viewers.remove(connection_id).is_none() {
            return false;
        }
        let Some(singletons) = self.singleton.clone() else {
            return true;
        };
        let viewers = self.viewers.len();
        let component = &mut self.component;
        if std::panic::catch_unwind(AssertUnwindSafe(|| {
            component.on_client_leave(connection_id, viewers)
        }))
        .is_err()
        {
            tracing::error!(component = C::NAME, "on_client_leave panicked");
        }
        self.publish_changes();
        viewers == 0 && singletons.release(C::NAME, &self.id, &self.control).await
    }

    async fn handle(&mut self, call: Call) {
        match call {
            Call::Action {
                caller,
                action,
                payload,
                expect_response,
                request_id,
            } => {
                self.run_action(
                    caller,
                    &action,
                    payload,
                    expect_response,
                    request_id.as_deref(),
                )
                .await
            }
            Call::SetProperty {
                caller,
                property,
                value,
                request_id,
            } => self.set_property(&caller, &property, value, request_id.as_deref()),
        }
    }

    async fn run_action(
        &mut self,
        caller: Caller,
        action: &str,
        payload: Value,
        expect_response: bool,
        request_id: Option<&str>,
    ) {
        let Some(outbox) = self.viewers.get(&caller.connection_id).cloned() else {
            return;
        };
        let result = if C::ACTIONS.contains(&action) {
            let mut ctx = Ctx::new(Arc::clone(&self.id), caller.connection_id, caller.identity);
            let outcome = AssertUnwindSafe(self.component.dispatch(action, payload, &mut ctx))
                .catch_unwind()
                .await;
            self.send_events(&mut ctx);
            self.publish_changes();
            outcome.unwrap_or_else(|_| {
                tracing::error!(component = C::NAME, action, "action panicked");
                Err(ActionError::new(format!("Action '{action}' panicked")))
            })
        } else {
            Err(ActionError::new(format!(
                "Action '{action}' is not callable"
            )))
        };
        match result {
            Ok(value) => {
                if expect_response {
                    let reply = Reply::success("ACTION_RESPONSE", Some(&self.id), request_id)
                        .with_result(value.as_ref())
                        .encode();
                    outbox.push_text(reply);
                }
            }
            Err(error) => {
                outbox.push_text(outbound::component_error(&self.id, action, error.message()));
                let reply = Reply::failure(
                    "ACTION_RESPONSE",
                    Some(&self.id),
                    error.message(),
                    request_id,
                );
                outbox.push_text(reply.encode());
            }
        }
    }

    fn set_property(
        &mut self,
        caller: &Caller,
        property: &str,
        value: Value,
        request_id: Option<&str>,
    ) {
        let Some(outbox) = self.viewers.get(&caller.connection_id).cloned() else {
            return;
        };
        let result = self.check_property(property).and_then(|()| {
            self.component
                .set_property(property, value)
                .map_err(|error| {
                    format!("PROPERTY_UPDATE rejected: invalid value for '{property}': {error}")
                })
        });
        let reply = match &result {
            Ok(()) => {
                self.publish_changes();
                Reply::success("MESSAGE_RESPONSE", Some(&self.id), request_id).encode()
            }
            Err(error) => {
                Reply::failure("MESSAGE_RESPONSE", Some(&self.id), error, request_id).encode()
            }
        };
        outbox.push_text(reply);
    }

    /// The reference's `PROPERTY_UPDATE` rules (§7), with the allowlist from the macro.
    fn check_property(&self, property: &str) -> Result<(), String> {
        if matches!(property, "__proto__" | "constructor" | "prototype") {
            return Err(format!(
                "PROPERTY_UPDATE rejected: '{property}' is a reserved key"
            ));
        }
        if property.starts_with('$') {
            return Err(format!(
                "PROPERTY_UPDATE rejected: '{property}' is server-only ($-prefixed fields cannot be written by the client). Use a server action to mutate it."
            ));
        }
        if !C::UPDATABLE_FIELDS.contains(&property) {
            return Err(format!(
                "PROPERTY_UPDATE rejected: '{property}' is not an updatable field of '{}'. Allowed: [{}]. Mark the field #[live(updatable)] to allow client writes.",
                C::NAME,
                C::UPDATABLE_FIELDS.join(", ")
            ));
        }
        Ok(())
    }

    /// Sends the custom events an action or hook emitted, encoded once, to every viewer.
    fn send_events(&self, ctx: &mut Ctx<C>) {
        for (kind, payload) in ctx.take_events() {
            let frame = ComponentEvent {
                kind: &kind,
                component_id: &self.id,
                payload: &payload,
            }
            .encode();
            self.broadcast(&frame);
        }
    }

    /// Diffs the state against what viewers have and sends the change, encoded once.
    fn publish_changes(&mut self) {
        let current = match serde_json::to_value(&self.component) {
            Ok(value) => value,
            Err(error) => {
                tracing::error!(component = C::NAME, %error, "state could not be serialized");
                return;
            }
        };
        let frame = match diff_states(&self.synced, &current) {
            StateChange::Unchanged => return,
            StateChange::Delta(delta) => outbound::state_delta(&self.id, &delta),
            StateChange::Replace => outbound::state_update(&self.id, &current),
        };
        self.synced = current;
        self.broadcast(&frame);
    }

    fn broadcast(&self, frame: &Bytes) {
        for outbox in self.viewers.values() {
            outbox.push_text(frame.clone());
        }
    }
}
