//! Topics: components subscribe to a named topic for messages of one type; app code (or
//! another component) publishes, and every subscriber's `on_message` gets a copy on its own
//! task.
//!
//! In a cluster a publish also goes to the adapter (`publish_topic`, the message as JSON
//! under its type key), and a server watches a topic while it has local subscribers: the
//! first subscription calls `watch_topic`, the last one gone `unwatch_topic`, in order, on
//! one task ([`watcher`]). What other servers publish comes back through
//! [`Topics::deliver_remote`].

use super::jobs::{JobSender, Message, send_job};
use super::remote::type_key;
use super::{OnMessage, PushError};
use crate::cluster::{ClusterAdapter, ClusterError, TopicMessage};
use crate::support::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc;

/// Where a topic's messages of type `T` go: one subscribed component's work mailbox.
trait TopicSink<T>: Send + Sync {
    fn deliver(&self, message: T) -> BoxFuture<'_, Result<(), PushError>>;
    fn is_closed(&self) -> bool;
}

impl<C, T> TopicSink<T> for JobSender<C>
where
    C: OnMessage<T>,
    T: Send + 'static,
{
    fn deliver(&self, message: T) -> BoxFuture<'_, Result<(), PushError>> {
        Box::pin(send_job(self, Box::new(Message(message))))
    }

    fn is_closed(&self) -> bool {
        crate::support::queue::Sender::is_closed(self)
    }
}

/// One subscription: the component and its sink (an `Arc<dyn TopicSink<T>>`, with `T`
/// the type in the table's key).
struct Subscriber {
    component_id: Arc<str>,
    sink: Box<dyn Any + Send + Sync>,
}

/// Decodes a message from another server and makes one delivery per subscriber (all of
/// one type `T`): `json_deliveries::<T>`.
type JsonDeliveries = fn(&[Subscriber], &Value) -> Result<Vec<BoxFuture<'static, bool>>, String>;

/// The subscribers of one topic for one message type.
struct Entry {
    /// The type key of the messages (what other servers send).
    key: &'static str,
    from_json: JsonDeliveries,
    subscribers: Vec<Subscriber>,
}

type Table = HashMap<(String, TypeId), Entry>;

/// This server's link to the cluster: the adapter, and the queue of watch changes.
struct Link {
    adapter: Arc<dyn ClusterAdapter>,
    watches: mpsc::UnboundedSender<(String, bool)>,
}

/// The topic subscriptions of one server, by topic name and message type.
#[derive(Default)]
pub(crate) struct Topics {
    table: Mutex<Table>,
    cluster: Option<Link>,
}

impl fmt::Debug for Topics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Topics")
            .field("topics", &self.lock().len())
            .finish()
    }
}

