//! The handles that send into a component actor's mailboxes. Each holder gets only what
//! it needs: connections the whole [`ComponentHandle`], rooms a [`MemberMailbox`], a
//! singleton's cluster link a [`ClusterMailbox`].

use super::messages::{Call, ClusterSignal, JoinRequest, LeaveRequest, Mail, RoomDelivery};
use crate::room::LeaveReason;
use crate::support::queue::{self, Receiver, Sender, TrySendError, WeakSender};
use crate::upload::UploadSpec;
use std::any::Any;
use std::sync::Arc;

/// How many calls may wait in one component's mailbox before callers wait.
const CALL_QUEUE: usize = 64;

/// A component's mailbox, as its actor reads it: membership changes and cluster news
/// first (the urgent lane, unbounded: one message per mount or leave), then calls (bounded:
/// a flood of calls waits instead of growing memory).
pub(crate) type Inbox = Receiver<Mail>;

/// Opens the mailbox of component `id`.
pub(crate) fn open(id: Arc<str>) -> (ComponentHandle, Inbox) {
    let (mail, inbox) = queue::bounded(CALL_QUEUE);
    let handle = ComponentHandle {
        id,
        mail,
        jobs: None,
        kind: None,
    };
    (handle, inbox)
}

/// A connection's handle to a running component.
#[derive(Debug, Clone)]
pub(crate) struct ComponentHandle {
    /// The component's id.
    pub(crate) id: Arc<str>,
    /// Its mailbox: calls on the bounded lane, everything else on the urgent one.
    mail: Sender<Mail>,
    /// The sender of its work mailbox (a `JobSender<C>`, typed by the component).
    jobs: Option<Arc<dyn Any + Send + Sync>>,
    /// The component's registry name and its `#[upload]` methods.
    kind: Option<(&'static str, &'static [UploadSpec])>,
}

impl ComponentHandle {
    /// Attaches the component's work mailbox (its actor opens it, typed by the component).
    pub(crate) fn with_jobs(mut self, jobs: Arc<dyn Any + Send + Sync>) -> Self {
        self.jobs = Some(jobs);
        self
    }

    /// Records the component's name and uploads (its actor knows them, typed by the component).
    pub(crate) fn with_uploads(
        mut self,
        name: &'static str,
        uploads: &'static [UploadSpec],
    ) -> Self {
        self.kind = Some((name, uploads));
        self
    }

    /// The component's registry name and `#[upload]` methods (none before its actor set them).
    pub(crate) fn uploads(&self) -> (&'static str, &'static [UploadSpec]) {
        self.kind.unwrap_or(("", &[]))
    }

    /// The component's work mailbox, type-erased; the caller downcasts it to its
    /// `JobSender<C>`.
    #[cfg(test)]
    pub(crate) fn jobs(&self) -> Option<&(dyn Any + Send + Sync)> {
        self.jobs.as_deref()
    }

    /// [`jobs`](Self::jobs), shared.
    pub(crate) fn jobs_arc(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        self.jobs.clone()
    }

    /// Queues a call; gives it back if the component no longer runs.
    pub(crate) async fn call(&self, call: Call) -> Result<(), Mail> {
        self.resend(Mail::Call(Box::new(call))).await
    }

    /// Queues a call that [`try_call`](Self::try_call) gave back for want of room,
    /// waiting for room; gives it back if the component no longer runs.
    pub(crate) async fn resend(&self, call: Mail) -> Result<(), Mail> {
        self.mail.send(call).await
    }

    /// Queues a call now; gives it back if the mailbox is full or the component no longer
    /// runs.
    pub(crate) fn try_call(&self, call: Call) -> Result<(), TrySendError<Mail>> {
        self.mail.try_send(Mail::Call(Box::new(call)))
    }

    /// Adds a viewer to a running singleton; false if it no longer runs.
    pub(crate) fn join(&self, join: JoinRequest) -> bool {
        self.mail
            .try_send_urgent(Mail::Join(Box::new(join)))
            .is_ok()
    }

    /// Tells the component that `connection_id` stopped viewing it.
    pub(crate) fn leave(&self, connection_id: Arc<str>, reason: LeaveReason) {
        let leave = LeaveRequest {
            connection_id,
            reason,
        };
        let _ = self.mail.try_send_urgent(Mail::Leave(Box::new(leave)));
    }

    /// Passes cluster news to a singleton.
    pub(crate) fn signal(&self, signal: ClusterSignal) {
        let _ = self.mail.try_send_urgent(Mail::Cluster(Box::new(signal)));
    }

    /// Stops the component (server shutdown).
    pub(crate) fn shutdown(&self) {
        let _ = self.mail.try_send_urgent(Mail::Shutdown);
    }

    /// The mailbox its rooms deliver typed events to.
    pub(crate) fn member_mailbox(&self) -> MemberMailbox {
        MemberMailbox(self.mail.clone())
    }

    /// The mailbox its cluster link reports to; it does not keep the component alive.
    pub(crate) fn cluster_mailbox(&self) -> ClusterMailbox {
        ClusterMailbox(self.mail.downgrade())
    }
}

/// What a room holds of a member's actor: it can only hand it a typed event.
#[derive(Debug, Clone)]
pub(crate) struct MemberMailbox(Sender<Mail>);

impl MemberMailbox {
    /// Hands a typed room event to the member's handler.
    pub(crate) fn deliver(&self, delivery: RoomDelivery) {
        let _ = self.0.try_send_urgent(Mail::Room(Box::new(delivery)));
    }
}

/// What a singleton's cluster link holds of its actor: it can only pass cluster news.
#[derive(Debug, Clone)]
pub(crate) struct ClusterMailbox(WeakSender<Mail>);

impl ClusterMailbox {
    /// Passes `signal` on; false once the actor is gone.
    pub(crate) fn signal(&self, signal: ClusterSignal) -> bool {
        self.0.upgrade().is_some_and(|mail| {
            mail.try_send_urgent(Mail::Cluster(Box::new(signal)))
                .is_ok()
        })
    }
}
