//! A finished upload handed to the component's `#[upload]` method, and the reply.

use super::instance::Actor;
use crate::component::{ActionError, LiveComponent};
use crate::protocol::refusal::Refusal;
use crate::protocol::upload::{Completion, complete};
use crate::runtime::mailbox::UploadCall;
use crate::runtime::outbox::Outbox;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;

impl<C: LiveComponent> Actor<C> {
    /// Runs the upload method, publishes what it changed, and answers `FILE_UPLOAD_COMPLETE`;
    /// a refused file is deleted.
    pub(super) async fn receive_upload(&mut self, call: UploadCall) {
        let outbox = self.viewers.get(&call.caller.connection_id).cloned();
        let Some(outbox) = outbox else {
            // The uploader left meanwhile: nobody will be told, and nobody keeps the file.
            refuse_upload(None, call, String::new()).await;
            return;
        };
        let upload = call.upload;
        let mut ctx = self.ctx(
            std::sync::Arc::clone(&call.caller.connection_id),
            call.caller.identity.clone(),
        );
        let file = call.file.clone();
        let outcome = AssertUnwindSafe(self.component.receive_upload(upload, file, &mut ctx))
            .catch_unwind()
            .await;
        self.finish_call(&mut ctx).await;
        let result = outcome.unwrap_or_else(|_| {
            tracing::error!(component = C::NAME, upload, "upload method panicked");
            Err(ActionError::new(
                Refusal::ActionPanicked { action: upload }.text(),
            ))
        });
        match result {
            Ok(()) => {
                let done = Completion::Done {
                    component_id: &self.id,
                    filename: call.file.name(),
                    file_url: call.file.url(),
                };
                outbox.push_text(complete(
                    Some(&call.upload_id),
                    done,
                    call.request_id.as_deref(),
                ));
            }
            Err(error) => refuse_upload(Some(outbox), call, error.message().to_owned()).await,
        }
    }
}

/// Deletes the stored file and, if the uploader is still there, answers a failed
/// `FILE_UPLOAD_COMPLETE` with `error`.
pub(super) async fn refuse_upload(outbox: Option<Outbox>, call: UploadCall, error: String) {
    if let Err(failure) = call.store.delete(call.file.key()).await {
        tracing::warn!(%failure, key = call.file.key(), "could not delete a refused upload");
    }
    if let Some(outbox) = outbox {
        let failed = Completion::Failed { error: &error };
        outbox.push_text(complete(
            Some(&call.upload_id),
            failed,
            call.request_id.as_deref(),
        ));
    }
}