impl Topics {
    /// The topics of a server in a cluster: publishes also go to `adapter`, and the server
    /// watches the topics it has subscribers for. Spawns the watcher task.
    pub(crate) fn clustered(adapter: Arc<dyn ClusterAdapter>) -> Self {
        let (watches, rx) = mpsc::unbounded_channel();
        tokio::spawn(watcher(Arc::clone(&adapter), rx));
        Self {
            table: Mutex::default(),
            cluster: Some(Link { adapter, watches }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues a watch (or unwatch) of `topic` if its subscriber count went from 0 to 1 (or
    /// 1 to 0). Called under the table's lock, so the queue keeps the changes' order.
    fn watch_change(&self, table: &Table, topic: &str, had: bool) {
        let has = has_topic(table, topic);
        if let Some(link) = &self.cluster
            && has != had
        {
            let _ = link.watches.send((topic.to_owned(), has));
        }
    }

    /// Subscribes component `component_id` (once; again replaces) to `topic`'s messages of
    /// type `T`. Subscriptions of destroyed components are dropped here and at publish.
    pub(crate) fn subscribe<C, T>(&self, topic: &str, component_id: Arc<str>, jobs: JobSender<C>)
    where
        C: OnMessage<T>,
        T: Clone + DeserializeOwned + Send + 'static,
    {
        let sink: Arc<dyn TopicSink<T>> = Arc::new(jobs);
        let mut table = self.lock();
        let had = has_topic(&table, topic);
        let entry = table
            .entry((topic.to_owned(), TypeId::of::<T>()))
            .or_insert_with(|| Entry {
                key: type_key::<T>(),
                from_json: json_deliveries::<T>,
                subscribers: Vec::new(),
            });
        let subscribers = &mut entry.subscribers;
        subscribers.retain(|s| s.component_id != component_id && live::<T>(s));
        subscribers.push(Subscriber {
            component_id,
            sink: Box::new(sink),
        });
        self.watch_change(&table, topic, had);
    }

    /// Ends component `component_id`'s subscription to `topic`'s messages of type `T`.
    pub(crate) fn unsubscribe<T: 'static>(&self, topic: &str, component_id: &str) {
        let key = (topic.to_owned(), TypeId::of::<T>());
        let mut table = self.lock();
        let had = has_topic(&table, topic);
        if let Some(entry) = table.get_mut(&key) {
            entry
                .subscribers
                .retain(|s| &*s.component_id != component_id);
            if entry.subscribers.is_empty() {
                table.remove(&key);
            }
        }
        self.watch_change(&table, topic, had);
    }

    /// Ends every subscription of component `component_id` (it is being destroyed).
    pub(crate) fn unsubscribe_all(&self, component_id: &str) {
        let mut table = self.lock();
        let mut emptied = Vec::new();
        table.retain(|(topic, _), entry| {
            entry
                .subscribers
                .retain(|s| &*s.component_id != component_id);
            if entry.subscribers.is_empty() {
                emptied.push(topic.clone());
            }
            !entry.subscribers.is_empty()
        });
        emptied.sort();
        emptied.dedup();
        for topic in emptied {
            self.watch_change(&table, &topic, true);
        }
    }

    /// Queues a copy of `message` for every live subscriber of `topic` (type `T`) on this
    /// server, waiting while a subscriber's mailbox is full; returns how many got it. In a
    /// cluster the message also goes to the other servers watching `topic`.
    pub(crate) async fn publish<T: Clone + Serialize + Send + 'static>(
        &self,
        topic: &str,
        message: T,
    ) -> usize {
        if let Some(link) = &self.cluster {
            publish_remote(link, topic, &message).await;
        }
        let sinks = self.sinks::<T>(topic);
        let mut delivered = 0;
        for sink in sinks {
            if sink.deliver(message.clone()).await.is_ok() {
                delivered += 1;
            }
        }
        delivered
    }

    /// The live sinks of `topic` (type `T`), pruning the dead ones.
    fn sinks<T: Send + 'static>(&self, topic: &str) -> Vec<Arc<dyn TopicSink<T>>> {
        let key = (topic.to_owned(), TypeId::of::<T>());
        let mut table = self.lock();
        let Some(entry) = table.get_mut(&key) else {
            return Vec::new();
        };
        entry.subscribers.retain(live::<T>);
        let sinks = entry
            .subscribers
            .iter()
            .filter_map(|s| s.sink.downcast_ref::<Arc<dyn TopicSink<T>>>())
            .cloned()
            .collect();
        if entry.subscribers.is_empty() {
            table.remove(&key);
            self.watch_change(&table, topic, true);
        }
        sinks
    }

    /// Delivers a message another server published to the subscribers of its topic whose
    /// type key matches; returns how many got it. A payload that does not decode is logged
    /// and dropped.
    pub(crate) async fn deliver_remote(&self, message: TopicMessage) -> usize {
        let mut deliveries = Vec::new();
        for ((topic, _), entry) in self.lock().iter() {
            if *topic != message.topic || entry.key != message.message_type {
                continue;
            }
            match (entry.from_json)(&entry.subscribers, &message.payload) {
                Ok(found) => deliveries.extend(found),
                Err(error) => tracing::warn!(
                    topic = %message.topic,
                    message_type = %message.message_type,
                    %error,
                    "dropped a topic message that does not decode"
                ),
            }
        }
        let mut delivered = 0;
        for delivery in deliveries {
            if delivery.await {
                delivered += 1;
            }
        }
        delivered
    }

    /// Subscriptions to `topic` (any type).
    pub(crate) fn count(&self, topic: &str) -> usize {
        self.lock()
            .iter()
            .filter(|((name, _), _)| name == topic)
            .map(|(_, entry)| entry.subscribers.len())
            .sum()
    }
}

/// Whether `topic` has subscribers (of any type).
fn has_topic(table: &Table, topic: &str) -> bool {
    table.keys().any(|(name, _)| name == topic)
}

/// Decodes `payload` as a `T` and makes one delivery per live subscriber.
fn json_deliveries<T: Clone + DeserializeOwned + Send + 'static>(
    subscribers: &[Subscriber],
    payload: &Value,
) -> Result<Vec<BoxFuture<'static, bool>>, String> {
    let message = T::deserialize(payload).map_err(|error| error.to_string())?;
    let deliveries = subscribers
        .iter()
        .filter_map(|s| s.sink.downcast_ref::<Arc<dyn TopicSink<T>>>())
        .filter(|sink| !sink.is_closed())
        .map(|sink| {
            let sink = Arc::clone(sink);
            let message = message.clone();
            Box::pin(async move { sink.deliver(message).await.is_ok() }) as BoxFuture<'static, bool>
        })
        .collect();
    Ok(deliveries)
}

/// Publishes `message` to the other servers watching `topic` (failures are logged).
async fn publish_remote<T: Serialize>(link: &Link, topic: &str, message: &T) {
    let payload = match serde_json::to_value(message) {
        Ok(payload) => payload,
        Err(error) => {
            tracing::warn!(topic, %error, "topic message not published: it does not encode");
            return;
        }
    };
    let message = TopicMessage {
        topic: topic.to_owned(),
        message_type: type_key::<T>().to_owned(),
        payload,
        source_instance_id: link.adapter.instance_id().to_owned(),
    };
    let timeout = link.adapter.operation_timeout();
    match tokio::time::timeout(timeout, link.adapter.publish_topic(&message)).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(topic, %error, "topic publish to the cluster failed"),
        Err(_) => tracing::warn!(topic, "topic publish to the cluster timed out"),
    }
}

/// Watches and unwatches topics on the adapter, one change at a time, in order.
async fn watcher(
    adapter: Arc<dyn ClusterAdapter>,
    mut rx: mpsc::UnboundedReceiver<(String, bool)>,
) {
    let timeout = adapter.operation_timeout();
    while let Some((topic, watch)) = rx.recv().await {
        let change = async {
            if watch {
                adapter.watch_topic(&topic).await
            } else {
                adapter.unwatch_topic(&topic).await
            }
        };
        match tokio::time::timeout(timeout, change).await {
            Ok(Ok(()) | Err(ClusterError::ShuttingDown)) => {}
            Ok(Err(error)) => tracing::warn!(topic, watch, %error, "topic watch change failed"),
            Err(_) => tracing::warn!(topic, watch, "topic watch change timed out"),
        }
    }
}

/// Whether a subscriber (of a `T` topic) still has a running component.
fn live<T: Send + 'static>(subscriber: &Subscriber) -> bool {
    subscriber
        .sink
        .downcast_ref::<Arc<dyn TopicSink<T>>>()
        .is_some_and(|sink| !sink.is_closed())
}
