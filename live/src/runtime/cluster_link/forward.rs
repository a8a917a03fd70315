//! A proxy's calls: forwarded to the owner in order, answered to the caller as the owner
//! would have answered.

use super::node::ClusterNode;
use crate::cluster::{ActionRequest, ActionResponse};
use crate::protocol::kinds::ServerKind;
use crate::protocol::outbound::{self, Reply};
use crate::protocol::refusal::Refusal;
use crate::runtime::outbox::Outbox;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// A call forwarded by a proxy, with where its reply goes.
#[derive(Debug)]
pub(crate) struct Forward {
    /// The request (its target filled in by the link).
    pub(crate) request: ActionRequest,
    /// The caller's queue.
    pub(crate) outbox: Outbox,
    /// The proxy's component id (what the caller knows).
    pub(crate) component_id: Arc<str>,
    /// Whether a successful call gets a reply.
    pub(crate) expect_response: bool,
    /// The client's request id.
    pub(crate) client_request_id: Option<String>,
}

/// A proxy's ordered forwarder: sends each call to the owner in order, then waits for the
/// answers concurrently.
pub(super) async fn forwarder(node: Arc<ClusterNode>, mut rx: mpsc::UnboundedReceiver<Forward>) {
    while let Some(forward) = rx.recv().await {
        let started = Instant::now();
        let sent = node
            .op(
                "forward",
                node.adapter.forward_action(forward.request.clone()),
            )
            .await;
        match sent {
            Ok(pending) => {
                let metrics = Arc::clone(&node.metrics);
                tokio::spawn(async move {
                    let answer = pending.await;
                    metrics.forwarded(answer.is_ok(), started.elapsed());
                    match answer {
                        Ok(response) => answer_forward(&forward, response),
                        Err(error) => fail_forward(&forward, &error.to_string()),
                    }
                });
            }
            Err(error) => {
                node.metrics.forwarded(false, started.elapsed());
                fail_forward(&forward, &error.to_string());
            }
        }
    }
}

/// The owner's answer, as the caller would have got it on the owner.
fn answer_forward(forward: &Forward, response: ActionResponse) {
    if response.success {
        if forward.expect_response {
            let reply = Reply::success(
                ServerKind::ActionResponse,
                Some(&forward.component_id),
                forward.client_request_id.as_deref(),
            )
            .with_result(response.result.as_ref())
            .encode();
            forward.outbox.push_text(reply);
        }
        return;
    }
    let error = response
        .error
        .unwrap_or_else(|| Refusal::ActionFailed.text());
    if response.denied {
        let reply = Reply::failure(
            ServerKind::ActionResponse,
            Some(&forward.component_id),
            &error,
            forward.client_request_id.as_deref(),
        );
        forward.outbox.push_text(reply.encode());
    } else {
        fail_forward(forward, &error);
    }
}

/// A failed forwarded call: the component `ERROR` event, then the failed reply.
pub(super) fn fail_forward(forward: &Forward, error: &str) {
    forward.outbox.push_text(outbound::component_error(
        &forward.component_id,
        &forward.request.action,
        error,
    ));
    let reply = Reply::failure(
        ServerKind::ActionResponse,
        Some(&forward.component_id),
        error,
        forward.client_request_id.as_deref(),
    );
    forward.outbox.push_text(reply.encode());
}
