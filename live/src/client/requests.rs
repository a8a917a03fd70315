//! Requests: mounting, actions, property writes and unmounting, each matched to its
//! reply by `requestId`.

use super::connection::LiveClient;
use super::error::ClientError;
use super::frames::frame_kind;
use crate::protocol::kinds::{ClientKind, ServerKind};
use crate::support::lock;
use serde_json::{Map, Value, json};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::oneshot;

/// A mounted component, as the mount reply described it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mounted {
    /// The server-assigned component id.
    pub id: String,
    /// `result.initialState`.
    pub state: Value,
}

impl LiveClient {
    /// Mounts `component` with `props` (an object, or `null` for none).
    pub async fn mount(&self, component: &str, props: Value) -> Result<Mounted, ClientError> {
        let mut payload = Map::new();
        payload.insert("component".into(), json!(component));
        if !props.is_null() {
            payload.insert("props".into(), props);
        }
        let reply = self
            .request(json!({"type": ClientKind::ComponentMount, "componentId": format!("mount-{component}"), "payload": payload}))
            .await?;
        let reply = expect_success(reply)?;
        let result = reply.get("result").cloned().unwrap_or(Value::Null);
        let id = result
            .get("componentId")
            .and_then(Value::as_str)
            .ok_or_else(|| ClientError::Protocol("mount reply without result.componentId".into()))?
            .to_owned();
        let state = result.get("initialState").cloned().unwrap_or(Value::Null);
        lock(&self.shared)
            .states
            .entry(id.clone())
            .or_insert_with(|| state.clone());
        Ok(Mounted { id, state })
    }

    /// Calls `action` and returns its result (`None` when the action returned nothing).
    pub async fn call(
        &self,
        component_id: &str,
        action: &str,
        payload: Value,
    ) -> Result<Option<Value>, ClientError> {
        let reply = self
            .request(json!({"type": ClientKind::CallAction, "componentId": component_id, "action": action, "payload": payload}))
            .await?;
        let reply = expect_success(reply)?;
        Ok(reply.get("result").cloned())
    }

    /// Calls `action` without asking for a reply (failures still produce one, readable with
    /// [`next_frame`](Self::next_frame)).
    pub async fn fire(
        &self,
        component_id: &str,
        action: &str,
        payload: Value,
    ) -> Result<(), ClientError> {
        self.send_json(&json!({"type": ClientKind::CallAction, "componentId": component_id, "action": action, "payload": payload, "expectResponse": false}))
            .await
    }

    /// Writes one updatable field (`PROPERTY_UPDATE`).
    pub async fn set_property(
        &self,
        component_id: &str,
        property: &str,
        value: Value,
    ) -> Result<(), ClientError> {
        let reply = self
            .request(json!({"type": ClientKind::PropertyUpdate, "componentId": component_id, "property": property, "payload": {"value": value}}))
            .await?;
        expect_success(reply).map(|_| ())
    }

    /// Unmounts a component.
    pub async fn unmount(&self, component_id: &str) -> Result<(), ClientError> {
        let reply = self
            .request(json!({"type": ClientKind::ComponentUnmount, "componentId": component_id}))
            .await?;
        lock(&self.shared).states.remove(component_id);
        expect_success(reply).map(|_| ())
    }

    /// Sends `message` with a fresh `requestId` and `expectResponse: true`, and returns the
    /// first frame that carries that `requestId` (success or not).
    pub async fn request(&self, mut message: Value) -> Result<Value, ClientError> {
        let request_id = self.next_request_id();
        let object = message
            .as_object_mut()
            .ok_or_else(|| ClientError::Protocol("a request must be a JSON object".into()))?;
        object.insert("requestId".into(), json!(request_id));
        object.insert("expectResponse".into(), json!(true));
        self.exchange(request_id, Outgoing::Text(message.to_string()))
            .await
    }

    /// A fresh `requestId`.
    pub(super) fn next_request_id(&self) -> String {
        format!("rq{}", self.next_request.fetch_add(1, Ordering::Relaxed))
    }

    /// Sends `frame` and returns the first frame that carries `request_id`.
    pub(super) async fn exchange(
        &self,
        request_id: String,
        frame: Outgoing,
    ) -> Result<Value, ClientError> {
        let (tx, rx) = oneshot::channel();
        {
            let mut shared = lock(&self.shared);
            if shared.closed {
                return Err(ClientError::Closed);
            }
            shared.pending.insert(request_id.clone(), tx);
        }
        let sent = match frame {
            Outgoing::Text(text) => self.send_text(text).await,
            Outgoing::Binary(bytes) => self.send_binary(bytes).await,
        };
        if let Err(error) = sent {
            lock(&self.shared).pending.remove(&request_id);
            return Err(error);
        }
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(_)) => Err(ClientError::Closed),
            Err(_) => {
                lock(&self.shared).pending.remove(&request_id);
                Err(ClientError::Timeout)
            }
        }
    }
}

/// A request frame.
#[derive(Debug)]
pub(super) enum Outgoing {
    /// A JSON text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
}

/// The reply's `error` as a [`ClientError::Server`] if it failed (`success: false` or an
/// `ERROR` frame).
pub(super) fn expect_success(reply: Value) -> Result<Value, ClientError> {
    let failed = reply.get("success") == Some(&Value::Bool(false))
        || frame_kind(&reply) == Some(ServerKind::Error);
    if failed {
        let message = reply
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("unknown error")
            .to_owned();
        return Err(ClientError::Server { message, reply });
    }
    Ok(reply)
}

impl LiveClient {
    /// The state of a mounted component, as the frames received so far made it.
    pub fn state(&self, component_id: &str) -> Option<Value> {
        lock(&self.shared).states.get(component_id).cloned()
    }

    /// Waits until `check` holds for the component's state (polling every 5 ms).
    pub async fn wait_for_state(
        &self,
        component_id: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Result<Value, ClientError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            if let Some(state) = self.state(component_id).filter(|state| check(state)) {
                return Ok(state);
            }
            if lock(&self.shared).closed {
                return Err(ClientError::Closed);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClientError::Timeout);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}
