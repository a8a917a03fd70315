//! The actor's life: the first viewer's mount, the mailbox loop, and destruction.

use super::instance::Actor;
use super::timer::expiry;
use crate::component::{ActionError, LiveComponent};
use crate::protocol::outbound;
use crate::protocol::refusal::Refusal;
use crate::room::LeaveReason;
use crate::runtime::mailbox::{Mail, MountReply, Viewer};
use crate::runtime::outbox::Outbox;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

impl<C: LiveComponent> Actor<C> {
    /// The actor's life. Every step that awaits runs in its own boxed future: the task then
    /// holds the actor and a small loop, not the largest of its steps' states (about 5 KiB
    /// per component otherwise, mostly idle).
    pub(super) async fn run(
        mut self: Box<Self>,
        first: Viewer,
        reply: MountReply,
        default_room: Option<String>,
    ) {
        if self.is_proxy() {
            self.start_proxy(first, &reply);
        } else {
            Box::pin(self.start_with_room(first, reply, default_room)).await;
        }
        let reason = loop {
            self.arm_timer();
            tokio::select! {
                biased;
                mail = self.mail.recv() => match mail {
                    Some(Mail::Join(join)) => self.join(join.viewer, join.reply),
                    Some(Mail::Leave(leave)) => {
                        if Box::pin(self.leave(&leave.connection_id)).await {
                            break leave.reason;
                        }
                    }
                    Some(Mail::Room(delivery)) => Box::pin(self.room_delivery(*delivery)).await,
                    Some(Mail::Cluster(signal)) => {
                        Box::pin(self.cluster_signal(*signal)).await;
                    }
                    Some(Mail::Call(call)) => {
                        self.publish_membership_changes();
                        self.handle(*call).await;
                    }
                    Some(Mail::Shutdown) | None => break LeaveReason::Cleanup,
                },
                Some(job) = self.jobs.recv() => {
                    self.publish_membership_changes();
                    Box::pin(self.run_job(job)).await;
                }
                () = expiry(&mut self.timer), if self.timer_armed.is_some() => {
                    self.timer_armed = None;
                    self.timer_fired();
                }
            }
        };
        self.audience.clear();
        self.pusher.end(&self.id);
        if let Some(link) = self.cluster.take() {
            let proxy = link.is_proxy();
            link.close(&self.synced);
            if proxy {
                tracing::debug!(component = C::NAME, id = %self.id, "singleton proxy closed");
                return;
            }
        }
        Box::pin(self.destroy_component(reason)).await;
        tracing::debug!(component = C::NAME, id = %self.id, "component destroyed");
    }

    /// Joins the default room given at mount, if any, then starts.
    async fn start_with_room(
        &mut self,
        first: Viewer,
        reply: MountReply,
        default_room: Option<String>,
    ) {
        if let Some(room_id) = default_room {
            self.join_default_room(&room_id).await;
        }
        self.start(first, reply).await;
    }

    /// Leaves the component's rooms and runs its destroy hook.
    pub(super) async fn destroy_component(&mut self, reason: LeaveReason) {
        self.leave_rooms(reason).await;
        let component = &mut self.component;
        if std::panic::catch_unwind(AssertUnwindSafe(|| component.on_destroy())).is_err() {
            tracing::error!(component = C::NAME, id = %self.id, "on_destroy panicked");
        }
    }

    /// First viewer: initial state (signed), hooks, then the mount reply.
    async fn start(&mut self, viewer: Viewer, reply: MountReply) {
        let connection_id = Arc::clone(&viewer.connection_id);
        let signed = self.sign();
        let first_frame = match (&reply.echo_id, reply.rehydrate && self.singleton.is_none()) {
            (Some(old_id), true) => {
                outbound::state_rehydrated(&self.id, &self.synced, &signed, old_id)
            }
            _ => outbound::state_update(&self.id, &self.synced, Some(&signed)),
        };
        viewer.outbox.push_text(first_frame);
        self.add_viewer(Arc::clone(&connection_id), viewer.outbox.clone());
        if reply.rehydrate {
            let mut ctx = self.ctx(Arc::clone(&connection_id), viewer.identity.clone());
            let outcome = AssertUnwindSafe(self.component.on_rehydrate(&mut ctx))
                .catch_unwind()
                .await;
            self.finish_call(&mut ctx).await;
            self.report_hook_failure(&viewer.outbox, "onRehydrate", outcome);
        }
        let mut ctx = self.ctx(Arc::clone(&connection_id), viewer.identity);
        let outcome = AssertUnwindSafe(self.component.on_mount(&mut ctx))
            .catch_unwind()
            .await;
        self.finish_call(&mut ctx).await;
        self.report_hook_failure(&viewer.outbox, "onMount", outcome);
        if self.singleton.is_some() {
            self.notify_join(&connection_id);
            self.publish_changes();
        }
        if let Some(link) = &mut self.cluster {
            link.start(&self.synced);
        }
        self.reply_mounted(&viewer.outbox, &reply, &signed);
    }

    /// A failed hook is reported to the mounting client as a component `ERROR` event; the
    /// mount itself still succeeds (as in the reference).
    fn report_hook_failure(
        &self,
        outbox: &Outbox,
        hook: &str,
        outcome: Result<Result<(), ActionError>, Box<dyn std::any::Any + Send>>,
    ) {
        let failure = match outcome {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error.message().to_owned(),
            Err(_) => Refusal::HookPanicked { hook }.text(),
        };
        let text = Refusal::MountFailed { failure: &failure }.text();
        outbox.push_text(outbound::component_error(&self.id, hook, &text));
    }
}
