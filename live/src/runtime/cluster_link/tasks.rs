//! A singleton link's background tasks: the owner's heartbeat and ordered publisher, the
//! proxy's owner watch. They report to the actor through its [`ClusterMailbox`].

use super::node::ClusterNode;
use crate::cluster::{Claim, MirroredState, Renewal, SingletonMessage, SingletonOwner};
use crate::metrics::ClusterEvent;
use crate::runtime::mailbox::{ClusterMailbox, ClusterSignal};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc};

/// What an owner's publisher task does, in order.
#[derive(Debug)]
pub(super) enum Publish {
    Message(SingletonMessage),
    Mirror(MirroredState),
    Release,
}

/// Sleeps one heartbeat, or until kicked.
async fn tick(node: &ClusterNode, kick: &Notify) {
    tokio::select! {
        () = tokio::time::sleep(node.heartbeat) => {}
        () = kick.notified() => {}
    }
}

/// The owner's heartbeat: renews the claim (compare-and-renew) every interval.
pub(super) async fn heartbeat(
    node: Arc<ClusterNode>,
    name: &'static str,
    id: Arc<str>,
    kick: Arc<Notify>,
    mailbox: ClusterMailbox,
) {
    loop {
        tick(&node, &kick).await;
        match node
            .op("renew", node.adapter.renew_singleton(name, &id))
            .await
        {
            Ok(Renewal::Renewed) => {}
            Ok(Renewal::Reclaimed) => {
                tracing::warn!(singleton = name, "claim had vanished; reclaimed it");
                if !mailbox.signal(ClusterSignal::Reclaimed) {
                    return;
                }
            }
            Ok(Renewal::Lost(owner)) => {
                mailbox.signal(ClusterSignal::Lost(owner));
                return;
            }
            Err(error) => tracing::warn!(singleton = name, %error, "heartbeat failed"),
        }
    }
}

/// A proxy's watch: looks for a dead owner every interval (and at once), claims the
/// singleton when the claim is free, and otherwise reports the owner and mirror.
pub(super) async fn watch(
    node: Arc<ClusterNode>,
    name: &'static str,
    id: Arc<str>,
    kick: Arc<Notify>,
    mailbox: ClusterMailbox,
) {
    let mut first = true;
    loop {
        if !first {
            tick(&node, &kick).await;
        }
        first = false;
        let owner = match node.op("owner", node.adapter.singleton_owner(name)).await {
            Ok(owner) => owner,
            Err(error) => {
                tracing::warn!(singleton = name, %error, "owner lookup failed");
                continue;
            }
        };
        let ours = |owner: &SingletonOwner| {
            owner.instance_id == *node.instance_id && owner.component_id == *id
        };
        let owner = match owner {
            Some(owner) if !ours(&owner) => owner,
            // Ours already (an earlier attempt claimed it): serve it.
            Some(_) => {
                take_over(&node, name, &mailbox).await;
                return;
            }
            // Just after a backend restart the claim may be missing while its owner lives:
            // give the owner's heartbeat the first chance to take it back.
            None if node.in_reconnect_grace() => continue,
            None => match node
                .op("claim", node.adapter.claim_singleton(name, &id))
                .await
            {
                Ok(Claim::Claimed) => {
                    take_over(&node, name, &mailbox).await;
                    return;
                }
                Ok(Claim::Taken(Some(owner))) if !ours(&owner) => owner,
                Ok(Claim::Taken(Some(_))) => {
                    take_over(&node, name, &mailbox).await;
                    return;
                }
                Ok(Claim::Taken(None)) => continue,
                Err(error) => {
                    tracing::warn!(singleton = name, %error, "claim attempt failed");
                    continue;
                }
            },
        };
        let mirror = match node
            .op("load", node.adapter.load_singleton_state(name))
            .await
        {
            Ok(mirror) => mirror,
            Err(error) => {
                tracing::warn!(singleton = name, %error, "mirror load failed");
                None
            }
        };
        if !mailbox.signal(ClusterSignal::Resync { owner, mirror }) {
            return;
        }
    }
}

/// The watch task holds the claim: the actor becomes the owner, from the mirror.
async fn take_over(node: &ClusterNode, name: &'static str, mailbox: &ClusterMailbox) {
    node.metrics.cluster(ClusterEvent::Failover);
    let mirror = node
        .op("load", node.adapter.load_singleton_state(name))
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(singleton = name, %error, "mirror unreadable at takeover");
            None
        });
    mailbox.signal(ClusterSignal::Promote(mirror));
}

/// An owner's ordered publisher: messages in order, the mirror coalesced (only the latest
/// state is written; a failed write is retried), then the hand-off on release.
pub(super) async fn publisher(
    node: Arc<ClusterNode>,
    name: &'static str,
    id: Arc<str>,
    mut rx: mpsc::UnboundedReceiver<Publish>,
    mailbox: ClusterMailbox,
) {
    let retry = node.heartbeat.min(Duration::from_secs(1));
    let mut pending: Option<MirroredState> = None;
    let mut release = false;
    loop {
        // With a mirror write to retry, wait at most `retry` for more work.
        let next = if pending.is_some() {
            tokio::time::timeout(retry, rx.recv()).await.ok()
        } else {
            Some(rx.recv().await)
        };
        let mut batch: Vec<Publish> = Vec::new();
        let mut closed = false;
        match next {
            Some(Some(first)) => batch.push(first),
            Some(None) => closed = true,
            None => {}
        }
        if !closed {
            while let Ok(more) = rx.try_recv() {
                batch.push(more);
            }
        }
        if closed && pending.is_none() {
            return;
        }
        for item in batch {
            match item {
                Publish::Message(message) => {
                    match node
                        .op(
                            "publish",
                            node.adapter.publish_singleton(name, &id, &message),
                        )
                        .await
                    {
                        Ok(true) => {}
                        Ok(false) => {
                            mailbox.signal(ClusterSignal::Lost(None));
                            return;
                        }
                        Err(error) => {
                            tracing::warn!(singleton = name, %error, "delta not published");
                        }
                    }
                }
                Publish::Mirror(state) => pending = Some(state),
                Publish::Release => release = true,
            }
        }
        if let Some(state) = pending.take() {
            match node
                .op("mirror", node.adapter.save_singleton_state(name, &state))
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    if !release {
                        mailbox.signal(ClusterSignal::Lost(None));
                    }
                    return;
                }
                Err(error) => {
                    tracing::warn!(singleton = name, %error, "mirror write failed; will retry");
                    if !release && !closed {
                        pending = Some(state);
                    }
                }
            }
        }
        if release {
            if let Err(error) = node
                .op("release", node.adapter.release_singleton(name, &id))
                .await
            {
                tracing::warn!(singleton = name, %error, "release failed; the claim will expire");
            }
            return;
        }
        if closed && pending.is_none() {
            return;
        }
    }
}
