//! Viewers: a singleton's later mounts and every unmount, the join/leave hooks, and
//! publishing what those hooks changed together.

use super::instance::Actor;
use crate::component::LiveComponent;
use crate::protocol::kinds::ServerKind;
use crate::protocol::outbound::{self, Reply};
use crate::runtime::mailbox::{MountReply, Viewer};
use crate::runtime::outbox::Outbox;
use serde_json::{Value, json};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long a singleton gathers viewer joins and leaves before it publishes what its
/// `on_client_join`/`on_client_leave` hooks changed: a burst of N joins costs one delta per
/// viewer instead of N. Calls publish pending changes first, so their events and replies
/// still follow every earlier change.
const MEMBERSHIP_PUBLISH_DELAY: Duration = Duration::from_millis(10);

impl<C: LiveComponent> Actor<C> {
    /// Another connection mounts this singleton: it gets the current state, freshly signed.
    /// What `on_client_join` changes is published shortly after, with other joins.
    pub(super) fn join(&mut self, viewer: Viewer, reply: MountReply) {
        let signed = self.sign();
        viewer.outbox.push_text(outbound::state_update(
            &self.id,
            &self.synced,
            Some(&signed),
        ));
        self.add_viewer(Arc::clone(&viewer.connection_id), viewer.outbox.clone());
        if !self.is_proxy() {
            self.notify_join(&viewer.connection_id);
            self.schedule_membership_publish();
        }
        self.reply_mounted(&viewer.outbox, &reply, &signed);
    }

    pub(super) fn notify_join(&mut self, connection_id: &str) {
        let viewers = self.viewers.len();
        let component = &mut self.component;
        if std::panic::catch_unwind(AssertUnwindSafe(|| {
            component.on_client_join(connection_id, viewers)
        }))
        .is_err()
        {
            tracing::error!(component = C::NAME, "on_client_join panicked");
        }
    }

    /// `MESSAGE_RESPONSE` for a mount, `COMPONENT_REHYDRATED` for a rehydration.
    pub(super) fn reply_mounted(&self, outbox: &Outbox, reply: &MountReply, signed: &Value) {
        let (kind, result) = if reply.rehydrate {
            (
                ServerKind::ComponentRehydrated,
                json!({"newComponentId": &*self.id}),
            )
        } else {
            let result = json!({
                "componentId": &*self.id,
                "initialState": &self.synced,
                "signedState": signed,
            });
            (ServerKind::MessageResponse, result)
        };
        let frame = Reply::success(kind, reply.echo_id.as_deref(), reply.request_id.as_deref())
            .with_result(Some(&result))
            .encode();
        outbox.push_text(frame);
    }

    /// Removes a viewer; returns true when the component should be destroyed.
    pub(super) async fn leave(&mut self, connection_id: &str) -> bool {
        let Some(outbox) = self.viewers.remove(connection_id) else {
            return false;
        };
        self.audience.remove(&outbox);
        self.windows.forget(connection_id);
        let Some(singletons) = self.singleton.clone() else {
            return true;
        };
        let viewers = self.viewers.len();
        if self.is_proxy() {
            return viewers == 0 && singletons.release(C::NAME, &self.id, &self.mail).await;
        }
        let component = &mut self.component;
        if std::panic::catch_unwind(AssertUnwindSafe(|| {
            component.on_client_leave(connection_id, viewers)
        }))
        .is_err()
        {
            tracing::error!(component = C::NAME, "on_client_leave panicked");
        }
        self.schedule_membership_publish();
        viewers == 0 && singletons.release(C::NAME, &self.id, &self.mail).await
    }

    /// Adds a viewer (to the actor's table and to the rooms' audience).
    pub(super) fn add_viewer(&mut self, connection_id: Arc<str>, outbox: Outbox) {
        self.audience.add(outbox.clone());
        self.viewers.insert(connection_id, outbox);
    }

    /// A viewer joined or left: publish what the hooks changed a little later, together
    /// with the changes of the joins and leaves that follow it.
    fn schedule_membership_publish(&mut self) {
        if self.membership_publish_at.is_none() {
            self.membership_publish_at = Some(Instant::now() + MEMBERSHIP_PUBLISH_DELAY);
        }
    }

    /// Publishes the changes joins and leaves made, if any are pending.
    pub(super) fn publish_membership_changes(&mut self) {
        if self.membership_publish_at.is_some() {
            self.publish_changes();
        }
    }
}
