//! Serving the messages other servers send to a singleton owned here.

use super::node::ClusterNode;
use crate::cluster::{MessageRequest, MessageResponse};
use crate::component::push::PushError;
use crate::protocol::refusal::Refusal;
use crate::runtime::actor::ComponentEnv;
use std::sync::{Arc, Weak};

impl ClusterNode {
    /// Decodes a message forwarded to a singleton owned here and queues it in the
    /// singleton's work mailbox; the answer says whether it was queued.
    pub(super) async fn serve_message(
        self: Arc<Self>,
        request: MessageRequest,
        env: Weak<ComponentEnv>,
    ) -> MessageResponse {
        let request_id = request.request_id.clone();
        match self.deliver_message(request, env).await {
            Ok(()) => MessageResponse::delivered(request_id),
            Err(error) => MessageResponse::failure(request_id, error),
        }
    }

    async fn deliver_message(
        &self,
        request: MessageRequest,
        env: Weak<ComponentEnv>,
    ) -> Result<(), String> {
        let name = request.component_name.as_str();
        let (handle, kick) = self
            .lookup(name)
            .ok_or_else(|| PushError::NotRunning.to_string())?;
        if *handle.id != request.component_id {
            return Err(Refusal::OwnershipLost.text());
        }
        match self
            .op("verify", self.adapter.verify_singleton(name, &handle.id))
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                kick.notify_one();
                return Err(Refusal::OwnershipLost.text());
            }
            Err(error) => return Err(error.to_string()),
        }
        let jobs = handle
            .jobs_arc()
            .ok_or_else(|| PushError::NotRunning.to_string())?;
        let env = env.upgrade().ok_or_else(|| PushError::Gone.to_string())?;
        let Some(cluster) = &env.cluster else {
            return Err(PushError::NotRunning.to_string());
        };
        cluster
            .deliver(name, &request.message_type, request.payload, jobs)
            .await
            .map_err(|error| error.to_string())
    }
}
