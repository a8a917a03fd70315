//! Pushes that cross servers (docs/push.md, "In a cluster"): a message for a singleton that
//! another server owns travels to the owner as JSON with a type key, and the owner decodes
//! it with the codec registered for (component, type) by
//! [`LiveServerBuilder::message`](crate::LiveServerBuilder::message).
//!
//! The type key is the Rust type name ([`type_key`]): every server of a cluster must run
//! the same build.

use super::jobs::{JobSender, Message, send_job};
use super::{OnMessage, PushError};
use crate::cluster::{ClusterAdapter, ClusterError, MessageRequest, SingletonOwner};
use crate::support::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The key a message type travels under between servers: its Rust type name.
pub(crate) fn type_key<T: ?Sized>() -> &'static str {
    std::any::type_name::<T>()
}

/// Serializes a message (given as `&dyn Any`) of the codec's type.
type Encode = fn(&(dyn Any + Send)) -> Result<Value, PushError>;

/// Decodes a message of the codec's type and queues it in a component's work mailbox
/// (a type-erased `JobSender<C>`), waiting for room at most the given time.
type Deliver =
    fn(Value, Arc<dyn Any + Send + Sync>, Duration) -> BoxFuture<'static, Result<(), PushError>>;

/// How messages of one type reach one component across servers.
#[derive(Clone, Copy)]
pub(crate) struct MessageCodec {
    component: &'static str,
    type_id: TypeId,
    key: &'static str,
    encode: Encode,
    deliver: Deliver,
}

impl fmt::Debug for MessageCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageCodec")
            .field("component", &self.component)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl MessageCodec {
    /// The codec of messages `M` for component `C`.
    pub(crate) fn of<C, M>() -> Self
    where
        C: OnMessage<M>,
        M: Serialize + DeserializeOwned + Send + 'static,
    {
        Self {
            component: C::NAME,
            type_id: TypeId::of::<M>(),
            key: type_key::<M>(),
            encode: encode::<M>,
            deliver: deliver::<C, M>,
        }
    }
}

fn encode<M: Serialize + 'static>(message: &(dyn Any + Send)) -> Result<Value, PushError> {
    let message = message.downcast_ref::<M>().ok_or(PushError::WrongType)?;
    serde_json::to_value(message).map_err(|error| {
        PushError::Cluster(format!("could not encode {}: {error}", type_key::<M>()))
    })
}

fn deliver<C, M>(
    payload: Value,
    jobs: Arc<dyn Any + Send + Sync>,
    wait: Duration,
) -> BoxFuture<'static, Result<(), PushError>>
where
    C: OnMessage<M>,
    M: DeserializeOwned + Send + 'static,
{
    Box::pin(async move {
        let jobs = jobs
            .downcast_ref::<JobSender<C>>()
            .cloned()
            .ok_or(PushError::WrongType)?;
        let message: M = serde_json::from_value(payload).map_err(|error| {
            PushError::Cluster(format!("could not decode {}: {error}", type_key::<M>()))
        })?;
        let job = Box::new(Message(message));
        tokio::time::timeout(wait, send_job(&jobs, job))
            .await
            .unwrap_or(Err(PushError::Full))
    })
}

/// What a server's pushes need of its cluster: the adapter and the message codecs.
pub(crate) struct PushCluster {
    adapter: Arc<dyn ClusterAdapter>,
    codecs: Vec<MessageCodec>,
    next_request: AtomicU64,
}

impl fmt::Debug for PushCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushCluster")
            .field("codecs", &self.codecs)
            .finish_non_exhaustive()
    }
}

impl PushCluster {
    /// Pushes through `adapter`, with the registered `codecs`.
    pub(crate) fn new(adapter: Arc<dyn ClusterAdapter>, codecs: Vec<MessageCodec>) -> Self {
        Self {
            adapter,
            codecs,
            next_request: AtomicU64::new(0),
        }
    }

    fn timeout(&self) -> Duration {
        self.adapter.operation_timeout()
    }

    /// The owner of singleton `name` if another server holds it. `None` when this server
    /// owns it, nobody does, or the backend does not answer (then the local instance, if
    /// any, is used).
    pub(crate) async fn remote_owner(&self, name: &str) -> Option<SingletonOwner> {
        let lookup = tokio::time::timeout(self.timeout(), self.adapter.singleton_owner(name));
        match lookup.await {
            Ok(Ok(Some(owner))) if owner.instance_id != self.adapter.instance_id() => Some(owner),
            Ok(Ok(_)) => None,
            Ok(Err(error)) => {
                tracing::debug!(singleton = name, %error, "owner lookup failed; pushing locally");
                None
            }
            Err(_) => {
                tracing::debug!(singleton = name, "owner lookup timed out; pushing locally");
                None
            }
        }
    }

    /// Sends `message` (of type `M`) for component `component` to its owner `owner`, and
    /// waits for the owner's answer.
    pub(crate) async fn forward<M: Send + 'static>(
        &self,
        component: &'static str,
        owner: SingletonOwner,
        message: M,
    ) -> Result<(), PushError> {
        let codec = self
            .codecs
            .iter()
            .find(|codec| codec.component == component && codec.type_id == TypeId::of::<M>())
            .ok_or(PushError::NotRegistered {
                component,
                message: type_key::<M>(),
            })?;
        let payload = (codec.encode)(&message)?;
        let n = self.next_request.fetch_add(1, Ordering::Relaxed);
        let request = MessageRequest {
            request_id: format!("msg-{n}"),
            source_instance_id: self.adapter.instance_id().to_owned(),
            target_instance_id: owner.instance_id,
            component_id: owner.component_id,
            component_name: component.to_owned(),
            message_type: codec.key.to_owned(),
            payload,
        };
        let exchange = async {
            let pending = self.adapter.forward_message(request).await?;
            pending.await
        };
        // The adapter times the answer out itself; this bounds a stuck send as well.
        let response = tokio::time::timeout(self.timeout().saturating_mul(2), exchange)
            .await
            .unwrap_or_else(|_| Err(ClusterError::Timeout(String::new())));
        match response {
            Ok(response) if response.delivered => Ok(()),
            Ok(response) => Err(PushError::from_wire(
                response.error.as_deref().unwrap_or("not delivered"),
            )),
            Err(ClusterError::Timeout(_)) => Err(PushError::Timeout),
            Err(error) => Err(PushError::Cluster(error.to_string())),
        }
    }

    /// On the owner: decodes a forwarded message of type key `key` for component
    /// `component` and queues it in `jobs` (the instance's work mailbox), waiting for room
    /// at most half the operation timeout.
    pub(crate) async fn deliver(
        &self,
        component: &str,
        key: &str,
        payload: Value,
        jobs: Arc<dyn Any + Send + Sync>,
    ) -> Result<(), PushError> {
        let Some(codec) = self
            .codecs
            .iter()
            .find(|codec| codec.component == component && codec.key == key)
        else {
            return Err(PushError::Cluster(format!(
                "message type {key} is not registered for {component} on the owning server"
            )));
        };
        (codec.deliver)(payload, jobs, self.timeout() / 2).await
    }
}
