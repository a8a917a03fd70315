//! Requests between instances on `<prefix>actions:{instanceId}`: forwarded actions and
//! messages for singletons, and the owners' answers.

use super::inner::{Inner, backend, to_json};
use super::waiting::Waiting;
use crate::cluster::{
    ActionRequest, ActionResponse, ClusterError, Inbound, MessageRequest, MessageResponse,
    PendingReply, message_timeout,
};
use crate::protocol::refusal::Refusal;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// A message on an instance's request channel.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum InstanceEnvelope {
    ActionRequest {
        origin: String,
        request: Box<ActionRequest>,
    },
    ActionResponse {
        origin: String,
        response: ActionResponse,
    },
    MessageRequest {
        origin: String,
        request: Box<MessageRequest>,
    },
    MessageResponse {
        origin: String,
        response: MessageResponse,
    },
}

impl Inner {
    /// A request to serve, or the answer to one this instance forwarded.
    pub(super) fn on_request_channel(self: &Arc<Self>, envelope: InstanceEnvelope) {
        let me = self.instance_id.clone();
        match envelope {
            InstanceEnvelope::ActionRequest { origin, request } => {
                let id = request.request_id.clone();
                self.serve(
                    origin,
                    |reply| Inbound::Action { request, reply },
                    move |answer| InstanceEnvelope::ActionResponse {
                        origin: me,
                        response: answer.unwrap_or_else(|| {
                            ActionResponse::failure(id, Refusal::ServerShuttingDown.text())
                        }),
                    },
                );
            }
            InstanceEnvelope::MessageRequest { origin, request } => {
                let id = request.request_id.clone();
                self.serve(
                    origin,
                    |reply| Inbound::Message { request, reply },
                    move |answer| InstanceEnvelope::MessageResponse {
                        origin: me,
                        response: answer.unwrap_or_else(|| {
                            MessageResponse::failure(id, Refusal::ServerShuttingDown.text())
                        }),
                    },
                );
            }
            InstanceEnvelope::ActionResponse { response, .. } => {
                self.actions.answer(&response.request_id.clone(), response);
            }
            InstanceEnvelope::MessageResponse { response, .. } => {
                self.messages.answer(&response.request_id.clone(), response);
            }
        }
    }

    /// Hands a request to the runtime and publishes `respond(its answer)` to the source
    /// (`None` when the runtime dropped the request unanswered).
    fn serve<R: Send + 'static>(
        self: &Arc<Self>,
        origin: String,
        inbound: impl FnOnce(oneshot::Sender<R>) -> Inbound,
        respond: impl FnOnce(Option<R>) -> InstanceEnvelope + Send + 'static,
    ) {
        let (reply, answer) = oneshot::channel();
        self.deliver(inbound(reply));
        let inner = Arc::clone(self);
        tokio::spawn(async move {
            let Ok(text) = serde_json::to_string(&respond(answer.await.ok())) else {
                return;
            };
            let channel = inner.key("actions", &origin);
            let published: Result<i64, _> = inner.conn().publish(&channel, text).await;
            if let Err(error) = published {
                tracing::warn!(%error, "response to a forwarded request not published");
            }
        });
    }

    /// Publishes `envelope` (request `request_id`) to `target`'s request channel and returns
    /// the future of the answer, registered in `waiting(self)`, which fails with
    /// `timed_out(timeout)` after `timeout`.
    pub(super) async fn forward<R: Send + 'static>(
        self: &Arc<Self>,
        target: &str,
        request_id: String,
        envelope: InstanceEnvelope,
        waiting: fn(&Inner) -> &Waiting<R>,
        timeout: Duration,
        timed_out: fn(Duration) -> ClusterError,
    ) -> Result<PendingReply<R>, ClusterError> {
        let text = to_json(&envelope)?;
        let rx = waiting(self).insert(request_id.clone());
        let receivers: Result<i64, _> =
            self.conn().publish(self.key("actions", target), text).await;
        match receivers {
            Ok(0) => {
                waiting(self).remove(&request_id);
                return Err(ClusterError::backend(format!(
                    "the owner instance {target} is not listening (it may have stopped)"
                )));
            }
            Ok(_) => {}
            Err(error) => {
                waiting(self).remove(&request_id);
                return Err(backend(error));
            }
        }
        let inner = Arc::clone(self);
        Ok(Box::pin(async move {
            let answer = tokio::time::timeout(timeout, rx).await;
            waiting(&inner).remove(&request_id);
            match answer {
                Ok(Ok(response)) => Ok(response),
                Ok(Err(_)) => Err(ClusterError::ShuttingDown),
                Err(_) => Err(timed_out(timeout)),
            }
        }))
    }

    pub(super) async fn forward_action(
        self: &Arc<Self>,
        request: ActionRequest,
    ) -> Result<PendingReply, ClusterError> {
        let target = request.target_instance_id.clone();
        let request_id = request.request_id.clone();
        let envelope = InstanceEnvelope::ActionRequest {
            origin: self.instance_id.clone(),
            request: Box::new(request),
        };
        let timeout = self.config.action_timeout;
        self.forward(
            &target,
            request_id,
            envelope,
            |inner| &inner.actions,
            timeout,
            action_timeout,
        )
        .await
    }

    pub(super) async fn forward_message(
        self: &Arc<Self>,
        request: MessageRequest,
    ) -> Result<PendingReply<MessageResponse>, ClusterError> {
        let target = request.target_instance_id.clone();
        let request_id = request.request_id.clone();
        let envelope = InstanceEnvelope::MessageRequest {
            origin: self.instance_id.clone(),
            request: Box::new(request),
        };
        let timeout = self.config.operation_timeout;
        self.forward(
            &target,
            request_id,
            envelope,
            |inner| &inner.messages,
            timeout,
            message_timeout,
        )
        .await
    }
}

/// The timeout error of a forwarded action.
fn action_timeout(timeout: Duration) -> ClusterError {
    ClusterError::Timeout(
        Refusal::ClusterActionTimeout {
            ms: timeout.as_millis(),
        }
        .text(),
    )
}
