//! A singleton actor's connection to the cluster: its role, and the tasks that work for
//! it in the background.

use super::forward::{Forward, fail_forward, forwarder};
use super::node::ClusterNode;
use super::role::Role;
use super::tasks::{Publish, heartbeat, publisher, watch};
use crate::cluster::{MirroredState, SingletonMessage, SingletonOwner};
use crate::protocol::refusal::Refusal;
use crate::runtime::mailbox::{ClusterMailbox, ComponentHandle};
use crate::support::{lock, now_ms};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

/// A singleton actor's connection to the cluster.
#[derive(Debug)]
pub(crate) struct SingletonLink {
    node: Arc<ClusterNode>,
    name: &'static str,
    id: Arc<str>,
    role: Role,
    kick: Arc<Notify>,
    mailbox: ClusterMailbox,
    /// The heartbeat (owner) or watch (proxy) task.
    task: Option<JoinHandle<()>>,
    /// The owner's ordered publisher.
    publisher: Option<mpsc::UnboundedSender<Publish>>,
    /// The proxy's ordered forwarder.
    forwarder: Option<mpsc::UnboundedSender<Forward>>,
}

impl SingletonLink {
    /// A link for singleton `name` in `role`; inbound traffic for it now goes to `handle`
    /// (its actor). Tasks start with [`Self::start`].
    pub(crate) fn new(
        node: Arc<ClusterNode>,
        name: &'static str,
        role: Role,
        handle: &ComponentHandle,
    ) -> Self {
        let kick = Arc::new(Notify::new());
        node.register(name, handle.clone(), Arc::clone(&kick));
        Self {
            node,
            name,
            id: Arc::clone(&handle.id),
            role,
            kick,
            mailbox: handle.cluster_mailbox(),
            task: None,
            publisher: None,
            forwarder: None,
        }
    }

    /// Wakes the heartbeat or watch task now.
    pub(crate) fn kick_handle(&self) -> Arc<Notify> {
        Arc::clone(&self.kick)
    }

    /// The role.
    pub(crate) fn role(&self) -> &Role {
        &self.role
    }

    /// Whether another server owns the singleton.
    pub(crate) fn is_proxy(&self) -> bool {
        matches!(self.role, Role::Proxy { .. })
    }

    /// This instance's claim value.
    fn token(&self) -> String {
        format!("{}:{}", self.node.instance_id, self.id)
    }

    /// Starts the background work of the current role; an owner announces `state`.
    pub(crate) fn start(&mut self, state: &Value) {
        match self.role {
            Role::Owner { .. } => self.start_owner(state),
            Role::Proxy { .. } => self.start_proxy(),
        }
    }

    fn start_owner(&mut self, state: &Value) {
        let (tx, rx) = mpsc::unbounded_channel();
        let publisher = tokio::spawn(publisher(
            Arc::clone(&self.node),
            self.name,
            Arc::clone(&self.id),
            rx,
            self.mailbox.clone(),
        ));
        {
            let mut publishers = lock(&self.node.publishers);
            publishers.retain(|task| !task.is_finished());
            publishers.push(publisher);
        }
        self.publisher = Some(tx);
        self.forwarder = None;
        self.announce(state);
        self.replace_task(tokio::spawn(heartbeat(
            Arc::clone(&self.node),
            self.name,
            Arc::clone(&self.id),
            Arc::clone(&self.kick),
            self.mailbox.clone(),
        )));
    }

    fn start_proxy(&mut self) {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(forwarder(Arc::clone(&self.node), rx));
        self.forwarder = Some(tx);
        self.replace_task(tokio::spawn(watch(
            Arc::clone(&self.node),
            self.name,
            Arc::clone(&self.id),
            Arc::clone(&self.kick),
            self.mailbox.clone(),
        )));
    }

    fn replace_task(&mut self, task: JoinHandle<()>) {
        if let Some(old) = self.task.replace(task) {
            old.abort();
        }
    }

