//! The handles that send into a component actor's mailboxes. Each holder gets only what
//! it needs: connections the whole [`ComponentHandle`], rooms a [`MemberMailbox`], a
//! singleton's cluster link a [`ClusterMailbox`].

use super::messages::{Call, ClusterSignal, Control, JoinRequest, LeaveRequest, RoomDelivery};
use crate::room::LeaveReason;
use crate::support::queue::{self, Receiver, Sender, TrySendError, WeakSender};
use crate::upload::UploadSpec;
use std::any::Any;
use std::sync::Arc;

/// How many calls may wait in one component's mailbox before callers wait.
const CALL_QUEUE: usize = 64;

/// A new component's two mailboxes, as its actor reads them.
#[derive(Debug)]
pub(crate) struct Inbox {
    /// Membership changes and cluster news (unbounded: one message per mount or leave).
    pub(crate) control: Receiver<Control>,
    /// Calls (bounded: a flood of calls waits instead of growing memory).
    pub(crate) calls: Receiver<Box<Call>>,
}

/// Opens the mailboxes of component `id`.
pub(crate) fn open(id: Arc<str>) -> (ComponentHandle, Inbox) {
    let (control, control_rx) = queue::unbounded();
    let (calls, calls_rx) = queue::bounded(CALL_QUEUE);
    let handle = ComponentHandle {
        id,
        control,
        calls,
        jobs: None,
        kind: None,
    };
    let inbox = Inbox {
        control: control_rx,
        calls: calls_rx,
    };
    (handle, inbox)
}

/// A connection's handle to a running component.
#[derive(Debug, Clone)]
pub(crate) struct ComponentHandle {
    /// The component's id.
    pub(crate) id: Arc<str>,
    control: Sender<Control>,
    calls: Sender<Box<Call>>,
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
    pub(crate) async fn call(&self, call: Call) -> Result<(), Call> {
        self.call_boxed(Box::new(call)).await.map_err(|call| *call)
    }

    /// [`call`](Self::call) with the call already boxed (as the mailbox holds it).
    pub(crate) async fn call_boxed(&self, call: Box<Call>) -> Result<(), Box<Call>> {
        self.calls.send(call).await
    }

    /// Queues a call now; gives it back if the mailbox is full or the component no longer
    /// runs.
    pub(crate) fn try_call(&self, call: Call) -> Result<(), TrySendError<Box<Call>>> {
        self.calls.try_send(Box::new(call))
    }

    /// Adds a viewer to a running singleton; false if it no longer runs.
    pub(crate) fn join(&self, join: JoinRequest) -> bool {
        self.control.try_send(Control::Join(Box::new(join))).is_ok()
    }

    /// Tells the component that `connection_id` stopped viewing it.
    pub(crate) fn leave(&self, connection_id: Arc<str>, reason: LeaveReason) {
        let leave = LeaveRequest {
            connection_id,
            reason,
        };
        let _ = self.control.try_send(Control::Leave(Box::new(leave)));
    }

    /// Passes cluster news to a singleton.
    pub(crate) fn signal(&self, signal: ClusterSignal) {
        let _ = self.control.try_send(Control::Cluster(Box::new(signal)));
    }

    /// Stops the component (server shutdown).
    pub(crate) fn shutdown(&self) {
        let _ = self.control.try_send(Control::Shutdown);
    }

    /// The mailbox its rooms deliver typed events to.
    pub(crate) fn member_mailbox(&self) -> MemberMailbox {
        MemberMailbox(self.control.clone())
    }

    /// The mailbox its cluster link reports to; it does not keep the component alive.
    pub(crate) fn cluster_mailbox(&self) -> ClusterMailbox {
        ClusterMailbox(self.control.downgrade())
    }
}

/// What a room holds of a member's actor: it can only hand it a typed event.
#[derive(Debug, Clone)]
pub(crate) struct MemberMailbox(Sender<Control>);

impl MemberMailbox {
    /// Hands a typed room event to the member's handler.
    pub(crate) fn deliver(&self, delivery: RoomDelivery) {
        let _ = self.0.try_send(Control::Room(Box::new(delivery)));
    }
}

/// What a singleton's cluster link holds of its actor: it can only pass cluster news.
#[derive(Debug, Clone)]
pub(crate) struct ClusterMailbox(WeakSender<Control>);

impl ClusterMailbox {
    /// Passes `signal` on; false once the actor is gone.
    pub(crate) fn signal(&self, signal: ClusterSignal) -> bool {
        self.0
            .upgrade()
            .is_some_and(|control| control.try_send(Control::Cluster(Box::new(signal))).is_ok())
    }
}