    /// Owner: publishes the full state as a new owner's announcement, and mirrors it.
    pub(crate) fn announce(&mut self, state: &Value) {
        let Role::Owner { seq } = self.role else {
            return;
        };
        let owner = self.token();
        self.publish(Publish::Message(SingletonMessage::Owner {
            owner,
            seq,
            state: state.clone(),
        }));
        self.mirror(seq, state);
    }

    fn publish(&self, what: Publish) {
        if let Some(publisher) = &self.publisher {
            let _ = publisher.send(what);
        }
    }

    fn mirror(&self, seq: u64, state: &Value) {
        self.publish(Publish::Mirror(MirroredState {
            component_id: self.id.to_string(),
            owner: self.token(),
            seq,
            state: state.clone(),
            updated_at: now_ms(),
        }));
    }

    /// Owner: the state changed (`delta`, or `None` when it was replaced) to `state`.
    pub(crate) fn changed(&mut self, delta: Option<&Value>, state: &Value) {
        let Role::Owner { seq } = &mut self.role else {
            return;
        };
        *seq += 1;
        let seq = *seq;
        let owner = self.token();
        let message = match delta {
            Some(delta) => SingletonMessage::Delta {
                owner,
                seq,
                delta: delta.clone(),
            },
            None => SingletonMessage::State {
                owner,
                seq,
                state: state.clone(),
            },
        };
        self.publish(Publish::Message(message));
        self.mirror(seq, state);
    }

    /// Owner: a custom event for the proxies' viewers.
    pub(crate) fn event(&self, event: &str, payload: &Value) {
        if matches!(self.role, Role::Owner { .. }) {
            self.publish(Publish::Message(SingletonMessage::Event {
                owner: self.token(),
                event: event.to_owned(),
                payload: payload.clone(),
            }));
        }
    }

    /// Proxy: hands a call to the owner; its reply goes to the caller's outbox.
    pub(crate) fn forward(&self, mut forward: Forward) {
        let owner = match &self.role {
            Role::Proxy {
                owner: Some(owner), ..
            } => owner.clone(),
            _ => {
                self.kick.notify_one();
                let error = Refusal::NoReachableOwner { name: self.name }.text();
                fail_forward(&forward, &error);
                return;
            }
        };
        forward.request.request_id = format!(
            "{}-{}",
            self.node.instance_id,
            self.node.next_request.fetch_add(1, Ordering::Relaxed)
        );
        forward.request.source_instance_id = self.node.instance_id.to_string();
        forward.request.target_instance_id = owner.instance_id;
        forward.request.component_id = owner.component_id;
        if let Some(forwarder) = &self.forwarder
            && let Err(error) = forwarder.send(forward)
        {
            fail_forward(&error.0, &Refusal::SingletonStopped.text());
        }
    }

    /// Proxy: adopts `owner` (from a message or the watch task).
    pub(crate) fn set_proxy_state(&mut self, owner: Option<SingletonOwner>, seq: Option<u64>) {
        self.role = Role::Proxy { owner, seq };
    }

    /// Becomes the owner (the watch task claimed the singleton) and announces `state`.
    pub(crate) fn promote(&mut self, state: &Value) {
        tracing::info!(singleton = self.name, id = %self.id, "took over singleton");
        self.role = Role::Owner { seq: 0 };
        self.start_owner(state);
    }

    /// Stops serving (another instance holds the claim) and relays `owner` instead.
    pub(crate) fn demote(&mut self, owner: Option<SingletonOwner>) {
        tracing::warn!(singleton = self.name, id = %self.id, "lost singleton ownership; now a proxy");
        // Dropping the publisher ends it without a release: the claim is not ours.
        self.publisher = None;
        self.role = Role::Proxy { owner, seq: None };
        self.start_proxy();
    }

    /// The instance is going away: an owner mirrors `state` and hands the claim over.
    pub(crate) fn close(mut self, state: &Value) {
        if let Role::Owner { seq } = self.role {
            self.mirror(seq, state);
            self.publish(Publish::Release);
        }
        self.publisher = None;
        self.node.unregister(self.name, &self.id);
    }
}

impl Drop for SingletonLink {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
